"""Lists without building a model instance and a DRF field tree for every row.

A list page of 50 leads with 30 fields each spent most of its time in DRF's per-field machinery.
`ListPlan` reads the same serializer once: it fetches the readable fields' columns with
`.values()` and converts only the values whose JSON form differs from the database's (times,
dates, decimals), with the serializer's own fields, so the output is the same to the byte.
"""

from functools import cache

from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

CONVERTED = (serializers.DateTimeField, serializers.DateField, serializers.DecimalField)


class ListPlan:
    def __init__(self, serializer: serializers.ModelSerializer):
        opts = serializer.Meta.model._meta
        self.keys, self.columns, self.converters = [], [], []
        for name, field in serializer.fields.items():
            if field.write_only:
                continue
            self.keys.append(name)
            self.columns.append(opts.get_field(field.source).attname)
            self.converters.append(
                field.to_representation if isinstance(field, CONVERTED) else None
            )

    def render(self, rows: list[dict]) -> list[dict]:
        converters = [_fast(c) for c in self.converters]
        plan = list(zip(self.keys, self.columns, converters, strict=True))
        return [
            {
                key: (value if convert is None or value is None else convert(value))
                for key, column, convert in plan
                for value in (row[column],)
            }
            for row in rows
        ]


def _fast(convert):
    """DRF's DateTimeField output without its per-value time zone lookup (a thread-local read
    that cost more than the rest of a row): the zone is read once per list."""
    field = getattr(convert, "__self__", None)
    if not isinstance(field, serializers.DateTimeField):
        return convert
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
        return convert
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None:
        return convert

    def iso(value):
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


def one(serializer_class, instance) -> dict:
    """One record as `serializer_class` shows it, by the plan of its lists: building a DRF
    serializer for each record cost most of a conversion's answer (docs/benchmarks.md)."""
    plan = plan_for(serializer_class)
    return plan.render([{column: getattr(instance, column) for column in plan.columns}])[0]


@cache
def plan_for(serializer_class) -> ListPlan:
    return ListPlan(serializer_class())
