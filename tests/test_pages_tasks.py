import datetime
import re

import pytest
from django.test import Client

from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log, task_complete
from salestrack.leads.services import lead_create
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
    return activity_log(by=user, kind="task", subject=f"Plan {name}", lead=lead, due_date=due)


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
