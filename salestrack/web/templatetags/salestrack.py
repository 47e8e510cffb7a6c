import datetime
import functools
import html
from decimal import Decimal

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from salestrack.lib import dates

register = template.Library()


@register.filter
def money(value, currency: str = "") -> str:
    """12345.5 -> '12,345' (whole units: a pipeline view reads faster without cents)."""
    if value in (None, ""):
        return ""
    amount = f"{Decimal(value):,.0f}"
    return f"{amount} {currency}".strip()


@register.filter
def number(value) -> str:
    """300000 -> '300,000': a count as the pages write amounts."""
    if value in (None, ""):
        return ""
    return f"{int(value):,}"


@register.filter
def age(value) -> str:
    """How long since a moment, in its largest unit: "3 months", "11 hours"."""
    return timesince(value, depth=1) if isinstance(value, datetime.datetime) else ""


@register.filter
def percent(value) -> str:
    """0.4567 -> '46%'."""
    if value in (None, ""):
        return ""
    return f"{Decimal(value) * 100:,.0f}%"


@register.filter
def day(value) -> str:
    """A date, or the local day of a moment, as every page writes it: "3 Dec 2026"."""
    return dates.day(value) if isinstance(value, datetime.date) else ""


@register.filter
def moment(value) -> str:
    """A moment in local time, as every page writes it: "3 Dec 2026, 14:05"."""
    return dates.moment(value) if isinstance(value, datetime.date) else ""


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
def audit_fields(shown) -> str:
    """An audit entry's changes as web.pages.timeline() prepared them (`entry.shown`):
    'status: new → working, account: — → Acme' (the account linked), a record the reader
    may not see unnamed. An entry from before the log kept old values shows 'status → working'.
    """
    parts = []
    for change in shown:
        was = "" if change.old is None else f": {_value(change.old)}"
        parts.append(f"{_e(change.label)}{was} → {_value(change.new)}")
    return mark_safe(", ".join(parts))


def _value(shown) -> str:
    if shown.url:
        return f'<a href="{_e(shown.url)}">{_e(shown.text)}</a>'
    if shown.hidden:
        return f"<em>{_e(shown.text)}</em>"
    return _e(shown.text)


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
    # Escaped with the standard library's escape (_e), as the rows are: format_html_join's
    # lazy-string wrappers cost a sixth of an admin's leads page for its 240 options.
    options = "".join(
        f'<option value="{_e(key)}"{" selected" if key in chosen else ""}>{_label(label)}</option>'
        for key, label in ((str(getattr(k, "value", k)), lbl) for k, lbl in choices)
    )
    multiple = " multiple" if getattr(field.field.widget, "allow_multiple_selected", False) else ""
    return mark_safe(
        f'<select name="{_e(field.html_name)}" id="{_e(field.auto_id)}"{multiple}>'
        f"{options}</select>"
    )


def _label(label) -> str:
    # A label marked safe is markup already, as format_html would have kept it.
    return label.__html__() if hasattr(label, "__html__") else _e(label)


@functools.cache
def _url_pattern(name: str) -> str:
    return reverse(name, args=[0]).replace("/0/", "/{}/")


def _url(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for a URL whose one argument is an id, but cheaper."""
    return _url_pattern(name).format(pk)


@register.simple_tag(takes_context=True)
def opportunity_card(context, deal) -> str:
    """A card of the pipeline board, built in Python.

    The board shows 20 cards in each of its columns, each with its own stage menu; rendered
    through a template (an include per card) they cost three times the board's queries.
    Needs `options` (the stage menu), `filters_query`, `today` and `csrf_token` in the context.
    """
    today = context["today"]
    close = deal.close_date
    pk, name, owner = deal.pk, _e(deal.name), deal.owner
    account = _e(deal.account.name) if deal.account_id else ""
    csrf = _e(context.get("csrf_token", ""))
    rotting = getattr(deal, "rotting", False)
    overdue = ' class="overdue"' if not deal.is_closed and close < today else ""
    badge = (
        '<span class="badge bad" title="In this stage too long with nothing done">Rotting</span>'
        if rotting
        else ""
    )
    return mark_safe(
        f'<article class="deal{" rotting" if rotting else ""}" id="deal-{pk}" data-id="{pk}" '
        f'aria-labelledby="deal-{pk}-name">'
        f'<a class="title" id="deal-{pk}-name" href="{_url("opportunity-detail", pk)}" '
        f'title="{name}">{name}</a>'
        f'<span class="account" title="{account}">{account}</span>'
        f'<div class="meta"><strong>{_e(money(deal.amount, deal.currency))}</strong>'
        f'<time datetime="{close.isoformat()}" title="Close date"{overdue}>'
        f"{dates.day(close)}</time></div>"
        f'<div class="foot">{_avatar(owner, "Owner: ")}{badge}'
        f'<details class="move"><summary>Move to stage</summary>'
        f'<form class="move" method="post" action="{_url("board-move", pk)}'
        f'{_e(context.get("filters_query", ""))}">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        f'<input type="hidden" name="version" value="{deal.version}">'
        f'<label class="visually-hidden" for="move-{pk}">Stage of {name}</label>'
        f'<select id="move-{pk}" name="stage_id">{context.get("options", "")}</select>'
        f'<button class="small" type="submit">Move</button></form></details></div></article>'
    )


# The rows of the four record lists, built in Python like the board's cards: a 50-row table
# through the template language is a thousand variable lookups, most of a list page's time.
# Each row is the same markup the templates wrote.


def _cells(record, cells: list[str]) -> str:
    """A list row: the bulk-action tick box, then `cells` (each a <td>, already escaped)."""
    return mark_safe(
        f'<tr><td><input type="checkbox" name="ids" value="{record.pk}" '
        f'aria-label="Select {_e(record)}"></td>{"".join(cells)}</tr>'
    )


def _e(value) -> str:
    # The standard library's escape: the same entities as Django's, without its lazy-string
    # wrapper, which costs more than the escaping itself.
    return html.escape(str(value))


def _td(text, css: str = "") -> str:
    """A cell of plain text."""
    return _cell(_e(text), css)


def _cell(markup: str, css: str = "") -> str:
    """A cell of markup its caller escaped."""
    return f'<td class="{css}">{markup}</td>' if css else f"<td>{markup}</td>"


def _link(name: str, pk: int, text) -> str:
    # A long name is cut short with an ellipsis (salestrack.css); the title shows all of it.
    text = _e(text)
    return f'<a href="{_url(name, pk)}" title="{text}">{text}</a>'


def _owner(owner) -> str:
    return _cell(_avatar(owner))


def _avatar(owner, title: str = "") -> str:
    """The owner's initials, named in full on hover."""
    name = _e(f"{title}{owner.get_full_name() or owner.username}")
    return f'<span class="avatar" title="{name}">{_e(owner.initials)}</span>'


def _badge(css: str, text) -> str:
    return f'<span class="badge {css}">{_e(text)}</span>'


def _day(value) -> str:
    return dates.day(value)


LEAD_BADGES = {"converted": "ok", "disqualified": "bad"}
ACCOUNT_BADGES = {"customer": "ok", "former": "warn"}


@register.simple_tag
def lead_row(lead) -> str:
    return _cells(
        lead,
        [
            _cell(_link("lead-detail", lead.pk, f"{lead.first_name} {lead.last_name}")),
            _td(lead.company),
            _td(lead.email),
            _cell(_badge(LEAD_BADGES.get(lead.status, "info"), lead.get_status_display())),
            _td(lead.source),
            _td(lead.score, "num"),
            _owner(lead.owner),
            _td(_day(lead.updated_at), "muted"),
        ],
    )


@register.simple_tag
def account_row(account) -> str:
    place = ", ".join(p for p in (account.city, account.country) if p)
    return _cells(
        account,
        [
            _cell(_link("account-detail", account.pk, account.name)),
            _cell(_badge(ACCOUNT_BADGES.get(account.type, "info"), account.get_type_display())),
            _td(account.industry),
            _td(account.website),
            _td(account.phone),
            _td(place),
            _owner(account.owner),
            _td(_day(account.updated_at), "muted"),
        ],
    )


@register.simple_tag
def contact_row(contact) -> str:
    account = contact.account
    return _cells(
        contact,
        [
            _cell(_link("contact-detail", contact.pk, f"{contact.first_name} {contact.last_name}")),
            _td(contact.title),
            _cell(_link("account-detail", account.pk, account.name) if account else ""),
            _td(contact.email),
            _td(contact.phone),
            _owner(contact.owner),
            _td(_day(contact.updated_at), "muted"),
        ],
    )


@register.simple_tag
def opportunity_row(deal) -> str:
    stage = "ok" if deal.is_won else "bad" if deal.is_closed else "info"
    return _cells(
        deal,
        [
            _cell(_link("opportunity-detail", deal.pk, deal.name)),
            _cell(_link("account-detail", deal.account_id, deal.account.name)),
            _cell(_badge(stage, deal.stage.name)),
            _td(money(deal.amount, deal.currency), "num"),
            _td(f"{deal.probability}%", "num"),
            _td(dates.day(deal.close_date)),
            _owner(deal.owner),
            _td(_day(deal.updated_at), "muted"),
        ],
    )
