"""The list pages' filters: the API's, plus owner and team by name, created dates and more."""

import django_filters

from salestrack.access import visibility
from salestrack.accounts.filters import AccountFilter, ContactFilter
from salestrack.leads.filters import LeadFilter
from salestrack.leads.models import Lead
from salestrack.opportunities.filters import STATUSES, OpportunityFilter
from salestrack.opportunities.models import Pipeline, Stage
from salestrack.search.filters import Searched
from salestrack.teams.models import Team, User


class RecordListFilter(django_filters.FilterSet):
    """What every record list page offers on top of the API's filters.

    The owner is picked by name here; the API's `owner_id` (a bare id) keeps working in links.
    """

    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True), empty_label="Anyone"
    )
    team = django_filters.ModelChoiceFilter(
        field_name="owner__team", queryset=Team.objects.all(), empty_label="Any team"
    )
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices offered are the owners and teams whose records the user sees (everyone,
        # for an admin), read as plain values: 200 User objects per page view cost more than
        # the list's own query. Any active user or team still passes validation.
        user = self.request.user
        owners = visibility.assignable_owners(user)
        self.form.fields["owner"].plain_choices = [("", "Anyone"), *people_choices(owners)]
        teams = Team.objects.all()
        if user.role != User.Role.ADMIN:
            mine = {user.team_id} if user.team_id else set()
            teams = teams.filter(pk__in=sorted(visibility.managed_team_ids(user) | mine))
        self.form.fields["team"].plain_choices = [("", "Any team"), *team_choices(teams)]


def people_choices(users) -> list[tuple[int, str]]:
    """(id, name) of `users` by name, read as plain values: no User object per option."""
    people = users.order_by("first_name", "last_name", "username").values_list(
        "id", "first_name", "last_name", "username"
    )
    return [(pk, f"{first} {last}".strip() or name) for pk, first, last, name in people]


def team_choices(teams) -> list[tuple[int, str]]:
    return list(teams.order_by("name").values_list("id", "name"))


class LeadListFilter(Searched, LeadFilter, RecordListFilter):
    """The API's lead filters plus owner, team and created dates; one status at a time."""

    status = django_filters.ChoiceFilter(choices=Lead.Status.choices, empty_label="Any status")


class AccountListFilter(Searched, AccountFilter, RecordListFilter):
    """The API's account filters (type, search) plus owner, team and created dates."""


class ContactListFilter(Searched, ContactFilter, RecordListFilter):
    # The contacts of one account: by id from the account's page, or by name from the filters.
    account_name = django_filters.CharFilter(field_name="account__name", lookup_expr="icontains")


class OpportunityListFilter(Searched, OpportunityFilter, RecordListFilter):
    """The API's opportunity filters plus stage and pipeline by name, open/won/lost, source."""

    stage = django_filters.ModelChoiceFilter(
        queryset=Stage.objects.select_related("pipeline"), empty_label="Any stage"
    )
    pipeline = django_filters.ModelChoiceFilter(queryset=Pipeline.objects.all(), empty_label="Any")
    status = django_filters.ChoiceFilter(
        choices=[(k, k.capitalize()) for k in STATUSES], method="by_status"
    )
    source = django_filters.CharFilter()
    account_name = django_filters.CharFilter(field_name="account__name", lookup_expr="icontains")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stages = Stage.objects.order_by("pipeline", "position")
        self.form.fields["stage"].plain_choices = [
            ("", "Any stage"),
            *(
                (pk, f"{p} · {s}")
                for pk, p, s in stages.values_list("id", "pipeline__name", "name")
            ),
        ]

    def by_status(self, queryset, name, value):
        return queryset.filter(STATUSES[value])
