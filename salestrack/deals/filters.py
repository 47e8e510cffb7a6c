import django_filters
from django.db.models import Q

from salestrack.api.filters import OpportunityFilter
from salestrack.deals.models import Pipeline, Stage
from salestrack.web.filters import RecordListFilter

STATUSES = {
    "open": Q(is_closed=False),
    "won": Q(is_won=True),
    "lost": Q(is_closed=True, is_won=False),
}


class OpportunityListFilter(OpportunityFilter, RecordListFilter):
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
