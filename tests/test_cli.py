"""The console commands for sales ops: `salestrack team|user|token create`."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from salestrack.audit.models import AuditEntry
from salestrack.teams.models import ApiToken, Team, User
from salestrack.teams.services import team_create, user_create


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def company(db):
    boss = user_create(username="vp", role="manager")
    return team_create(name="Company", manager=boss)


@pytest.mark.django_db
def test_team_create_makes_a_top_team():
    output = run("team", "create", "Company")

    team = Team.objects.get()
    assert (team.name, team.parent, team.manager) == ("Company", None, None)
    assert "Created team Company" in output
    assert AuditEntry.objects.filter(action="teams.team.created", object_id=team.pk).exists()


def test_team_create_puts_a_team_under_its_parent_with_its_manager(company):
    user_create(username="cara", role="manager", team=company)

    output = run("team", "create", "East", "--parent", "Company", "--manager", "cara")

    east = Team.objects.get(name="East")
    assert east.parent == company
    assert east.manager.username == "cara"
    assert "under Company, managed by cara" in output


def test_team_create_refuses_an_unknown_parent(company):
    with pytest.raises(CommandError, match="No team named 'Nowhere'. Teams: Company."):
        run("team", "create", "East", "--parent", "Nowhere")
    assert not Team.objects.filter(name="East").exists()


def test_team_create_refuses_an_unknown_manager(company):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run("team", "create", "East", "--manager", "ghost")
    assert not Team.objects.filter(name="East").exists()


def test_team_create_refuses_a_name_taken_in_another_case(company):
    with pytest.raises(CommandError, match="A team named 'company' already exists"):
        run("team", "create", "company")
    assert Team.objects.count() == 1


def test_team_create_refuses_a_rep_as_manager(company):
    user_create(username="rob", role="rep")

    with pytest.raises(CommandError, match="manager: rob is a rep, not a manager"):
        run("team", "create", "East", "--manager", "rob")
    assert not Team.objects.filter(name="East").exists()


def test_team_needs_an_action():
    with pytest.raises(CommandError, match="required: ACTION"):
        run("team")


def test_user_create_makes_a_rep_who_can_sign_in(company):
    output = run(
        "user",
        "create",
        "rob",
        "--role",
        "rep",
        "--team",
        "Company",
        "--email",
        "rob@example.com",
        "--password",
        "long-enough-pass",
        "--first-name",
        "Rob",
        "--last-name",
        "Stone",
    )

    rob = User.objects.get(username="rob")
    assert (rob.role, rob.team, rob.email, rob.get_full_name()) == (
        "rep",
        company,
        "rob@example.com",
        "Rob Stone",
    )
    assert rob.check_password("long-enough-pass")
    assert not rob.is_staff
    assert "Created rep rob" in output


@pytest.mark.django_db
def test_user_create_makes_an_admin_staff():
    run("user", "create", "ada", "--role", "admin", "--password", "long-enough-pass")

    ada = User.objects.get(username="ada")
    assert ada.is_admin and ada.is_staff and ada.is_superuser


@pytest.mark.django_db
def test_a_user_created_without_a_password_cannot_sign_in_until_one_is_set():
    output = run("user", "create", "rob", "--role", "rep")

    assert not User.objects.get(username="rob").has_usable_password()
    assert "salestrack changepassword rob" in output


def test_user_create_refuses_an_unknown_team(company):
    with pytest.raises(CommandError, match="No team named 'Nowhere'"):
        run("user", "create", "rob", "--role", "rep", "--team", "Nowhere")
    assert not User.objects.filter(username="rob").exists()


def test_user_create_refuses_a_taken_username_in_any_case(company):
    with pytest.raises(CommandError, match="username: The username 'VP' is taken."):
        run("user", "create", "VP", "--role", "rep")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_user_create_refuses_a_bad_role():
    with pytest.raises(CommandError, match="invalid choice: 'boss'"):
        run("user", "create", "rob", "--role", "boss")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_user_create_needs_a_role():
    with pytest.raises(CommandError, match="--role"):
        run("user", "create", "rob")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_user_create_refuses_a_weak_password():
    with pytest.raises(CommandError, match="too short"):
        run("user", "create", "rob", "--role", "rep", "--password", "short")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_token_create_prints_a_usable_token_last_and_keeps_only_its_hash():
    rob = user_create(username="rob", role="rep")

    output = run("token", "create", "rob", "--name", "zapier")

    raw = output.splitlines()[-1]
    assert raw.startswith("st_")
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (rob, "zapier")
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (token.digest, token.prefix, token.name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/leads").status_code == 200


@pytest.mark.django_db
def test_each_token_is_new():
    user_create(username="rob", role="rep")

    first = run("token", "create", "rob", "--name", "a").splitlines()[-1]
    second = run("token", "create", "rob", "--name", "b").splitlines()[-1]

    assert first != second
    assert ApiToken.objects.count() == 2


@pytest.mark.django_db
def test_token_create_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run("token", "create", "ghost", "--name", "x")
    assert not ApiToken.objects.exists()
