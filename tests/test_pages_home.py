import datetime

import pytest
from django.test import Client
from django.utils import timezone

from salestrack.activities.services import activity_log
from salestrack.leads.services import lead_create
from salestrack.opportunities.services import opportunity_create
from salestrack.teams.services import user_create
from tests.conftest import NEXT_WEEK, PASSWORD, TODAY, queries, records_of, signed_in


@pytest.fixture
def world(org):
    return {who: records_of(getattr(org, who)) for who in ("rep", "teammate", "other_rep")}


NAMES = {"rep": "rob", "teammate": "tess", "other_rep": "otto"}
SECTIONS = ["Task-{}", "Deal-{}", "Lead {}", "Call-{}"]


def section(html: str, head: str) -> str:
    """The part of My Day under one heading (ids: tasks-head, closing-head, leads-head...)."""
    return html.split(f'id="{head}"')[1].split("</section>")[0]


def shown(html: str, who: str) -> bool:
    """True when every section shows `who`'s record, False when none does."""
    found = {section.format(NAMES[who]) in html for section in SECTIONS}
    assert len(found) == 1, f"some sections show {who}'s records, others not"
    return found.pop()


MINE = {
    "rep": {"rep"},
    "teammate": {"teammate"},
    "other_rep": {"other_rep"},
    "manager": set(),
    "region_manager": set(),
    "admin": set(),
}
TEAM = {
    "rep": {"rep"},  # a rep has no team view: it shows their own
    "teammate": {"teammate"},
    "other_rep": {"other_rep"},
    "manager": {"rep", "teammate"},
    "region_manager": {"rep", "teammate"},
    "admin": {"rep", "teammate", "other_rep"},
}


@pytest.mark.parametrize("viewer", list(MINE))
def test_my_day_shows_only_my_records(org, world, viewer):
    page = signed_in(getattr(org, viewer)).get("/?view=mine")
    assert page.status_code == 200
    html = page.content.decode()
    assert {who for who in NAMES if shown(html, who)} == MINE[viewer]


@pytest.mark.parametrize("viewer", list(TEAM))
def test_my_day_team_view_shows_the_subtree_only(org, world, viewer):
    html = signed_in(getattr(org, viewer)).get("/?view=team").content.decode()
    assert {who for who in NAMES if shown(html, who)} == TEAM[viewer]


def test_a_manager_of_no_team_sees_only_their_own_in_the_team_view(org, world):
    lonely = user_create(username="lena", role="manager", password=PASSWORD)
    records_of(lonely)
    html = signed_in(lonely).get("/?view=team").content.decode()
    assert "Call-lena" in section(html, "recent-head")
    assert {who for who in NAMES if shown(html, who)} == set()


@pytest.mark.parametrize("viewer,switch", [("rep", False), ("manager", True), ("admin", True)])
def test_the_team_switch_is_only_for_managers_and_admins(org, viewer, switch):
    html = signed_in(getattr(org, viewer)).get("/").content.decode()
    assert ('href="?view=team"' in html) is switch


def test_my_day_sections_and_totals(org, world):
    rep = org.rep
    account = world["rep"]["account"]
    opportunity_create(by=rep, account=account, name="Later deal", close_date=NEXT_WEEK, amount=5)
    next_month = (TODAY.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    opportunity_create(by=rep, account=account, name="Next month deal", close_date=next_month)
    activity_log(
        by=rep, kind="task", subject="Due next week", lead=world["rep"]["lead"], due_date=NEXT_WEEK
    )
    activity_log(
        by=rep, kind="task", subject="Due today", lead=world["rep"]["lead"], due_date=TODAY
    )
    html = signed_in(rep).get("/").content.decode()
    closing = section(html, "closing-head")
    assert "Next month deal" not in closing
    if NEXT_WEEK.month == TODAY.month:
        assert "Later deal" in closing and "1,005" in closing and "2 open deals" in closing
    tasks = section(html, "tasks-head")
    assert "Due next week" not in tasks
    assert tasks.index("Due today") < tasks.index("Task-rob")  # today's first, then overdue
    assert "overdue" in tasks
    assert "Deal-rob" in section(html, "rotting-head")
    assert "Call-rob" in section(html, "recent-head")
    assert "Task-rob" not in section(html, "recent-head")  # open tasks are not news


def test_recent_activity_includes_what_others_logged_on_my_records(org, world):
    activity_log(by=org.manager, kind="meeting", subject="Coaching call", lead=world["rep"]["lead"])
    assert "Coaching call" in signed_in(org.rep).get("/").content.decode()
    assert "Coaching call" not in signed_in(org.teammate).get("/").content.decode()


def test_done_tasks_and_old_or_worked_leads_leave_my_day(org, world):
    from salestrack.activities.services import task_complete
    from salestrack.leads.models import Lead
    from salestrack.leads.services import lead_update

    task_complete(task=world["rep"]["task"], by=org.rep)
    lead_update(lead=world["rep"]["lead"], by=org.rep, status="working")
    stale = lead_create(by=org.rep, last_name="Stale")
    Lead.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - datetime.timedelta(days=15))
    html = signed_in(org.rep).get("/").content.decode()
    assert "Task-rob" not in section(html, "tasks-head")
    assert "Task-rob" in section(html, "recent-head")  # done: it happened
    assert "Lead rob" not in section(html, "leads-head")
    assert "Stale" not in html


def test_empty_my_day_says_what_to_do_next(org):
    html = signed_in(org.rep).get("/").content.decode()
    assert "Nothing due today." in html
    assert "No open deal closes this month." in html
    assert "Nothing is rotting." in html
    assert "add a lead" in html


def test_one_click_done_from_my_day(org, world):
    client = signed_in(org.rep)
    task = world["rep"]["task"]
    response = client.post(f"/activities/{task.pk}/done/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'class="badge ok">done' in response.content.decode()
    task.refresh_from_db()
    assert task.done


def test_anonymous_is_sent_to_sign_in(db):
    response = Client().get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_post_is_refused(org):
    assert signed_in(org.rep).post("/").status_code == 405


@pytest.mark.parametrize(
    "viewer,url", [("rep", "/"), ("manager", "/?view=team"), ("admin", "/?view=team")]
)
def test_my_day_query_count_is_pinned_and_does_not_grow(
    org, world, viewer, url, django_assert_max_num_queries
):
    client = signed_in(getattr(org, viewer))
    # 11 with the company's currency, which the month's total is shown in.
    with django_assert_max_num_queries(11):
        assert client.get(url).status_code == 200
    before = queries(client, url)
    for n in range(3):
        records_of(org.rep, tag=f"more{n}")
        records_of(org.teammate, tag=f"again{n}")
    assert queries(client, url) == before


def test_todays_tasks_show_however_many_are_overdue(org, world):
    lead = world["rep"]["lead"]
    for months in range(1, 13):
        due = TODAY - datetime.timedelta(days=months * 30)
        activity_log(
            by=org.rep,
            kind="task",
            subject=f"Overdue {months}",
            lead=lead,
            due_date=due,
            at=timezone.make_aware(datetime.datetime.combine(due, datetime.time(9))),
        )
    activity_log(by=org.rep, kind="task", subject="Due today", lead=lead, due_date=TODAY)
    tasks = section(signed_in(org.rep).get("/").content.decode(), "tasks-head")
    assert tasks.index("Due today") < tasks.index("Overdue 1<") < tasks.index("Overdue 2<")
    assert "Overdue 12<" not in tasks and "See all open tasks" in tasks
