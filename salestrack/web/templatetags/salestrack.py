from decimal import Decimal

from django import template
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    """12345.5 -> '12,345' (whole units: a pipeline view reads faster without cents)."""
    if value in (None, ""):
        return ""
    amount = f"{Decimal(value):,.0f}"
    return f"{amount} {currency}".strip()


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_link(context, field: str) -> str:
    """The link of a column header: sort by it, or reverse the current sort."""
    current = context["request"].GET.get("sort", "")
    target = f"-{field}" if current == field else field
    return query(context, sort=target, after=None, before=None)


VERBS = {
    "created": "created this",
    "changed": "changed",
    "deleted": "deleted this",
    "converted": "converted this lead",
    "disqualified": "disqualified this lead",
    "became_customer": "marked this a customer (first won deal)",
    "filled_from_lead": "filled empty fields from a converted lead",
}


@register.filter
def audit_verb(action: str) -> str:
    return VERBS.get(action.rsplit(".", 1)[-1], action.rsplit(".", 1)[-1].replace("_", " "))


@register.filter
def audit_fields(data: dict) -> str:
    """{'status': 'working', 'score': 40} -> 'status → working, score → 40'."""
    parts = [
        f"{name.replace('_', ' ')} → {value if value not in ('', None) else '—'}"
        for name, value in list(data.items())[:6]
    ]
    return ", ".join(parts)


@register.filter
def select(field) -> str:
    """A bound choice field as a <select>, built in Python.

    Django renders each <option> through a template; a filter of 200 owners then costs more
    than the whole list query. The markup and the selected value are the same. A field may
    carry `plain_choices`, a list of (value, label) read with values_list(), so that listing
    them builds no model objects either.
    """
    choices = getattr(field.field, "plain_choices", None) or field.field.choices
    value = field.value()
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, mark_safe(" selected") if str(key) in chosen else "", label)
            for key, label in ((str(getattr(k, "value", k)), lbl) for k, lbl in choices)
        ),
    )
    return format_html(
        '<select name="{}" id="{}"{}>{}</select>',
        field.html_name,
        field.auto_id,
        mark_safe(" multiple")
        if getattr(field.field.widget, "allow_multiple_selected", False)
        else "",
        options,
    )
