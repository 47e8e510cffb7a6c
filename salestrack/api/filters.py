"""List filters and ordering. Unknown values answer 400, never a silently ignored filter."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from salestrack.accounts.models import Account, Contact
from salestrack.activities.models import Activity
from salestrack.deals.models import Opportunity
from salestrack.leads.models import Lead
from salestrack.search import index
from salestrack.teams.models import User
from salestrack.teams.visibility import owner_ids


class IdFilter(django_filters.NumberFilter):
    """A whole id within the database's range: 1.5 is refused, 10**20 would overflow (a 500)."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)


class YesNoFilter(django_filters.TypedChoiceFilter):
    """true or false (1 or 0); django-filter's BooleanFilter turns "maybe" into no filter."""

    def __init__(self, **kwargs):
        choices = [(v, v) for v in ("true", "false", "1", "0")]
        super().__init__(choices=choices, coerce=lambda value: value in ("true", "1"), **kwargs)


class RecordFilter(django_filters.FilterSet):
    owner_id = IdFilter(field_name="owner_id")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", method="since")
    q = django_filters.CharFilter(method="search")

    # Fields `q` matches with icontains, for records without a search index (activities);
    # leads, contacts, accounts and opportunities are searched by salestrack.search.index.
    search_fields: list[str] = []

    def filter_queryset(self, queryset):
        # The words last: a list searched by a common word holds its newest matches among the
        # rows every other filter kept (index.matching), not among everyone's.
        values = self.form.cleaned_data
        for name in sorted(values, key=lambda name: name == "q"):
            queryset = self.filters[name].filter(queryset, values[name])
        return queryset

    def since(self, queryset, name, value):
        # The database compares in UTC; year 1 at +05:00 is before year 1 there (an overflow).
        try:
            value = value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError({"updated_since": ["Date out of range."]}) from None
        return queryset.filter(**{f"{name}__gte": value})

    def search(self, queryset, name, value):
        if queryset.model in index.FIELDS:
            owners = owner_ids(self.request.user)
            if owners is None:
                # Someone who sees everything: no owners to narrow by, so the newest ids are
                # walked first (index.newest).
                cutoff = index.recent_cutoffs([queryset.model]).get(queryset.model)
                return index.matching(queryset, value, cutoff=cutoff)
            return index.matching(queryset, value, owners=owners)
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(query)


class LeadFilter(RecordFilter):
    status = django_filters.MultipleChoiceFilter(choices=Lead.Status.choices)
    source = django_filters.CharFilter()

    class Meta:
        model = Lead
        fields = ["owner_id", "status", "source", "updated_since", "q"]


class AccountFilter(RecordFilter):
    type = django_filters.ChoiceFilter(choices=Account.Type.choices)

    class Meta:
        model = Account
        fields = ["owner_id", "type", "updated_since", "q"]


class ContactFilter(RecordFilter):
    account_id = IdFilter(field_name="account_id")

    class Meta:
        model = Contact
        fields = ["owner_id", "account_id", "updated_since", "q"]


class OpportunityFilter(RecordFilter):
    stage_id = IdFilter(field_name="stage_id")
    account_id = IdFilter(field_name="account_id")
    is_closed = YesNoFilter()
    close_date_from = django_filters.DateFilter(field_name="close_date", lookup_expr="gte")
    close_date_to = django_filters.DateFilter(field_name="close_date", lookup_expr="lte")

    class Meta:
        model = Opportunity
        fields = ["owner_id", "stage_id", "account_id", "is_closed", "updated_since", "q"]


class ActivityFilter(RecordFilter):
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices)
    done = YesNoFilter()
    lead_id = IdFilter(field_name="lead_id")
    contact_id = IdFilter(field_name="contact_id")
    account_id = IdFilter(field_name="account_id")
    opportunity_id = IdFilter(field_name="opportunity_id")
    search_fields = ["subject"]

    class Meta:
        model = Activity
        fields = ["owner_id", "kind", "done", "updated_since", "q"]


class UserFilter(django_filters.FilterSet):
    team_id = IdFilter(field_name="team_id")
    role = django_filters.ChoiceFilter(choices=User.Role.choices)

    class Meta:
        model = User
        fields = ["team_id", "role"]


class Filters(DjangoFilterBackend):
    """django-filter's backend, which a request naming none of the filters skips: building and
    validating a form of every filter cost a tenth of a 50-row page (docs/benchmarks.md)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class and request.query_params.keys().isdisjoint(filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)


class StrictOrdering(filters.OrderingFilter):
    """`?ordering=name` or `-close_date`; ties break on id so keyset pages never skip a row."""

    def get_ordering(self, request, queryset, view):
        param = request.query_params.get(self.ordering_param)
        if not param:
            return None
        allowed = view.ordering_fields
        fields = [f.strip() for f in param.split(",") if f.strip()]
        if len(fields) != 1 or fields[0].lstrip("-") not in allowed:
            raise ValidationError(
                {"ordering": [f"Order by one of: {', '.join(allowed)} (prefix - to reverse)."]}
            )
        field = fields[0]
        return (field, "-id" if field.startswith("-") else "id")
