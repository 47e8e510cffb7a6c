"""The filters every record list shares, for the pages and the API alike.

Unknown values answer 400, never a silently ignored filter.
"""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(django_filters.NumberFilter):
    """A whole id within the database's range: 1.5 is refused, 10**20 would overflow (a 500)."""

    field_class = forms.IntegerField

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)


# The API schema says what a client sends (text), not the boolean it is read as.
@extend_schema_field({"type": "string", "enum": ["true", "false", "1", "0"]})
class YesNoFilter(django_filters.TypedChoiceFilter):
    """true or false (1 or 0); django-filter's BooleanFilter turns "maybe" into no filter."""

    def __init__(self, **kwargs):
        choices = [(v, v) for v in ("true", "false", "1", "0")]
        super().__init__(choices=choices, coerce=lambda value: value in ("true", "1"), **kwargs)


class RecordFilter(django_filters.FilterSet):
    owner_id = IdFilter(field_name="owner_id")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", method="since")

    def filter_queryset(self, queryset):
        # The words last: a list searched by a common word holds its newest matches among the
        # rows every other filter kept (search.index.matching), not among everyone's.
        values = self.form.cleaned_data
        for name in sorted(values, key=lambda name: name == "q"):
            queryset = self.filters[name].filter(queryset, values[name])
        return queryset

    def since(self, queryset, name, value):
        # The database compares in UTC; year 1 at +05:00 is before year 1 there (an overflow).
        try:
            value = value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError({"updated_since": ["Date out of range."]}) from None
        return queryset.filter(**{f"{name}__gte": value})
