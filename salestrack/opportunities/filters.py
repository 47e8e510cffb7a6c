import django_filters
from django.db.models import Q

from salestrack.lib.filters import IdFilter, RecordFilter, YesNoFilter
from salestrack.opportunities.models import Opportunity

STATUSES = {
    "open": Q(is_closed=False),
    "won": Q(is_won=True),
    "lost": Q(is_closed=True, is_won=False),
}


class OpportunityFilter(RecordFilter):
    stage_id = IdFilter(field_name="stage_id")
    account_id = IdFilter(field_name="account_id")
    is_closed = YesNoFilter()
    close_date_from = django_filters.DateFilter(field_name="close_date", lookup_expr="gte")
    close_date_to = django_filters.DateFilter(field_name="close_date", lookup_expr="lte")

    class Meta:
        model = Opportunity
        fields = ["owner_id", "stage_id", "account_id", "is_closed", "updated_since"]
