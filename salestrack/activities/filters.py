import django_filters

from salestrack.activities.models import Activity
from salestrack.lib.filters import IdFilter, RecordFilter, YesNoFilter


class ActivityFilter(RecordFilter):
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices)
    done = YesNoFilter()
    lead_id = IdFilter(field_name="lead_id")
    contact_id = IdFilter(field_name="contact_id")
    account_id = IdFilter(field_name="account_id")
    opportunity_id = IdFilter(field_name="opportunity_id")

    class Meta:
        model = Activity
        fields = ["owner_id", "kind", "done", "updated_since"]
