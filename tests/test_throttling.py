"""Sign-in throttling (django-axes, salestrack/teams/throttle.py).

Five failures lock one person out from one client address, whichever identifier they typed;
fifty lock the address; X-Forwarded-For counts only from a trusted proxy; bad API tokens are
limited per address too.
"""

from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from salestrack.teams.services import token_create
from salestrack.teams.throttle import ADDRESS_FAILURE_LIMIT, client_address
from tests.conftest import PASSWORD

HERE = "203.0.113.7"
ELSEWHERE = "198.51.100.9"
PROXY = "10.0.0.2"
LOCKED = "Too many failed sign-ins from here"


def sign_in(username: str, password: str, address: str = HERE, **headers):
    client = Client(REMOTE_ADDR=address, **headers)
    return client.post("/login/", {"username": username, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def refused(response) -> bool:
    return response.status_code == 429 and LOCKED in response.content.decode()


def fail(username: str, times: int, address: str = HERE, **headers) -> None:
    for _ in range(times):
        response = sign_in(username, "wrong", address, **headers)
        assert response.status_code == 200
        assert "Please enter a correct" in response.content.decode()


def test_five_failures_lock_the_person_out_from_that_address(org):
    fail("rob", 4)
    assert refused(sign_in("rob", "wrong"))
    right = sign_in("rob", PASSWORD)
    assert refused(right)
    assert not right.wsgi_request.user.is_authenticated


def test_the_email_shares_the_username_s_counter(org):
    fail("ada", 3)
    fail("Ada@Example.com", 1)
    assert refused(sign_in("ADA@example.com", "wrong"))
    assert refused(sign_in("ada@example.com", PASSWORD))
    assert refused(sign_in("ada", PASSWORD))


def test_failures_by_email_lock_the_username_too(org):
    fail("ada@example.com", 4)
    assert refused(sign_in("ada@example.com", "wrong"))
    assert refused(sign_in("ada", PASSWORD))


def test_usernames_are_counted_without_case(org):
    fail("ROB", 2)
    fail("Rob", 2)
    assert refused(sign_in("rob", "wrong"))


def test_a_locked_out_person_still_signs_in_from_elsewhere(org):
    fail("rob", 4)
    assert refused(sign_in("rob", "wrong"))
    assert signed_in(sign_in("rob", PASSWORD, ELSEWHERE))
    # Someone else at the same address is not locked out either.
    assert signed_in(sign_in("tess", PASSWORD))


def test_a_sign_in_after_fewer_failures_succeeds(org):
    fail("rob", 4)
    assert signed_in(sign_in("rob", PASSWORD))


def test_fifty_failures_for_any_usernames_lock_the_address(org):
    for i in range(ADDRESS_FAILURE_LIMIT - 1):
        fail(f"guess{i // 4}", 1)
    assert signed_in(sign_in("tess", PASSWORD))
    assert refused(sign_in("someone-new", "wrong"))
    assert refused(sign_in("tess", PASSWORD))
    assert refused(sign_in("otto", PASSWORD))
    assert signed_in(sign_in("tess", PASSWORD, ELSEWHERE))


def test_x_forwarded_for_is_ignored_from_an_untrusted_address(org, settings):
    settings.TRUSTED_PROXIES = []
    # A client cannot dodge the limit by writing a new address in the header each time.
    for i in range(4):
        fail("rob", 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert refused(sign_in("rob", "wrong", HTTP_X_FORWARDED_FOR="192.0.2.99"))
    assert refused(sign_in("rob", PASSWORD, HTTP_X_FORWARDED_FOR=ELSEWHERE))


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address(org, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    # The client wrote a left-most address of its choosing; the proxy appended the real one.
    fail("rob", 4, PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {HERE}")
    assert refused(sign_in("rob", "wrong", PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.2, {HERE}"))
    # The proxy itself is not locked out: the same person from another network gets through.
    assert signed_in(sign_in("rob", PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=ELSEWHERE))


def test_client_address_takes_the_right_most_untrusted_hop(settings):
    settings.TRUSTED_PROXIES = [PROXY, "10.1.0.0/16"]

    def address(remote: str, forwarded: str | None = None) -> str | None:
        headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))

    assert address(HERE, "192.0.2.1") == HERE
    assert address(PROXY, f"192.0.2.1, {HERE}, 10.1.4.5") == HERE
    assert address(PROXY, "2001:DB8::1") == "2001:db8::1"
    assert address(PROXY) == PROXY
    assert address(PROXY, "not-an-address") == PROXY
    assert address("10.1.2.3", HERE) == HERE


def api_get(header: str, address: str = HERE):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=header)
    return client.get("/api/v1/leads")


def test_bad_tokens_from_one_address_are_refused_after_the_limit(org):
    good = token_create(user=org.rep, name="laptop")
    for i in range(ADDRESS_FAILURE_LIMIT):
        assert api_get(f"Bearer st_bad{i}").status_code == 401
    throttled = api_get("Bearer st_bad-again")
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 15 * 60
    assert api_get("Bearer st_bad-again", ELSEWHERE).status_code == 401
    # A good token is not counted or refused: see salestrack/api/auth.py.
    assert api_get(f"Bearer {good}").status_code == 200
