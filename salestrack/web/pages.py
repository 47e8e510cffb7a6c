"""What every record's pages share: lists with filters and keyset pages, timelines, edits."""

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, DateField, DateTimeField, Model, QuerySet
from django.forms import ModelForm

from salestrack.access import visibility
from salestrack.activities.models import Activity
from salestrack.audit.models import AuditEntry
from salestrack.audit.services import UNKNOWN, Change, audit_changes
from salestrack.lib import dates, keyset
from salestrack.lib.errors import ServiceError, StaleVersion
from salestrack.lib.ids import parse_id
from salestrack.search import index
from salestrack.teams.services import user_prefer_view

PAGE_SIZE = 50
VIEWS = [("mine", "Mine"), ("team", "My team"), ("all", "All I can see")]


def chosen_view(request, allowed: list[str], default: str) -> str:
    """The view a page opens on: the one asked for (`?view=`, remembered for next time), else
    the one the user last picked, else "team" for someone who manages a team, else `default`.
    """
    user = request.user
    if user.view in allowed:
        usual = user.view
    elif "team" in allowed and visibility.managed_team_ids(user):
        usual = "team"
    else:
        usual = default
    asked = request.GET.get("view")
    if asked in allowed and asked != usual:
        user_prefer_view(user=user, view=asked)  # a write only when the choice changes
        return asked
    return usual


def scope(request, queryset: QuerySet) -> tuple[QuerySet, str]:
    """Narrow a visible queryset to the view the user picked: mine, my team, or all."""
    view = chosen_view(request, [key for key, _ in VIEWS], "all")
    q = visibility.in_view(request.user, view, queryset.model)
    return (queryset, "all") if q is None else (queryset.filter(q), view)


def list_page(request, *, queryset, filterset_class, sorts: dict[str, str], default_sort: str):
    """Filter, scope, sort and page a visible queryset for a list page.

    `sorts` maps the column names users may sort by to model fields (never null).
    """
    queryset, view = scope(request, queryset)
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    rows = filterset.qs if filterset.is_valid() else queryset.none()
    sort = request.GET.get("sort", default_sort)
    if sort.lstrip("-") not in sorts:
        sort = default_sort
    field = ("-" if sort.startswith("-") else "") + sorts[sort.lstrip("-")]
    page = keyset.paginate(
        rows,
        order=field,
        size=PAGE_SIZE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    return {
        "page": page,
        "rows": page.rows,
        "filterset": filterset,
        "filter_errors": filterset.errors,
        "sort": sort,
        "view": view,
        "views": VIEWS,
        # A list searched by words holds only their newest matches (search.index.LIST_CAP).
        "search_cap": index.LIST_CAP if request.GET.get("q", "").strip() else None,
        # The bulk "assign owner" offers the owner filter's people (the assignable ones).
        "owners": filterset.form.fields["owner"].plain_choices[1:],
    }


@dataclass
class Event:
    at: object
    kind: str  # "activity" or "change"
    item: object


def timeline(instance: Model, *, user, limit: int = 50) -> list[Event]:
    """The record's activities the user may see, and its audit log, newest first.

    An account's timeline also holds the calls on its deals; a rep who sees the account through
    a deal of their own must not read another rep's deal there.
    """
    activities = visibility.visible(user, Activity).filter(**{instance._meta.model_name: instance})
    activities = activities.select_related("owner").order_by("-occurred_at")[:limit]
    changes = list(
        AuditEntry.objects.filter(
            model=instance._meta.label_lower, object_id=instance.pk
        ).select_related("actor")[:limit]
    )
    _describe_changes(changes, type(instance), user=user)
    events = [Event(a.occurred_at, "activity", a) for a in activities]
    events += [Event(c.at, "change", c) for c in changes]
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


SHOWN_FIELDS = 6  # of a change, the first fields shown on the timeline
# What the services keep up to date as a consequence, which nobody sets by hand: a change
# shows the field a person changed (the stage), not these (is won, stage entered at).
BOOKKEEPING = {
    "version",
    "is_closed",
    "is_won",
    "stage_entered_at",
    "closed_date",
    "pipeline",
    "done_at",
    "converted_at",
    "domain",
    "name_key",
    "email_key",
}


@dataclass(frozen=True)
class Shown:
    """A value of an audit entry as the reader may see it: text, and a link for a record."""

    text: str
    url: str = ""
    hidden: bool = False


@dataclass(frozen=True)
class ShownChange:
    label: str
    old: Shown | None  # None: an older entry, which kept only the new value
    new: Shown


def _describe_changes(entries: list[AuditEntry], model: type[Model], *, user) -> None:
    """Give each entry `shown`: its changed fields as the user may read them.

    The log keeps related records as ids; each becomes a name (and a link) here only if the
    user sees that record, else it says so without naming it. One query per related kind.
    """
    parsed = []
    wanted = defaultdict(set)
    for entry in entries:
        # A creation lists every field it filled: the timeline says "created this" only.
        changes = [] if entry.action.endswith(".created") else audit_changes(entry, model)
        changes = [c for c in changes if c.name not in BOOKKEEPING][:SHOWN_FIELDS]
        parsed.append((entry, changes))
        for change in changes:
            if change.related is not None:
                wanted[change.related] |= {v for v in (change.old, change.new) if type(v) is int}
    seen = {
        related: visibility.visible(user, related).in_bulk(sorted(ids))
        for related, ids in wanted.items()
    }
    for entry, changes in parsed:
        entry.shown = [
            ShownChange(
                label=_label(change),
                old=None if change.old is UNKNOWN else _shown(change, change.old, seen, user),
                new=_shown(change, change.new, seen, user),
            )
            for change in changes
        ]


def _label(change: Change) -> str:
    if change.field is None:
        return change.name.replace("_", " ")
    return str(change.field.verbose_name)


def _shown(change: Change, value, seen: dict[type[Model], dict[int, Model]], user) -> Shown:
    if value in ("", None):
        return Shown("—")
    related = change.related
    if related is None:
        return Shown(_plain(change.field, value))
    record = seen.get(related, {}).get(value)
    if record is None:
        # Someone who sees every row of the kind cannot be shown one: it was deleted.
        everyone = visibility.rule_of(related).owner is None or visibility.owner_ids(user) is None
        return Shown("a deleted record" if everyone else "a record you cannot see", hidden=True)
    name = record.get_full_name() if hasattr(record, "get_full_name") else ""
    url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""
    return Shown(name or str(record), url=url)


def _plain(field, value) -> str:
    """A stored value as the pages write it: a choice's label, a date as "2 Dec 2026"."""
    if isinstance(field, BooleanField) or isinstance(value, bool):
        return "yes" if value else "no"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    try:
        if isinstance(field, DateTimeField):
            return dates.moment(datetime.datetime.fromisoformat(str(value)))
        if isinstance(field, DateField):
            return dates.day(datetime.date.fromisoformat(str(value)))
    except (ValueError, TypeError):
        pass  # an entry written in another shape: shown as it was kept
    return str(value)


@dataclass
class EditConflict:
    """Someone saved the record while this user was editing it."""

    current_version: int
    differences: list[tuple[str, object, object]]  # label, yours, theirs


def save_form(request, form: ModelForm, save, *, success: str):
    """Run `save(**cleaned_data, version=...)`; put service errors on the form.

    Returns (saved instance or None, EditConflict or None).
    """
    version = parse_id(request.POST.get("version"))
    try:
        instance = save(version=version, **form.cleaned_data)
    except StaleVersion:
        current = type(form.instance)._default_manager.get(pk=form.instance.pk)
        return None, _conflict(form, current)
    except ValidationError as error:
        add_errors(form, error)
        return None, None
    except ServiceError as error:
        form.add_error(None, error.message)
        return None, None
    messages.success(request, success)
    return instance, None


def add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = name.removesuffix("_id")
        form.add_error(name if name in form.fields else None, errors)


def _conflict(form, current) -> EditConflict:
    differences = []
    for name, value in form.cleaned_data.items():
        theirs = getattr(current, name, None)
        if theirs != value and not (theirs in (None, "") and value in (None, "")):
            differences.append((form.fields[name].label or name, value, theirs))
    return EditConflict(current_version=current.version, differences=differences)


def errors_text(form) -> str:
    """A form's errors on one line, each after its field's label ("Due date: ..."), for a toast."""
    parts = []
    for name, errors in form.errors.items():
        label = form[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


def toast_header(message: str, level: str = "success") -> str:
    """An HX-Trigger value that shows a toast (static/js/salestrack.js listens for it)."""
    return json.dumps({"toast": {"message": message, "level": level}})
