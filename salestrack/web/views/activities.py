from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salestrack.access.visibility import get_visible_or_404, hide_unseen, owned_by
from salestrack.accounts.models import Account, Contact
from salestrack.activities import services
from salestrack.activities.models import Activity
from salestrack.leads.models import Lead
from salestrack.lib import keyset
from salestrack.lib.errors import ServiceError
from salestrack.opportunities.models import Opportunity
from salestrack.web import pages
from salestrack.web.forms.activities import LogForm, TaskForm
from salestrack.web.views.home import TASK_RECORDS, TASK_RELATED, view_choices, view_of

RECORDS = {"lead": Lead, "contact": Contact, "account": Account, "opportunity": Opportunity}


def _back(request, fallback="/"):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_POST
def activity_log(request):
    """The quick log form of a record page: answers the record's timeline (htmx) or redirects."""
    kinds = [name for name in RECORDS if request.POST.get(name)]
    if len(kinds) != 1:
        messages.error(request, "Log an activity from a record's page.")
        return redirect(_back(request))
    name = kinds[0]
    record = get_visible_or_404(request.user, RECORDS[name], request.POST[name])
    form = LogForm(request.POST)
    error = None
    if form.is_valid():
        try:
            activity = services.activity_log(by=request.user, **{name: record}, **form.cleaned_data)
        except (ValidationError, ServiceError) as exc:
            error = _message(exc)
    else:
        error = pages.errors_text(form)
    result = error or f"{activity.get_kind_display()} logged."
    if request.htmx:
        context = {"timeline": pages.timeline(record, user=request.user), "record": record}
        response = render(request, "web/_timeline.html", context, status=400 if error else 200)
        response["HX-Trigger"] = pages.toast_header(result, "error" if error else "success")
        return response
    (messages.error if error else messages.success)(request, result)
    return redirect(_back(request))


def _message(exc) -> str:
    return exc.message if isinstance(exc, ServiceError) else " ".join(exc.messages)


@login_required
@require_POST
def task_done(request, pk):
    """One-click done (or reopen with done=0) on a task."""
    task = get_visible_or_404(request.user, Activity, pk, write=True)
    done = request.POST.get("done", "1") != "0"
    error = None
    try:
        task = services.task_complete(task=task, by=request.user, done=done)
    except (ValidationError, ServiceError) as exc:
        error = _message(exc)
    result = error or ("Task done." if done else "Task reopened.")
    if request.htmx:
        response = render(
            request, "activities/_task_row.html", {"task": task}, status=400 if error else 200
        )
        response["HX-Trigger"] = pages.toast_header(result, "error" if error else "success")
        return response
    (messages.error if error else messages.success)(request, result)
    return redirect(_back(request))


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request):
    """The Tasks page's "New task": for the user or someone they may assign it to, on a record
    or on none. A refusal re-renders the form with its errors (400) and saves nothing."""
    form = TaskForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.activity_log(by=request.user, kind=Activity.Kind.TASK, **data)
        except ValidationError as exc:
            pages.add_errors(form, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Task added.")
            return redirect("task-list")
    status = 400 if form.errors else 200
    return render(
        request, "activities/task_form.html", {"form": form, "section": "tasks"}, status=status
    )


TASK_STATUSES = [("open", "Open"), ("done", "Done"), ("all", "All")]
# Keyset pages need one never-null sort value: open tasks first, then by due date, undated last.
# 31 January 2025 becomes 20250131, which sorts like the date; a done task adds 10**8.
TASK_RANK = Cast(
    Case(When(done=True, then=Value(10**8)), default=Value(0))
    + Coalesce(
        ExtractYear("due_date") * 10_000 + ExtractMonth("due_date") * 100 + ExtractDay("due_date"),
        Value(99_991_231),
    ),
    IntegerField(),
)


@login_required
@require_GET
def task_list(request):
    """My tasks or my team's: open and overdue first, done with one click."""
    user, view = request.user, view_of(request)
    status = request.GET.get("status")
    status = status if status in dict(TASK_STATUSES) else "open"
    tasks = Activity.objects.filter(owned_by(user, view, Activity), kind=Activity.Kind.TASK)
    if status != "all":
        tasks = tasks.filter(done=status == "done")
    page = keyset.paginate(
        tasks.select_related(*TASK_RELATED).annotate(rank=TASK_RANK),
        order="rank",
        size=pages.PAGE_SIZE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    hide_unseen(user, page.rows, *TASK_RECORDS)
    context = {
        "section": "tasks",
        "page": page,
        "rows": page.rows,
        "view": view,
        "views": view_choices(user),
        "status": status,
        "statuses": TASK_STATUSES,
    }
    return render(request, "activities/tasks.html", context)
