import datetime

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Sum, Window
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from salestrack.access.visibility import hide_unseen, on_owned, owned_by, visible
from salestrack.accounts.models import Account, Contact
from salestrack.activities.models import Activity
from salestrack.activities.rotting import rotting_q
from salestrack.company.money import in_company_currency
from salestrack.leads.models import Lead
from salestrack.lib.ids import parse_id
from salestrack.opportunities.models import Opportunity
from salestrack.search import index
from salestrack.teams.models import User
from salestrack.web import pages
from salestrack.web import search as site_search
from salestrack.web.forms import record_label

SECTION_SIZE = 10
RECENT_SIZE = 15
NEW_LEAD_DAYS = 14
# What a task row shows: its owner and the record it is on.
TASK_RECORDS = ["lead", "opportunity", "contact", "account"]  # what a task is on
TASK_RELATED = ["owner", *TASK_RECORDS]


def view_of(request) -> str:
    """Mine, or my team's for a manager or an admin (everyone's): as picked, or remembered."""
    leads_people = request.user.role in (User.Role.MANAGER, User.Role.ADMIN)
    return pages.chosen_view(request, ["mine", "team"] if leads_people else ["mine"], "mine")


def view_choices(user) -> list[tuple[str, str]]:
    """The Mine / My team switch; a rep has nothing to switch to."""
    if user.role == User.Role.REP:
        return []
    return [("mine", "Mine"), ("team", "Everyone" if user.role == User.Role.ADMIN else "My team")]


def _head(queryset, size: int) -> tuple[list, bool]:
    """The first `size` rows, and whether there are more, in one query."""
    rows = list(queryset[: size + 1])
    return rows[:size], len(rows) > size


@login_required
@require_GET
def home(request):
    """My Day: what to do today, what closes this month, what is rotting, what is new.

    Each section is one query on what the user (or their team) owns, so the page costs the same
    number of queries whatever the data.
    """
    user, view = request.user, view_of(request)
    today = timezone.localdate()
    month_start = today.replace(day=1)
    next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
    opportunities = visible(user, Opportunity, gather=True).filter(
        owned_by(user, view, Opportunity)
    )
    opportunities = opportunities.select_related("account", "stage", "owner")

    tasks, more_tasks = _head(
        Activity.objects.filter(
            owned_by(user, view, Activity), kind=Activity.Kind.TASK, done=False, due_date__lte=today
        )
        .select_related(*TASK_RELATED)
        # Today's first, then the most recently overdue: oldest first, a pile of tasks overdue
        # for months filled the section and hid what is due today.
        .order_by("-due_date", "-id"),
        SECTION_SIZE,
    )
    hide_unseen(user, tasks, *TASK_RECORDS)
    # The window sums every deal of the month while only the first rows are fetched.
    closing = list(
        opportunities.filter(
            is_closed=False, close_date__gte=month_start, close_date__lt=next_month
        )
        .annotate(month_total=Window(Sum(in_company_currency())), month_count=Window(Count("id")))
        .order_by("close_date", "id")[:SECTION_SIZE]
    )
    rotting, more_rotting = _head(
        opportunities.filter(rotting_q()).order_by("stage_entered_at", "id"), SECTION_SIZE
    )
    # A reassigned lead keeps its created_at; updated_at also catches the ones handed over.
    since = timezone.now() - datetime.timedelta(days=NEW_LEAD_DAYS)
    new_leads, more_leads = _head(
        visible(user, Lead, gather=True)
        .filter(owned_by(user, view, Lead), status=Lead.Status.NEW, updated_at__gte=since)
        .select_related("owner")
        .order_by("-updated_at", "-id"),
        SECTION_SIZE,
    )
    # What happened (open tasks are above), whoever logged it: on a lead or a deal of the
    # user's (or their team's), newest first from the occurred_at index until enough match.
    activities = on_owned(Activity.objects.filter(done=True), user, view, ("lead", "opportunity"))
    recent = list(
        activities.select_related("owner", "lead", "opportunity").order_by("-occurred_at", "-id")[
            :RECENT_SIZE
        ]
    )
    context = {
        "section": "home",
        "view": view,
        "views": view_choices(user),
        "today": today,
        "month_start": month_start,
        "month_end": next_month - datetime.timedelta(days=1),
        "tasks": tasks,
        "more_tasks": more_tasks,
        "closing": closing,
        "closing_total": closing[0].month_total if closing else 0,
        "closing_count": closing[0].month_count if closing else 0,
        "rotting": rotting,
        "more_rotting": more_rotting,
        "new_leads": new_leads,
        "more_leads": more_leads,
        "recent": recent,
        "new_lead_days": NEW_LEAD_DAYS,
    }
    return render(request, "web/home.html", context)


SEARCH_GROUPS = [
    # kind, heading, list page
    ("leads", "Leads", "lead-list"),
    ("contacts", "Contacts", "contact-list"),
    ("accounts", "Accounts", "account-list"),
    ("opportunities", "Opportunities", "opportunity-list"),
]


@login_required
@require_GET
def search(request):
    """Search every kind of record the user may see; grouped, at most SECTION_SIZE of each."""
    q = site_search.normalise(request.GET.get("q", ""))
    too_short = len(q) < site_search.MIN_LENGTH
    groups = []
    if not too_short:
        # One more row than shown says whether "see all" is worth a link.
        found = site_search.search(request.user, q, limit=SECTION_SIZE + 1)
        for kind, heading, list_url in SEARCH_GROUPS:
            rows = found[kind]
            if kind == "contacts":
                hide_unseen(request.user, rows, "account")
            if rows:
                more = len(rows) > SECTION_SIZE
                groups.append((kind, heading, list_url, rows[:SECTION_SIZE], more))
    context = {"q": q, "search_query": q, "too_short": too_short, "groups": groups}
    template = "web/_search_results.html" if request.htmx else "web/search.html"
    return render(request, template, context)


PICK_SIZE = 20
PICKABLE = {
    "accounts": (Account, []),
    "contacts": (Contact, ["account"]),
    "leads": (Lead, []),
    "opportunities": (Opportunity, []),
}


@login_required
@require_GET
def pick(request, kind):
    """The options of a record picker (web.forms.RecordPicker) for the words typed in it.

    Matches come first and the first is chosen, since typing says the user is choosing; the
    record chosen before stays at the end, and stays chosen when nothing matches.
    """
    if kind not in PICKABLE:
        raise Http404("Nothing to pick there")
    model, related = PICKABLE[kind]
    rows = visible(request.user, model).select_related(*related)
    q = site_search.normalise(request.GET.get("q", ""))
    current_id = parse_id(request.GET.get(request.GET.get("field", ""), ""))
    current = rows.filter(pk=current_id).first() if current_id else None
    found = index.newest(rows, q, PICK_SIZE) if len(q) >= site_search.MIN_LENGTH else []
    found = [r for r in found if current is None or r.pk != current.pk]
    for name in related:
        hide_unseen(request.user, [*found, current], name)
    options = [(r.pk, record_label(r), i == 0) for i, r in enumerate(found)]
    if current is not None:
        options.append((current.pk, record_label(current), not found))
    context = {"options": options, "kind": kind, "q": q, "no_match": bool(q) and not found}
    return render(request, "web/_pick_options.html", context)


@require_GET
def healthz(request):
    """For load balancers: answers 200 only when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
