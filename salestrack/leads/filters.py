import django_filters

from salestrack.leads.models import Lead
from salestrack.lib.filters import RecordFilter


class LeadFilter(RecordFilter):
    status = django_filters.MultipleChoiceFilter(choices=Lead.Status.choices)
    source = django_filters.CharFilter()

    class Meta:
        model = Lead
        fields = ["owner_id", "status", "source", "updated_since"]
