"""The REST API: thin views over the visibility rules and the services."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.response import Response

from salestrack.access import visibility
from salestrack.accounts import services as accounts
from salestrack.accounts.models import Account, Contact
from salestrack.activities import services as activities
from salestrack.activities.models import Activity
from salestrack.api import fastlist, filters, serializers
from salestrack.api.pagination import KeysetPagination
from salestrack.api.schema import ErrorSerializer
from salestrack.audit import trash
from salestrack.audit.models import Deleted
from salestrack.leads import services as leads
from salestrack.leads.models import Lead
from salestrack.lib.ids import parse_id
from salestrack.opportunities import lost_reasons
from salestrack.opportunities import services as opportunities
from salestrack.opportunities.models import LostReason, Opportunity, OpportunityHistory


def if_match_version(request) -> int | None:
    """The version named by `If-Match: "3"`; None when the header is absent or `*`."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    version = parse_id(header.removeprefix("W/").strip('"'))
    if version is None:
        raise ValidationError({"If-Match": ['Send the ETag you read, like "3".']})
    return version


def etag(response, instance):
    response["ETag"] = f'"{instance.version}"'
    return response


class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and change one kind of record, within the user's visibility."""

    model: type
    create_service = None
    update_service = None
    ordering_fields = ["id", "created_at", "updated_at"]
    filter_backends = [filters.Filters, filters.StrictOrdering]

    def get_queryset(self):
        return visibility.visible(self.request.user, self.model)

    def get_object(self):
        write = self.request.method not in permissions.SAFE_METHODS
        return visibility.get_visible_or_404(
            self.request.user, self.model, self.kwargs["pk"], write=write
        )

    def list(self, request, *args, **kwargs):
        plan = fastlist.plan_for(self.get_serializer_class())
        queryset = self.filter_queryset(self.get_queryset()).values(*plan.columns)
        rows = self.paginate_queryset(queryset)
        return self.get_paginated_response(plan.render(rows))

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return etag(Response(self.represent(instance)), instance)

    def represent(self, instance) -> dict:
        return fastlist.one(self.get_serializer_class(), instance)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = type(self).create_service(by=request.user, **serializer.validated_data)
        return etag(Response(self.represent(instance), status=status.HTTP_201_CREATED), instance)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        name = self.model._meta.model_name
        instance = type(self).update_service(
            **{name: instance},
            by=request.user,
            version=if_match_version(request),
            **serializer.validated_data,
        )
        return etag(Response(self.represent(instance)), instance)


class LeadViewSet(RecordViewSet):
    model = Lead
    serializer_class = serializers.LeadSerializer
    filterset_class = filters.LeadFilter
    ordering_fields = [*RecordViewSet.ordering_fields, "last_name", "company", "score", "status"]
    create_service = leads.lead_create
    update_service = leads.lead_update

    @extend_schema(responses=serializers.MatchesSerializer)
    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        """Existing accounts and contacts this lead may be, with the reason of each match."""
        lead = self.get_object()
        found = leads.lead_matches(lead=lead, user=request.user)
        return Response(serializers.MatchesSerializer(found).data)

    @extend_schema(request=serializers.ConvertSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """Qualify the lead into an account, a contact and optionally an opportunity."""
        lead = self.get_object()
        form = serializers.ConvertSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        draft = form.validated_data.get("opportunity")
        result = leads.lead_convert(
            lead=lead,
            by=request.user,
            account=form.validated_data.get("account"),
            contact=form.validated_data.get("contact"),
            opportunity=opportunities.OpportunityDraft(**draft) if draft else None,
            version=if_match_version(request),
        )
        body = {
            "lead": fastlist.one(serializers.LeadSerializer, result.lead),
            "account": fastlist.one(serializers.AccountSerializer, result.account),
            "contact": fastlist.one(serializers.ContactSerializer, result.contact),
            "opportunity": result.opportunity
            and fastlist.one(serializers.OpportunitySerializer, result.opportunity),
            # Linked as they were: the user may only read them, so nothing was filled in.
            "unfilled": [{"model": r._meta.label_lower, "id": r.pk} for r in result.unfilled],
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.DisqualifySerializer, responses=serializers.LeadSerializer)
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        lead = self.get_object()
        form = serializers.DisqualifySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        lead = leads.lead_disqualify(
            lead=lead,
            by=request.user,
            reason=form.validated_data["reason"],
            version=if_match_version(request),
        )
        return etag(Response(self.get_serializer(lead).data), lead)


class AccountViewSet(RecordViewSet):
    model = Account
    serializer_class = serializers.AccountSerializer
    filterset_class = filters.AccountFilter
    # Only non-null fields: a keyset cursor cannot step over nulls (customer_since, due_date).
    ordering_fields = [*RecordViewSet.ordering_fields, "name"]
    create_service = accounts.account_create
    update_service = accounts.account_update


class ContactViewSet(RecordViewSet):
    model = Contact
    serializer_class = serializers.ContactSerializer
    filterset_class = filters.ContactFilter
    ordering_fields = [*RecordViewSet.ordering_fields, "last_name", "email"]
    create_service = accounts.contact_create
    update_service = accounts.contact_update


class OpportunityViewSet(RecordViewSet):
    model = Opportunity
    serializer_class = serializers.OpportunitySerializer
    filterset_class = filters.OpportunityFilter
    ordering_fields = [*RecordViewSet.ordering_fields, "name", "amount", "close_date"]
    create_service = opportunities.opportunity_create
    update_service = opportunities.opportunity_update

    # One deal's rows, all of them: no list filters or pages (the schema once said otherwise).
    @extend_schema(responses=serializers.OpportunityHistoryPageSerializer)
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Every change of stage, amount, close date, probability, category and owner.

        A deletion and a restore are rows too: field "deleted", "False" to "True" and back.
        """
        opportunity = self.get_object()
        rows = OpportunityHistory.objects.filter(opportunity=opportunity).order_by(
            "changed_at", "id"
        )
        data = serializers.OpportunityHistorySerializer(rows, many=True).data
        return Response({"results": data, "next": None})


class ActivityViewSet(RecordViewSet):
    model = Activity
    serializer_class = serializers.ActivitySerializer
    filterset_class = filters.ActivityFilter
    ordering_fields = [*RecordViewSet.ordering_fields, "occurred_at"]
    create_service = activities.activity_log
    update_service = activities.activity_update

    def get_serializer_class(self):
        if self.request.method in ("PUT", "PATCH"):
            return serializers.ActivityUpdateSerializer
        return serializers.ActivitySerializer


class DirectoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Users, teams and pipelines: read by every signed-in user, managed by admins."""

    def get_queryset(self):
        return visibility.visible(self.request.user, self.serializer_class.Meta.model)


class UserViewSet(DirectoryViewSet):
    serializer_class = serializers.UserSerializer
    filterset_class = filters.UserFilter
    filter_backends = RecordViewSet.filter_backends
    ordering_fields = ["id", "username", "last_name"]


class TeamViewSet(DirectoryViewSet):
    serializer_class = serializers.TeamSerializer


class PipelineViewSet(DirectoryViewSet):
    serializer_class = serializers.PipelineSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("stages")


class AdminsWrite(permissions.IsAuthenticated):
    """Everyone signed in reads; only admins write (403), before the body is even read."""

    message = "Only an admin can change this list."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or request.user.is_admin


class InListOrder(KeysetPagination):
    ordering = "position"


class LostReasonViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    DirectoryViewSet,
):
    """The reasons a deal is lost for, in the list's order: everyone reads them, admins keep
    them. A reason deals were lost for is not deleted (409): retire it (`is_active: false`)."""

    serializer_class = serializers.LostReasonSerializer
    model = LostReason
    permission_classes = [AdminsWrite]
    pagination_class = InListOrder

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = lost_reasons.lost_reason_create(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(reason).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        reason = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(reason, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        reason = lost_reasons.lost_reason_update(
            reason=reason, by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(reason).data)

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(
                ErrorSerializer, description="Deals were lost for it: retire it instead."
            ),
        }
    )
    def destroy(self, request, *args, **kwargs):
        lost_reasons.lost_reason_delete(reason=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminsOnly(permissions.IsAuthenticated):
    """Answers 404 to everyone signed in but admins, as the settings pages do: to them the
    endpoint does not exist."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False  # 401: sign in first
        if not request.user.is_admin:
            raise NotFound()
        return True


class NewestDeletedFirst(KeysetPagination):
    ordering = "-deleted_at"


class DeletedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Deleted records (the trash), newest first; an admin restores them. Admins only."""

    serializer_class = serializers.DeletedSerializer
    permission_classes = [AdminsOnly]
    pagination_class = NewestDeletedFirst
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Deleted.objects.defer("rows", "unlinked")

    def initial(self, request, *args, **kwargs):
        # A method no one may use is a 405 for everyone, before the 404 that hides the trash.
        if not hasattr(self, request.method.lower()):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={
            200: serializers.RestoredSerializer,
            404: OpenApiResponse(
                ErrorSerializer, description="No such deleted record (or not an admin)."
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="It cannot be put back: a record it needs is gone (restore that "
                "first, the message says which) or its id is taken.",
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Put the record back under its id, with what its deletion took along."""
        deleted = self.get_object()
        record = trash.record_restore(deleted=deleted, by=request.user)
        body = {"kind": deleted.kind, "model": deleted.model, "id": record.pk, "name": str(record)}
        return Response(serializers.RestoredSerializer(body).data)


def ping(request):
    """The smallest JSON answer this server gives: the framework's ceiling in load tests."""
    return JsonResponse({"ok": True})


@csrf_exempt  # nothing here to protect, and a 403 would hide the 404
def not_found(request, rest=""):
    """Any other path under the API: a 404 in the API's error shape, not the site's HTML page."""
    body = {"error": {"code": "not_found", "message": "No such endpoint.", "fields": {}}}
    return JsonResponse(body, status=404)
