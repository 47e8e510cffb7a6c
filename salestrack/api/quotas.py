"""Quotas: a rep reads their own, a manager their subtree's, an admin all; managers and
admins set those below them (forecasting/quotas.py says who sets what)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from salestrack.api.pagination import KeysetPagination
from salestrack.api.serializers import Text
from salestrack.company.models import Company
from salestrack.forecasting import quotas
from salestrack.forecasting.models import Quota
from salestrack.lib.ids import LARGEST, parse_id
from salestrack.teams.models import Team, User

PERIOD_HELP = "A fiscal quarter like 2026-Q4 or a calendar month like 2026-11."


# A pattern, not an enum: spectacular names enums after their field, and a second "kind" would
# rename the activities' enum component.
@extend_schema_field({"type": "string", "pattern": "^(month|quarter)$"})
class KindField(serializers.CharField):
    pass


class QuotaSerializer(serializers.ModelSerializer):
    kind = KindField(read_only=True, help_text='"month" or "quarter".')
    user_id = serializers.IntegerField(read_only=True, allow_null=True)
    team_id = serializers.IntegerField(read_only=True, allow_null=True)
    period = serializers.SerializerMethodField(
        help_text=f"{PERIOD_HELP} null for a quarter quota that no longer begins a fiscal "
        "quarter (the fiscal year start changed since it was set)."
    )
    set_by_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Quota
        fields = ["id", "user_id", "team_id", "period", "kind", "start", "amount"]
        fields += ["set_by_id", "set_at"]
        read_only_fields = fields
        extra_kwargs = {
            "start": {"help_text": "The period's first day."},
            "amount": {"help_text": "In the company's currency."},
        }

    def get_period(self, quota) -> str | None:
        return quotas.name_of_period(quota, self.context["fiscal_year_start"])


class QuotaWriteSerializer(serializers.Serializer):
    user_id = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        source="user",
        required=False,
        allow_null=True,
        help_text="The person whose quota it is (or give team_id).",
    )
    team_id = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        source="team",
        required=False,
        allow_null=True,
        help_text="The team whose quota it is (or give user_id).",
    )
    period = Text(help_text=PERIOD_HELP)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, help_text="In the company's currency."
    )


class LatestFirst(KeysetPagination):
    ordering = "-start"


class QuotaViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Quotas per user and per team for a month or a fiscal quarter, latest period first.

    POST sets one: it creates the quota (201) or changes the one there is (200). A quarter
    without a quota of its own adds up its months', a team without one its members' and
    sub-teams' (docs/forecasting.md)."""

    serializer_class = QuotaSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = LatestFirst
    model = Quota  # error fields named as the API does: user_id, team_id
    lookup_value_regex = r"\d+"

    def get_serializer_context(self):
        return super().get_serializer_context() | {
            "fiscal_year_start": Company.load().fiscal_year_start
        }

    def get_queryset(self):
        rows = quotas.visible_quotas(self.request.user)
        if self.action != "list":
            return rows
        params = self.request.query_params
        if "period" in params:
            try:
                period = quotas.period_check(params["period"])
            except DjangoValidationError as error:
                raise ValidationError(error.message_dict) from None
            rows = rows.filter(kind=period.kind, start=period.start)
        for name in ("user_id", "team_id"):
            if name in params:
                pk = parse_id(params[name])
                if pk is None:
                    raise ValidationError({name: ["Give an id: a whole number from 1."]})
                rows = rows.filter(**{name: pk})
        return rows

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period", str, description=f"Only this period's quotas. {PERIOD_HELP}"
            ),
            OpenApiParameter(
                "user_id",
                {"type": "integer", "minimum": 1, "maximum": LARGEST},
                description="Only this person's.",
            ),
            OpenApiParameter(
                "team_id",
                {"type": "integer", "minimum": 1, "maximum": LARGEST},
                description="Only this team's.",
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=QuotaWriteSerializer,
        responses={
            200: OpenApiResponse(QuotaSerializer, description="The quota there was, changed."),
            201: OpenApiResponse(QuotaSerializer, description="A new quota."),
        },
    )
    def create(self, request, *args, **kwargs):
        given = QuotaWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        existed = _exists(data)
        quota = quotas.quota_set(by=request.user, **data)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(self.get_serializer(quota).data, status=code)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        quotas.quota_delete(by=request.user, quota=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _exists(data) -> bool:
    """Whether the quota a POST names is there already, for the answer's 200 or 201 (the
    service refuses bad input itself)."""
    user, team = data.get("user"), data.get("team")
    try:
        period = quotas.period_check(data["period"])
    except DjangoValidationError:
        return False
    if (user is None) == (team is None):
        return False
    whose = {"user": user} if user is not None else {"team": team}
    return Quota.objects.filter(kind=period.kind, start=period.start, **whose).exists()
