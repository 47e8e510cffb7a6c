import pytest
from django.test import Client

from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.services import activity_log
from salestrack.audit.models import AuditEntry
from salestrack.leads.services import lead_create, lead_disqualify
from salestrack.opportunities import pipelines
from salestrack.opportunities.models import OpportunityHistory, Pipeline, Stage
from salestrack.opportunities.pipelines import pipeline_create
from salestrack.opportunities.services import opportunity_create
from salestrack.teams.models import ApiToken, Team, User
from salestrack.teams.services import token_create, user_create
from tests.conftest import PASSWORD, signed_in


@pytest.fixture
def admin(org):
    return signed_in(org.admin)


def stages(pipeline=None):
    pipeline = pipeline or Pipeline.objects.get(is_default=True)
    return {s.name: s for s in pipeline.stages.all()}


def settings_urls(org):
    stage = Stage.objects.first()
    return [
        "/settings/",
        "/settings/users/",
        "/settings/users/new/",
        f"/settings/users/{org.rep.pk}/edit/",
        f"/settings/users/{org.rep.pk}/deactivate/",
        f"/settings/users/{org.rep.pk}/reactivate/",
        "/settings/teams/",
        "/settings/teams/new/",
        f"/settings/teams/{org.team_b.pk}/edit/",
        f"/settings/teams/{org.team_b.pk}/delete/",
        "/settings/pipelines/",
        "/settings/pipelines/new/",
        f"/settings/pipelines/{stage.pipeline_id}/stages/new/",
        f"/settings/stages/{stage.pk}/edit/",
        f"/settings/stages/{stage.pk}/move/",
        f"/settings/stages/{stage.pk}/delete/",
    ]


@pytest.mark.parametrize("who", ["rep", "teammate", "other_rep", "manager", "region_manager"])
def test_settings_do_not_exist_for_non_admins(org, who):
    client = signed_in(getattr(org, who))
    for url in settings_urls(org):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x", "direction": "up"}).status_code == 404, url
    assert Team.objects.count() == 4 and Stage.objects.count() == 7
    assert User.objects.filter(is_active=True).count() == 6


def test_anonymous_users_are_sent_to_sign_in(org):
    for url in settings_urls(org):
        for response in (Client().get(url), Client().post(url)):
            assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_every_settings_page_opens_for_an_admin(org, admin):
    for url in settings_urls(org):
        if not url.endswith(("/reactivate/", "/delete/", "/move/")):
            assert admin.get(url, follow=True).status_code == 200, url
    html = admin.get("/settings/teams/").content.decode()
    assert 'aria-label="Settings"' in html and 'aria-current="page">Teams' in html


def test_wrong_methods_answer_405(org, admin):
    stage = Stage.objects.first()
    assert admin.get(f"/settings/stages/{stage.pk}/delete/").status_code == 405
    assert admin.get(f"/settings/users/{org.rep.pk}/reactivate/").status_code == 405
    assert admin.post("/settings/users/").status_code == 405


def test_user_list_shows_everyone_in_constant_queries(org, admin, django_assert_max_num_queries):
    for i in range(30):
        user_create(username=f"u{i}", role="rep", team=org.team_b)
    with django_assert_max_num_queries(4):
        page = admin.get("/settings/users/")
    html = page.content.decode()
    assert "u29" in html and "Rob Stone" in html and "Denver" in html


# Users


def test_invite_a_user_who_can_then_sign_in(org, admin):
    response = admin.post(
        "/settings/users/new/",
        {
            "username": "nina",
            "first_name": "Nina",
            "email": "nina@example.com",
            "role": "manager",
            "team": org.team_b.pk,
            "password": "a-long-unusual-phrase",
        },
    )
    assert response.status_code == 302 and response.url == "/settings/users/"
    nina = User.objects.get(username="nina")
    assert (nina.role, nina.team, nina.email) == ("manager", org.team_b, "nina@example.com")
    assert Client().login(username="nina", password="a-long-unusual-phrase")
    assert AuditEntry.objects.filter(action="teams.user.created", object_id=nina.pk).exists()


@pytest.mark.parametrize(
    "data,message",
    [
        ({"username": "nina", "role": "rep", "password": "password"}, "too common"),
        ({"username": "nina", "role": "rep", "password": "short"}, "too short"),
        ({"username": "", "role": "rep", "password": "a-long-unusual-phrase"}, "required"),
        ({"username": "ROB", "role": "rep", "password": "a-long-unusual-phrase"}, "is taken"),
        ({"username": "nina", "role": "boss", "password": "a-long-unusual-phrase"}, "valid choice"),
    ],
)
def test_a_bad_invite_says_why_and_creates_nobody(org, admin, data, message):
    response = admin.post("/settings/users/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(username="nina").exists()
    assert User.objects.count() == 6


def test_edit_a_users_role_team_and_name(org, admin):
    response = admin.post(
        f"/settings/users/{org.rep.pk}/edit/",
        {
            "first_name": "Robert",
            "last_name": "Stone",
            "email": "",
            "role": "manager",
            "team": org.team_b.pk,
        },
    )
    assert response.status_code == 302
    org.rep.refresh_from_db()
    assert (org.rep.first_name, org.rep.role, org.rep.team) == ("Robert", "manager", org.team_b)
    entry = AuditEntry.objects.get(action="teams.user.changed", object_id=org.rep.pk)
    assert entry.data == {
        "first_name": {"old": "Rob", "new": "Robert"},
        "role": {"old": "rep", "new": "manager"},
        "team": {"old": org.team_a.pk, "new": org.team_b.pk},
    }
    assert entry.actor == org.admin


def test_edit_user_errors_change_nothing(org, admin):
    bad = admin.post(
        f"/settings/users/{org.rep.pk}/edit/",
        {"first_name": "X", "email": "not-an-email", "role": "rep"},
    )
    assert bad.status_code == 400 and "Enter a valid email address" in bad.content.decode()
    own = admin.post(f"/settings/users/{org.admin.pk}/edit/", {"role": "rep"})
    assert own.status_code == 400
    assert "your own admin role" in own.content.decode()
    # A rep cannot manage a team: the manager of Boston keeps the manager role.
    manager = admin.post(f"/settings/users/{org.manager.pk}/edit/", {"role": "rep"})
    assert manager.status_code == 400 and "manages Boston" in manager.content.decode()
    for user in (org.rep, org.admin, org.manager):
        role = user.role
        user.refresh_from_db()
        assert user.role == role
    org.rep.refresh_from_db()
    assert org.rep.first_name == "Rob"
    assert not AuditEntry.objects.filter(action="teams.user.changed").exists()


@pytest.fixture
def work(org, soon):
    """What rob owns: open and closed leads and deals, an account, a contact, tasks."""
    rep = org.rep
    account = account_create(by=rep, name="Umbrella")
    contact = contact_create(by=rep, last_name="Wesker", account=account)
    won = stages()["Closed won"]
    return {
        "lead": lead_create(by=rep, last_name="Open"),
        "old_lead": lead_disqualify(lead=lead_create(by=rep, last_name="Old"), by=rep, reason="x"),
        "deal": opportunity_create(by=rep, account=account, name="Open deal", close_date=soon),
        "won_deal": opportunity_create(
            by=rep, account=account, name="Won deal", close_date=soon, stage=won
        ),
        "account": account,
        "contact": contact,
        "task": activity_log(by=rep, kind="task", subject="Call back", account=account),
        "call": activity_log(by=rep, kind="call", subject="Intro", account=account),
    }


def test_deactivate_moves_open_records_and_revokes_tokens(org, admin, work):
    token_create(user=org.rep, name="laptop")
    for record in work.values():
        record.refresh_from_db()
    versions = {name: record.version for name, record in work.items()}
    page = admin.get(f"/settings/users/{org.rep.pk}/deactivate/")
    assert "<strong>1</strong> open opportunities" in page.content.decode()
    response = admin.post(
        f"/settings/users/{org.rep.pk}/deactivate/", {"reassign_to": org.teammate.pk}
    )
    assert response.status_code == 302
    for name in ("lead", "deal", "account", "contact", "task"):
        work[name].refresh_from_db()
        assert work[name].owner == org.teammate, name
        assert work[name].version == versions[name] + 1, name
    for name in ("old_lead", "won_deal", "call"):
        work[name].refresh_from_db()
        assert work[name].owner == org.rep, name
    history = OpportunityHistory.objects.exclude(old_value=None).get(field="owner")
    assert history.opportunity == work["deal"]
    assert (history.old_value, history.new_value) == (str(org.rep.pk), str(org.teammate.pk))
    assert history.changed_by == org.admin
    assert AuditEntry.objects.filter(action="leads.lead.changed", actor=org.admin).count() == 1
    org.rep.refresh_from_db()
    assert not org.rep.is_active
    assert not ApiToken.objects.filter(user=org.rep).exists()
    assert not Client().login(username="rob", password=PASSWORD)
    entry = AuditEntry.objects.get(action="teams.user.deactivated")
    assert entry.data["reassigned_to"] == org.teammate.pk and entry.data["tokens_revoked"] == 1
    assert "Reactivate" in admin.get("/settings/users/").content.decode()


def test_deactivate_errors_change_nothing(org, admin, work):
    missing = admin.post(f"/settings/users/{org.rep.pk}/deactivate/", {})
    assert missing.status_code == 400 and "This field is required" in missing.content.decode()
    to_self = admin.post(f"/settings/users/{org.rep.pk}/deactivate/", {"reassign_to": org.rep.pk})
    assert to_self.status_code == 400
    yourself = admin.post(
        f"/settings/users/{org.admin.pk}/deactivate/", {"reassign_to": org.rep.pk}
    )
    assert yourself.status_code == 400
    assert "You cannot deactivate yourself" in yourself.content.decode()
    org.rep.refresh_from_db()
    org.admin.refresh_from_db()
    assert org.rep.is_active and org.admin.is_active
    work["lead"].refresh_from_db()
    assert work["lead"].owner == org.rep
    assert not OpportunityHistory.objects.filter(field="owner").exclude(old_value=None).exists()


def test_a_manager_still_named_on_a_team_is_not_deactivated(org, admin):
    response = admin.post(
        f"/settings/users/{org.manager.pk}/deactivate/", {"reassign_to": org.teammate.pk}
    )
    assert response.status_code == 400
    assert "manages Boston: give that team another manager first" in response.content.decode()
    org.manager.refresh_from_db()
    assert org.manager.is_active


def test_deletes_ask_first(org, admin):
    Team.objects.create(name="Empty", parent=org.company)
    assert 'data-confirm="Delete the team Empty?"' in admin.get("/settings/teams/").content.decode()
    pipelines = admin.get("/settings/pipelines/").content.decode()
    assert 'data-confirm="Delete the stage Prospecting?"' in pipelines


def test_reactivate_a_user(org, admin):
    admin.post(f"/settings/users/{org.rep.pk}/deactivate/", {"reassign_to": org.teammate.pk})
    assert admin.post(f"/settings/users/{org.rep.pk}/reactivate/").status_code == 302
    assert Client().login(username="rob", password=PASSWORD)
    again = admin.post(f"/settings/users/{org.rep.pk}/reactivate/")
    assert again.status_code == 400 and "already active" in again.content.decode()


# Teams


def test_team_tree_is_indented_by_depth(org, admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        html = admin.get("/settings/teams/").content.decode()
    assert html.index("Company") < html.index("Denver") < html.index("East")
    assert html.index("East") < html.index("Boston")
    assert f'data-depth="2"><a href="/settings/teams/{org.team_a.pk}/edit/">Boston' in html


def test_create_a_team(org, admin):
    response = admin.post(
        "/settings/teams/new/",
        {"name": "Austin", "parent": org.company.pk, "manager": org.region_manager.pk},
    )
    assert response.status_code == 302
    team = Team.objects.get(name="Austin")
    assert (team.parent, team.manager) == (org.company, org.region_manager)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": "boston"}, "already exists"),
        ({"name": ""}, "This field is required"),
        ({"name": "Austin", "manager": "rep"}, "Select a valid choice"),
    ],
)
def test_bad_team_input_says_why(org, admin, data, message):
    if data.get("manager") == "rep":
        data["manager"] = org.rep.pk
    response = admin.post("/settings/teams/new/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert Team.objects.count() == 4


def test_edit_a_team(org, admin):
    response = admin.post(
        f"/settings/teams/{org.team_b.pk}/edit/",
        {"name": "Denver West", "parent": org.region.pk, "manager": org.manager.pk},
    )
    assert response.status_code == 302
    org.team_b.refresh_from_db()
    assert (org.team_b.name, org.team_b.parent, org.team_b.manager) == (
        "Denver West",
        org.region,
        org.manager,
    )
    entry = AuditEntry.objects.get(action="teams.team.changed")
    assert entry.data == {
        "name": {"old": "Denver", "new": "Denver West"},
        "parent": {"old": org.company.pk, "new": org.region.pk},
        "manager": {"old": None, "new": org.manager.pk},
    }


def test_a_team_cannot_move_inside_itself(org, admin):
    response = admin.post(
        f"/settings/teams/{org.company.pk}/edit/", {"name": "Company", "parent": org.team_a.pk}
    )
    assert response.status_code == 400
    assert "would make a loop" in response.content.decode()
    org.company.refresh_from_db()
    assert org.company.parent is None
    # The team itself is not offered as its own parent.
    itself = admin.post(
        f"/settings/teams/{org.region.pk}/edit/", {"name": "East", "parent": org.region.pk}
    )
    assert itself.status_code == 400


def test_delete_only_an_empty_team(org, admin):
    empty = Team.objects.create(name="Empty", parent=org.company)
    with_members = admin.post(f"/settings/teams/{org.team_b.pk}/delete/")
    assert with_members.status_code == 400
    assert "still has members" in with_members.content.decode()
    with_children = admin.post(f"/settings/teams/{org.region.pk}/delete/")
    assert with_children.status_code == 400
    assert "teams under it" in with_children.content.decode()
    assert admin.post(f"/settings/teams/{empty.pk}/delete/").status_code == 302
    assert list(Team.objects.order_by("name").values_list("name", flat=True)) == [
        "Boston",
        "Company",
        "Denver",
        "East",
    ]
    assert AuditEntry.objects.filter(action="teams.team.deleted", object_id=empty.pk).exists()


# Pipelines and stages


def test_add_a_pipeline_with_default_stages(org, admin, django_assert_max_num_queries):
    assert admin.post("/settings/pipelines/new/", {"name": "Renewals"}).status_code == 302
    renewals = Pipeline.objects.get(name="Renewals")
    names = list(renewals.stages.order_by("position").values_list("name", flat=True))
    assert names[-2:] == ["Closed won", "Closed lost"] and len(names) == 7
    pipeline_create(name="Partners", by=org.admin)
    with django_assert_max_num_queries(4):
        html = admin.get("/settings/pipelines/").content.decode()
    assert "Renewals" in html and "Partners" in html
    duplicate = admin.post("/settings/pipelines/new/", {"name": "renewals"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()
    assert Pipeline.objects.count() == 3


def test_edit_a_stage(org, admin):
    stage = stages()["Proposal"]
    response = admin.post(
        f"/settings/stages/{stage.pk}/edit/",
        {"name": "Quote", "probability": 55, "forecast_category": "commit", "rotting_days": ""},
    )
    assert response.status_code == 302
    stage.refresh_from_db()
    assert (stage.name, stage.probability, stage.forecast_category, stage.rotting_days) == (
        "Quote",
        55,
        "commit",
        None,
    )
    entry = AuditEntry.objects.get(action="deals.stage.changed")
    assert entry.data == {
        "name": {"old": "Proposal", "new": "Quote"},
        "probability": {"old": 60, "new": 55},
        "forecast_category": {"old": "best_case", "new": "commit"},
        "rotting_days": {"old": 14, "new": None},
    }


GOOD_STAGE = {"name": "Proposal", "probability": 60, "forecast_category": "best_case"}


@pytest.mark.parametrize(
    "stage,changes,message",
    [
        ("Proposal", {"probability": 101}, "less than or equal to 100"),
        ("Proposal", {"probability": -1}, "greater than or equal to 0"),
        ("Proposal", {"forecast_category": "maybe"}, "valid choice"),
        ("Proposal", {"rotting_days": 0}, "greater than or equal to 1"),
        ("Proposal", {"name": "Negotiation"}, "already has a stage named"),
        ("Proposal", {"is_won": "on", "is_lost": "on"}, "won or lost, not both"),
        ("Closed won", {"probability": 100}, "at least one won stage"),
        ("Closed lost", {"probability": 0}, "at least one lost stage"),
    ],
)
def test_bad_stage_input_says_why_and_changes_nothing(org, admin, stage, changes, message):
    stage = stages()[stage]
    before = Stage.objects.filter(pk=stage.pk).values().get()
    data = GOOD_STAGE | {"name": stage.name} | changes
    response = admin.post(f"/settings/stages/{stage.pk}/edit/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Stage.objects.filter(pk=stage.pk).values().get() == before


def test_a_pipeline_keeps_an_open_stage(org):
    pipeline = pipeline_create(name="Tiny", by=org.admin)
    client = signed_in(org.admin)
    for name in ["Prospecting", "Qualification", "Needs analysis", "Proposal"]:
        assert (
            client.post(f"/settings/stages/{stages(pipeline)[name].pk}/delete/").status_code == 302
        )
    last_open = stages(pipeline)["Negotiation"]
    response = client.post(f"/settings/stages/{last_open.pk}/delete/")
    assert response.status_code == 400
    assert "needs at least one open stage" in response.content.decode()
    made_won = client.post(
        f"/settings/stages/{last_open.pk}/edit/",
        {"name": "Negotiation", "probability": 80, "forecast_category": "commit", "is_won": "on"},
    )
    assert made_won.status_code == 400 and "at least one open stage" in made_won.content.decode()
    assert set(stages(pipeline)) == {"Negotiation", "Closed won", "Closed lost"}
    lost = client.post(f"/settings/stages/{stages(pipeline)['Closed lost'].pk}/delete/")
    assert lost.status_code == 400 and "at least one lost stage" in lost.content.decode()


def test_a_stage_with_deals_cannot_be_deleted_or_closed(org, admin, work):
    stage = work["deal"].stage
    response = admin.post(f"/settings/stages/{stage.pk}/delete/")
    assert response.status_code == 400 and "Deals are in Prospecting" in response.content.decode()
    closed = admin.post(
        f"/settings/stages/{stage.pk}/edit/",
        {"name": stage.name, "probability": 10, "forecast_category": "pipeline", "is_lost": "on"},
    )
    assert closed.status_code == 400 and "move them out" in closed.content.decode()
    assert Stage.objects.filter(pk=stage.pk, is_lost=False).exists()


def test_add_an_open_stage_before_the_closed_ones(org, admin):
    pipeline = Pipeline.objects.get(is_default=True)
    response = admin.post(
        f"/settings/pipelines/{pipeline.pk}/stages/new/",
        {"name": "Legal review", "probability": 90, "forecast_category": "commit"},
    )
    assert response.status_code == 302
    order = list(pipeline.stages.order_by("position").values_list("name", "position"))
    assert order[-3:] == [("Legal review", 6), ("Closed won", 7), ("Closed lost", 8)]
    bad = admin.post(
        f"/settings/pipelines/{pipeline.pk}/stages/new/",
        {"name": "legal review", "probability": 90, "forecast_category": "commit"},
    )
    assert bad.status_code == 400 and "already has a stage named" in bad.content.decode()
    assert pipeline.stages.count() == 8


def test_move_stages_up_and_down(org, admin):
    first, second = stages()["Prospecting"], stages()["Qualification"]
    assert admin.post(f"/settings/stages/{second.pk}/move/", {"direction": "up"}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.position, first.position) == (1, 2)
    top = admin.post(f"/settings/stages/{second.pk}/move/", {"direction": "up"})
    assert top.status_code == 400 and "already first" in top.content.decode()
    bottom = admin.post(
        f"/settings/stages/{stages()['Closed lost'].pk}/move/", {"direction": "down"}
    )
    assert bottom.status_code == 400 and "already last" in bottom.content.decode()
    sideways = admin.post(f"/settings/stages/{first.pk}/move/", {"direction": "left"})
    assert sideways.status_code == 400
    first.refresh_from_db()
    assert first.position == 2
    assert AuditEntry.objects.filter(action="deals.stage.moved").count() == 1


def test_won_and_lost_stages_stay_at_the_end(org, admin):
    last_open, won = stages()["Negotiation"], stages()["Closed won"]
    past = admin.post(f"/settings/stages/{last_open.pk}/move/", {"direction": "down"})
    assert past.status_code == 400
    assert "cannot move after the won and lost stages" in past.content.decode()
    into = admin.post(f"/settings/stages/{won.pk}/move/", {"direction": "up"})
    assert into.status_code == 400 and "cannot move among the open ones" in into.content.decode()
    moved = admin.post(f"/settings/stages/{last_open.pk}/move/", {"direction": "up"}, follow=True)
    assert "Stage Negotiation moved up." in moved.content.decode()
    # A stage that becomes won goes to the end; one that reopens, before the closed ones.
    proposal = stages()["Proposal"]
    pipelines.stage_update(stage=proposal, by=org.admin, is_won=True)
    names = list(
        Stage.objects.filter(pipeline__is_default=True)
        .order_by("position")
        .values_list("name", "is_won", "is_lost")
    )
    assert [n for n, won_, lost in names if not (won_ or lost)] == [n for n, *_ in names][:4]
    assert "Proposal" in [n for n, *_ in names[4:]]


def test_csrf_is_enforced(org):
    client = Client(enforce_csrf_checks=True)
    client.login(username="ada", password=PASSWORD)
    stage = stages()["Proposal"]
    assert client.post(f"/settings/stages/{stage.pk}/delete/").status_code == 403
    assert Stage.objects.filter(pk=stage.pk).exists()
