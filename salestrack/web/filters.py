import django_filters

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
        self.form.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
