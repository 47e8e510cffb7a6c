"""What every record's pages share: lists with filters and keyset pages, timelines, edits."""

import json
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import ModelForm

from salestrack.access import visibility
from salestrack.activities.models import Activity
from salestrack.audit.models import AuditEntry
from salestrack.lib import keyset
from salestrack.lib.errors import ServiceError, StaleVersion
from salestrack.search import index

PAGE_SIZE = 50
VIEWS = [("mine", "Mine"), ("team", "My team"), ("all", "All I can see")]


def scope(request, queryset: QuerySet) -> tuple[QuerySet, str]:
    """Narrow a visible queryset to the view the user picked (`?view=`): mine, my team, or all."""
    view = request.GET.get("view", "all")
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
    changes = AuditEntry.objects.filter(
        model=instance._meta.label_lower, object_id=instance.pk
    ).select_related("actor")[:limit]
    events = [Event(a.occurred_at, "activity", a) for a in activities]
    events += [Event(c.at, "change", c) for c in changes]
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


@dataclass
class EditConflict:
    """Someone saved the record while this user was editing it."""

    current_version: int
    differences: list[tuple[str, object, object]]  # label, yours, theirs


def save_form(request, form: ModelForm, save, *, success: str):
    """Run `save(**cleaned_data, version=...)`; put service errors on the form.

    Returns (saved instance or None, EditConflict or None).
    """
    version = request.POST.get("version")
    try:
        instance = save(
            version=int(version) if version and version.isdigit() else None, **form.cleaned_data
        )
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


def toast_header(message: str, level: str = "success") -> str:
    """An HX-Trigger value that shows a toast (static/js/salestrack.js listens for it)."""
    return json.dumps({"toast": {"message": message, "level": level}})
