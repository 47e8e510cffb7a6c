import django_filters

from salestrack.api.filters import LeadFilter
from salestrack.teams.models import Team


class LeadListFilter(LeadFilter):
    """The API's lead filters plus what the list page offers on top."""

    team = django_filters.ModelChoiceFilter(field_name="owner__team", queryset=Team.objects.all())
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta(LeadFilter.Meta):
        fields = [*LeadFilter.Meta.fields, "team", "created_from", "created_to"]
