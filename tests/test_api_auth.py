"""Bearer tokens: a token names its user until it is deleted or the user deactivated."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from salestrack.teams.models import ApiToken
from salestrack.teams.services import token_create


@pytest.fixture
def raw(org):
    return token_create(user=org.rep, name="laptop")


def get(header: str | None):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client.get("/api/v1/leads")


def test_a_token_signs_its_user_in_and_records_its_first_use(org, raw):
    token = ApiToken.objects.get(user=org.rep)
    assert token.last_used_at is None
    response = APIClient()
    response.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    me = response.get("/api/v1/users", {"username": org.rep.username})
    assert me.status_code == 200
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < datetime.timedelta(minutes=1)


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer a b", "Bearer st_not-a-token", "Token {raw}", "Bearer {raw}x"],
)
def test_no_valid_token_no_answer(org, raw, header):
    response = get(header and header.format(raw=raw))
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_a_deactivated_users_token_and_a_deleted_token_are_refused(org, raw):
    assert get(f"Bearer {raw}").status_code == 200
    org.rep.is_active = False
    org.rep.save()
    refused = get(f"Bearer {raw}")
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Invalid, expired or revoked token."
    org.rep.is_active = True
    org.rep.save()
    ApiToken.objects.filter(user=org.rep).delete()
    assert get(f"Bearer {raw}").status_code == 401


def test_the_last_use_is_written_at_most_once_an_hour(org, raw, django_assert_num_queries):
    assert get(f"Bearer {raw}").status_code == 200
    first = ApiToken.objects.get(user=org.rep).last_used_at
    with django_assert_num_queries(2):  # the token with its user, the page: no write
        assert get(f"Bearer {raw}").status_code == 200
    assert ApiToken.objects.get(user=org.rep).last_used_at == first
    earlier = first - datetime.timedelta(hours=2)
    ApiToken.objects.filter(user=org.rep).update(last_used_at=earlier)
    assert get(f"Bearer {raw}").status_code == 200
    assert ApiToken.objects.get(user=org.rep).last_used_at > first
