"""The API's list filters: each record kind's own (its app's filters.py) and its words."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from salestrack.accounts import filters as accounts
from salestrack.activities import filters as activities
from salestrack.leads import filters as leads
from salestrack.lib.filters import IdFilter
from salestrack.opportunities import filters as opportunities
from salestrack.search.filters import Searched
from salestrack.teams.models import User


class LeadFilter(Searched, leads.LeadFilter):
    pass


class AccountFilter(Searched, accounts.AccountFilter):
    pass


class ContactFilter(Searched, accounts.ContactFilter):
    pass


class OpportunityFilter(Searched, opportunities.OpportunityFilter):
    pass


class ActivityFilter(Searched, activities.ActivityFilter):
    search_fields = ["subject"]


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
        if filterset_class:
            _refuse_empty(request, filterset_class)
        return super().filter_queryset(request, queryset, view)


def _refuse_empty(request, filterset_class) -> None:
    """`?updated_since=` is neither a date nor a filter left out: say so, as the schema does.

    The pages' forms send every field, empty ones included, and keep django-filter's reading
    of an empty value as no filter; a program calling the API means what it sends.
    """
    empty = [
        name
        for name, value in request.query_params.items()
        if value == ""
        and name in filterset_class.base_filters
        and not isinstance(filterset_class.base_filters[name], django_filters.CharFilter)
    ]
    if empty:
        raise ValidationError(
            {name: ["Give a value, or leave the parameter out."] for name in empty}
        )


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
