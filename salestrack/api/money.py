"""The company's currency and its exchange rates: everyone signed in reads, admins write."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from salestrack.api.pagination import KeysetPagination
from salestrack.api.schema import ErrorSerializer
from salestrack.api.serializers import ModelSerializer, Text
from salestrack.api.views import AdminsWrite, DirectoryViewSet
from salestrack.company import services
from salestrack.company.models import Company, ExchangeRate


class ExchangeRateSerializer(ModelSerializer):
    currency = Text(max_length=3, help_text="An ISO 4217 code other than the company's.")
    rate = serializers.DecimalField(
        max_digits=18,
        decimal_places=8,
        help_text="What one unit of `currency` is worth in the company's currency.",
    )

    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "rate", "valid_from"]
        extra_kwargs = {
            "valid_from": {"help_text": "The first day the rate applies (until the next one)."}
        }
        # The service says which day is taken, as a field error.
        validators = []


class CompanySerializer(ModelSerializer):
    class Meta:
        model = Company
        fields = ["currency", "fiscal_year_start"]
        extra_kwargs = {
            "currency": {"help_text": "ISO 4217; every total is in it (docs/money.md)."},
            "fiscal_year_start": {"help_text": "The month (1-12) a fiscal year starts in."},
        }


class NewestFirst(KeysetPagination):
    ordering = "-valid_from"


class ExchangeRateViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    DirectoryViewSet,
):
    """Dated exchange rates into the company's currency, newest first (`?currency=EUR` for
    one currency). A currency's only rate cannot be deleted while deals are in it (409)."""

    serializer_class = ExchangeRateSerializer
    permission_classes = [AdminsWrite]
    pagination_class = NewestFirst

    def get_queryset(self):
        rates = super().get_queryset()
        if self.action == "list" and "currency" in self.request.query_params:
            try:
                code = services.currency_code(self.request.query_params["currency"])
            except DjangoValidationError as error:
                raise ValidationError(error.message_dict) from None
            rates = rates.filter(currency=code)
        return rates

    @extend_schema(
        parameters=[
            OpenApiParameter("currency", str, description="Only this currency's rates (ISO 4217).")
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rate = services.rate_create(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(rate).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rate = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(rate, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        rate = services.rate_update(
            exchange_rate=rate, by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(rate).data)

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(
                ErrorSerializer, description="Deals are in the currency and it is its only rate."
            ),
        }
    )
    def destroy(self, request, *args, **kwargs):
        services.rate_delete(exchange_rate=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CompanyView(APIView):
    """The company's settings. Its currency changes only while there are no exchange rates
    and every deal is in the new currency (409 otherwise)."""

    permission_classes = [AdminsWrite]

    @extend_schema(responses=CompanySerializer)
    def get(self, request):
        return Response(CompanySerializer(Company.load()).data)

    @extend_schema(request=CompanySerializer, responses=CompanySerializer)
    def patch(self, request):
        serializer = CompanySerializer(Company.load(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        company = services.company_update(by=request.user, **serializer.validated_data)
        return Response(CompanySerializer(company).data)
