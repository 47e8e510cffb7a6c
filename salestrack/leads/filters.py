import django_filters

from salestrack.api.filters import LeadFilter
from salestrack.leads.models import Lead
from salestrack.web.filters import RecordListFilter


class LeadListFilter(LeadFilter, RecordListFilter):
    """The API's lead filters plus owner, team and created dates; one status at a time."""

    status = django_filters.ChoiceFilter(choices=Lead.Status.choices, empty_label="Any status")
