"""API tokens from each user's page and the command line: named, shown once, expiring,
revoked one by one; an admin sees and revokes anyone's."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from salestrack.teams.models import ApiToken
from salestrack.teams.services import token_create
from tests.conftest import client_for, signed_in


def bearer(raw: str):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_user_creates_a_token_sees_it_once_and_it_works(org):
    client = signed_in(org.rep)
    response = client.post("/tokens/", {"name": "zapier", "expires_in": "30"})
    assert response.status_code == 201
    raw = response.content.decode().split('id="new-token">')[1].split("<")[0]
    token = ApiToken.objects.get(user=org.rep)
    assert token.name == "zapier" and raw.startswith(token.prefix)
    days = (token.expires_at - timezone.now()).days
    assert 29 <= days <= 30
    assert bearer(raw).get("/api/v1/leads").status_code == 200
    page = client.get("/tokens/").content.decode()
    assert "zapier" in page and raw not in page  # listed, never shown again


def test_a_token_needs_a_name_and_a_choice_of_expiry(org):
    client = signed_in(org.rep)
    assert client.post("/tokens/", {"name": " ", "expires_in": "30"}).status_code == 400
    assert client.post("/tokens/", {"name": "x", "expires_in": "7"}).status_code == 400
    assert not ApiToken.objects.exists()
    assert client.post("/tokens/", {"name": "forever", "expires_in": ""}).status_code == 201
    assert ApiToken.objects.get().expires_at is None


def test_an_expired_token_is_refused(org):
    raw = token_create(
        user=org.rep, name="old", expires_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    ApiToken.objects.filter(user=org.rep).update(expires_at=timezone.now() - datetime.timedelta(1))
    response = bearer(raw).get("/api/v1/leads")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


def test_users_revoke_their_own_tokens_and_admins_anyones(org):
    mine = token_create(user=org.rep, name="mine")
    theirs = token_create(user=org.teammate, name="theirs")
    ids = {t.name: t.pk for t in ApiToken.objects.all()}
    rep = signed_in(org.rep)
    assert "theirs" not in rep.get("/tokens/").content.decode()
    assert rep.post(f"/tokens/{ids['theirs']}/revoke/").status_code == 404
    assert rep.post(f"/tokens/{ids['mine']}/revoke/").status_code == 302
    assert bearer(mine).get("/api/v1/leads").status_code == 401
    assert bearer(theirs).get("/api/v1/leads").status_code == 200
    assert rep.get("/settings/tokens/").status_code == 404
    admin = signed_in(org.admin)
    listing = admin.get("/settings/tokens/").content.decode()
    assert "theirs" in listing and "tess" in listing.lower()
    assert admin.post(f"/tokens/{ids['theirs']}/revoke/").status_code == 302
    assert bearer(theirs).get("/api/v1/leads").status_code == 401


def test_the_command_line_creates_lists_and_revokes(org, capsys):
    call_command("token", "create", org.rep.username, "--name", "cron", "--expires-in", "90")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    assert bearer(raw).get("/api/v1/leads").status_code == 200
    call_command("token", "list", org.rep.username)
    listing = capsys.readouterr().out
    token = ApiToken.objects.get(user=org.rep)
    assert f"{token.pk}\t{org.rep.username}\tcron" in listing and "expires" in listing
    call_command("token", "revoke", str(token.pk))
    assert bearer(raw).get("/api/v1/leads").status_code == 401
    with pytest.raises(CommandError, match="No token with id"):
        call_command("token", "revoke", str(token.pk))
    with pytest.raises(CommandError, match="at least 1"):
        call_command("token", "create", org.rep.username, "--name", "x", "--expires-in", "0")
