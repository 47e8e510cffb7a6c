import django_filters

from salestrack.teams import visibility
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
