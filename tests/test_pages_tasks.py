import datetime
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log, task_complete
from salestrack.leads.services import lead_convert, lead_create
from salestrack.lib import dates
from tests.conftest import queries, records_of, signed_in, subjects

TODAY = datetime.date.today()


@pytest.fixture
def world(org):
    return {who: records_of(getattr(org, who)) for who in ("rep", "teammate", "other_rep")}


MINE = {
    "rep": ["Task-rob"],
    "teammate": ["Task-tess"],
    "other_rep": ["Task-otto"],
    "manager": [],
    "region_manager": [],
    "admin": [],
}
TEAM = {
    "rep": ["Task-rob"],  # no team view for a rep: their own tasks
    "teammate": ["Task-tess"],
    "other_rep": ["Task-otto"],
    "manager": ["Task-rob", "Task-tess"],
    "region_manager": ["Task-rob", "Task-tess"],
    "admin": ["Task-otto", "Task-rob", "Task-tess"],
}


@pytest.mark.parametrize("viewer", list(MINE))
def test_task_list_shows_my_tasks(org, world, viewer):
    page = signed_in(getattr(org, viewer)).get("/tasks/?view=mine")
    assert page.status_code == 200
    assert subjects(page.content.decode()) == MINE[viewer]


@pytest.mark.parametrize("viewer", list(TEAM))
def test_task_list_team_view_covers_the_subtree_only(org, world, viewer):
    html = signed_in(getattr(org, viewer)).get("/tasks/?view=team").content.decode()
    assert sorted(subjects(html)) == TEAM[viewer]


@pytest.mark.parametrize("viewer,switch", [("rep", False), ("manager", True), ("admin", True)])
def test_the_team_switch_is_only_for_managers_and_admins(org, viewer, switch):
    html = signed_in(getattr(org, viewer)).get("/tasks/").content.decode()
    assert ("view=team" in html) is switch


def plan(user, lead, name, due):
    # Planned a month ago, so that a task due days ago may be added (it is overdue now).
    month_ago = timezone.now() - datetime.timedelta(days=30)
    return activity_log(
        by=user, kind="task", subject=f"Plan {name}", lead=lead, due_date=due, at=month_ago
    )


def test_open_and_due_first_then_undated_then_done(org):
    rep = org.rep
    lead = lead_create(by=rep, last_name="Doe")
    plan(rep, lead, "undated", None)
    plan(rep, lead, "next week", TODAY + datetime.timedelta(days=7))
    plan(rep, lead, "overdue", TODAY - datetime.timedelta(days=3))
    task_complete(task=plan(rep, lead, "done", TODAY - datetime.timedelta(days=9)), by=rep)
    plan(rep, lead, "today", TODAY)
    activity_log(by=rep, kind="call", subject="Plan not a task", lead=lead)
    client = signed_in(rep)
    every = ["Plan overdue", "Plan today", "Plan next week", "Plan undated", "Plan done"]
    assert subjects(client.get("/tasks/?status=all").content.decode()) == every
    assert subjects(client.get("/tasks/").content.decode()) == every[:4]
    assert subjects(client.get("/tasks/?status=done").content.decode()) == ["Plan done"]
    html = client.get("/tasks/").content.decode()
    assert html.count('class="overdue"') == 1 and 'badge bad">overdue' in html


def test_keyset_pages_walk_every_task_once(org, settings):
    from salestrack.web import pages

    rep = org.rep
    lead = lead_create(by=rep, last_name="Doe")
    for n in range(7):
        due = None if n % 3 == 0 else TODAY + datetime.timedelta(days=n % 2)
        task = plan(rep, lead, f"n{n}", due)
        if n == 5:
            task_complete(task=task, by=rep)
    client = signed_in(rep)
    size, pages.PAGE_SIZE = pages.PAGE_SIZE, 3
    try:
        url, seen, pages_seen = "/tasks/?status=all", [], 0
        while url:
            html = client.get(url).content.decode()
            seen += subjects(html)
            pages_seen += 1
            after = re.search(r'href="\?([^"]*after=[^"]*)"', html)
            url = f"/tasks/?{after.group(1).replace('&amp;', '&')}" if after else None
        assert pages_seen == 3
        assert len(seen) == 7 and len(set(seen)) == 7
        assert seen[-1] == "Plan n5"  # done last
        back = re.search(r'href="\?([^"]*before=[^"]*)"', html).group(1).replace("&amp;", "&")
        assert subjects(client.get(f"/tasks/?{back}").content.decode()) == seen[3:6]
    finally:
        pages.PAGE_SIZE = size


def test_a_mangled_cursor_shows_the_first_page(org, world):
    client = signed_in(org.rep)
    for cursor in ["garbage", "WyJhYmMiLCAxXQ"]:  # the second is ["abc", 1]
        response = client.get(f"/tasks/?after={cursor}")
        assert response.status_code == 200
        assert subjects(response.content.decode()) == ["Task-rob"]


def test_unknown_filter_values_fall_back_to_the_defaults(org, world):
    html = signed_in(org.rep).get("/tasks/?status=maybe&view=everyone").content.decode()
    assert subjects(html) == ["Task-rob"]


def test_one_click_done_answers_the_updated_row(org, world):
    client = signed_in(org.rep)
    task = world["rep"]["task"]
    response = client.post(f"/activities/{task.pk}/done/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="task-{task.pk}"' in html and 'class="badge ok">done' in html
    assert "Undo" in html and "overdue" not in html
    assert subjects(client.get("/tasks/").content.decode()) == []
    undo = client.post(f"/activities/{task.pk}/done/", {"done": "0"}, HTTP_HX_REQUEST="true")
    assert undo.status_code == 200
    assert subjects(client.get("/tasks/").content.decode()) == ["Task-rob"]


def test_one_click_done_without_javascript_returns_to_the_list(org, world):
    task = world["rep"]["task"]
    response = signed_in(org.rep).post(f"/activities/{task.pk}/done/", {"next": "/tasks/"})
    assert response.status_code == 302 and response.url == "/tasks/"


@pytest.mark.parametrize("viewer,status", [("other_rep", 404), ("teammate", 404), ("manager", 200)])
def test_done_on_a_task_outside_my_view_is_refused(org, world, viewer, status):
    task = world["rep"]["task"]
    response = signed_in(getattr(org, viewer)).post(
        f"/activities/{task.pk}/done/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == status
    assert Activity.objects.get(pk=task.pk).done is (status == 200)


def test_done_needs_the_csrf_token(org, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.rep)
    task = world["rep"]["task"]
    assert client.post(f"/activities/{task.pk}/done/").status_code == 403
    assert not Activity.objects.get(pk=task.pk).done


def test_anonymous_is_sent_to_sign_in(db):
    response = Client().get("/tasks/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_post_to_the_list_and_get_on_done_are_refused(org, world):
    client = signed_in(org.rep)
    assert client.post("/tasks/").status_code == 405
    assert client.get(f"/activities/{world['rep']['task'].pk}/done/").status_code == 405


def test_empty_list_says_what_to_do_next(org):
    html = signed_in(org.rep).get("/tasks/").content.decode()
    assert "No open tasks." in html and "log a Task" in html


@pytest.mark.parametrize(
    "viewer,url",
    [
        ("rep", "/tasks/"),
        ("manager", "/tasks/?view=team"),
        ("admin", "/tasks/?view=team&status=all"),
    ],
)
def test_task_list_query_count_is_pinned_and_does_not_grow(
    org, world, viewer, url, django_assert_max_num_queries
):
    client = signed_in(getattr(org, viewer))
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200
    before = queries(client, url)
    for n in range(3):
        records_of(org.rep, tag=f"more{n}")
        records_of(org.teammate, tag=f"again{n}")
    assert queries(client, url) == before


# New task (the Tasks page's button)

YESTERDAY = TODAY - datetime.timedelta(days=1)


def add_task(user, **fields):
    return signed_in(user).post("/tasks/new/", {"subject": "Board pack", **fields})


def test_the_tasks_page_has_a_new_task_button(org):
    html = signed_in(org.rep).get("/tasks/").content.decode()
    assert 'href="/tasks/new/"' in html and ">New task</a>" in html


@pytest.mark.parametrize("viewer", ["rep", "manager", "region_manager", "admin"])
def test_the_form_offers_the_people_one_may_assign_and_the_record_pickers(org, viewer):
    user = getattr(org, viewer)
    response = signed_in(user).get("/tasks/new/")
    assert response.status_code == 200
    owners = {o.pk for o in response.context["form"].fields["owner"].queryset}
    expected = {
        "rep": {org.rep.pk},
        "manager": {org.manager.pk, org.rep.pk, org.teammate.pk},
        "region_manager": {org.region_manager.pk, org.manager.pk, org.rep.pk, org.teammate.pk},
        "admin": {u.pk for u in (org.admin, org.region_manager, org.manager, org.rep)}
        | {org.teammate.pk, org.other_rep.pk},
    }[viewer]
    assert owners == expected
    html = response.content.decode()
    assert f'<option value="{user.pk}" selected>' in html  # the user by default
    for kind in ("leads", "contacts", "accounts", "opportunities"):
        assert f'hx-get="/pick/{kind}/"' in html
    assert 'type="date"' in html


def test_a_task_on_no_record_is_added_for_oneself(org):
    response = add_task(org.rep, due_date=TODAY.isoformat())
    assert response.status_code == 302 and response.url == "/tasks/"
    task = Activity.objects.get(subject="Board pack")
    assert (task.kind, task.owner, task.done, task.due_date) == ("task", org.rep, False, TODAY)
    assert (task.lead_id, task.contact_id, task.account_id, task.opportunity_id) == (None,) * 4
    html = signed_in(org.rep).get("/tasks/").content.decode()
    assert subjects(html) == [] and "Board pack" in html  # listed, with "—" for its record


def test_a_task_on_a_record_shows_with_it(org, world):
    deal = world["rep"]["deal"]
    add_task(org.rep, due_date=TODAY.isoformat(), opportunity=deal.pk)
    task = Activity.objects.get(subject="Board pack")
    assert task.opportunity == deal and task.account_id == deal.account_id
    assert "Board pack" in signed_in(org.rep).get(f"/opportunities/{deal.pk}/").content.decode()


def test_a_past_due_date_is_refused_with_the_date_and_nothing_is_saved(org):
    response = add_task(org.rep, due_date=YESTERDAY.isoformat())
    assert response.status_code == 400
    html = response.content.decode()
    assert f"The due date, {dates.day(YESTERDAY)}, has passed" in html
    assert not Activity.objects.filter(subject="Board pack").exists()


def test_a_task_already_done_may_have_been_due_earlier(org):
    response = add_task(org.rep, due_date=YESTERDAY.isoformat(), done="on")
    assert response.status_code == 302
    task = Activity.objects.get(subject="Board pack")
    assert task.done and task.due_date == YESTERDAY


@pytest.mark.parametrize(
    "viewer,owner,allowed",
    [
        ("manager", "rep", True),
        ("region_manager", "teammate", True),
        ("admin", "other_rep", True),
        ("rep", "teammate", False),
        ("manager", "other_rep", False),
    ],
)
def test_a_task_is_assigned_only_within_ones_subtree(org, viewer, owner, allowed):
    response = add_task(getattr(org, viewer), owner=getattr(org, owner).pk)
    assert response.status_code == (302 if allowed else 400)
    tasks = Activity.objects.filter(subject="Board pack")
    assert [t.owner for t in tasks] == ([getattr(org, owner)] if allowed else [])


@pytest.mark.parametrize("field", ["lead", "account", "opportunity"])
def test_another_teams_record_is_refused(org, world, field):
    record = world["other_rep"]["deal" if field == "opportunity" else field]
    response = add_task(org.rep, owner=org.rep.pk, **{field: record.pk})
    assert response.status_code == 400
    assert not Activity.objects.filter(subject="Board pack").exists()


def test_two_records_or_bad_input_are_refused_and_change_nothing(org, world):
    mine = world["rep"]
    for fields in (
        {"lead": mine["lead"].pk, "account": mine["account"].pk},
        {"due_date": "soon"},
        {"due_date": "2026-02-30"},
        {"owner": "x"},
        {"lead": "99999999999999999999999"},
        {"subject": ""},
        {"subject": "x" * 201},
    ):
        response = add_task(org.rep, **{"owner": org.rep.pk, **fields})
        assert response.status_code == 400, fields
    assert not Activity.objects.filter(kind="task").exclude(subject__startswith="Task-").exists()


def test_a_converted_lead_takes_no_task_and_says_so(org):
    lead = lead_create(by=org.rep, last_name="Doe", company="Acme")
    lead_convert(lead=lead, by=org.rep)
    response = add_task(org.rep, owner=org.rep.pk, lead=lead.pk)
    assert response.status_code == 400
    assert "This lead was converted" in response.content.decode()
    assert not Activity.objects.filter(subject="Board pack").exists()


def test_new_task_needs_sign_in_and_the_csrf_token(org):
    response = Client().get("/tasks/new/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.rep)
    assert client.post("/tasks/new/", {"subject": "Board pack"}).status_code == 403
    assert not Activity.objects.filter(subject="Board pack").exists()
    assert signed_in(org.rep).put("/tasks/new/").status_code == 405


def test_the_new_task_form_query_count_is_pinned(org, world, django_assert_max_num_queries):
    client = signed_in(org.manager)
    with django_assert_max_num_queries(6):
        assert client.get("/tasks/new/").status_code == 200


def test_the_quick_log_refuses_a_past_due_task_in_its_toast(org, world):
    lead = world["rep"]["lead"]
    response = signed_in(org.rep).post(
        "/activities/log/",
        {"lead": lead.pk, "kind": "task", "subject": "Late", "due_date": YESTERDAY.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and dates.day(YESTERDAY) in toast["message"]
    assert not Activity.objects.filter(subject="Late").exists()
