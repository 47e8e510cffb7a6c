import re
import threading

import pytest
from django.db import connection
from django.test import Client

from salestrack.accounts.models import Contact
from salestrack.accounts.services import account_create, contact_create
from salestrack.leads.services import lead_create
from salestrack.opportunities.services import opportunity_create
from salestrack.search import index
from salestrack.web import search as site_search
from salestrack.web.search import search
from tests.conftest import TODAY, queries, records_of, signed_in


@pytest.fixture
def world(org):
    made = {who: records_of(getattr(org, who)) for who in ("rep", "teammate", "other_rep")}
    for who in made:
        user = getattr(org, who)
        contact_create(
            by=user,
            first_name="Contact",
            last_name=user.username,
            email=f"{user.username}@contact.test",
            account=made[who]["account"],
        )
    return made


NAMES = {"rep": "rob", "teammate": "tess", "other_rep": "otto"}
# A rep sees their own records, a manager their subtree's, an admin everything.
SEES = {
    "rep": {"rep"},
    "teammate": {"teammate"},
    "other_rep": {"other_rep"},
    "manager": {"rep", "teammate"},
    "region_manager": {"rep", "teammate"},
    "admin": {"rep", "teammate", "other_rep"},
}


def owners_found(user, q) -> dict[str, set[str]]:
    """For each kind, whose records (by username tag) `search` found."""
    found = search(user, q)
    return {
        kind: {who for who, name in NAMES.items() for row in rows if name in str(row)}
        for kind, rows in found.items()
    }


@pytest.mark.parametrize("viewer", list(SEES))
def test_search_finds_only_what_the_user_may_see(org, world, viewer):
    user = getattr(org, viewer)
    assert owners_found(user, "lead") == {
        "leads": SEES[viewer],
        "contacts": set(),
        "accounts": set(),
        "opportunities": set(),
    }
    assert owners_found(user, "contact")["contacts"] == SEES[viewer]
    assert owners_found(user, "account-")["accounts"] == SEES[viewer]
    # An opportunity is found by its account's name too.
    assert owners_found(user, "account-")["opportunities"] == SEES[viewer]
    assert owners_found(user, "deal-")["opportunities"] == SEES[viewer]


@pytest.mark.parametrize("viewer", list(SEES))
def test_search_page_shows_only_visible_records(org, world, viewer):
    page = signed_in(getattr(org, viewer)).get("/search/?q=rob")
    assert page.status_code == 200
    html = page.content.decode()
    sees_rob = "rep" in SEES[viewer]
    for url in [
        f"/leads/{world['rep']['lead'].pk}/",
        f"/accounts/{world['rep']['account'].pk}/",
        f"/opportunities/{world['rep']['deal'].pk}/",
    ]:
        assert (url in html) is sees_rob
    assert ("Nothing matches" in html) is not sees_rob


def test_each_field_is_searched_case_insensitively(org):
    rep = org.rep
    lead_create(
        by=rep,
        last_name="Hopper",
        company="Navy Labs",
        phone="+1 555 0199",
        email="grace@navy.test",
    )
    account = account_create(by=rep, name="Initech", website="initech.example", phone="555-7788")
    contact_create(
        by=rep,
        first_name="Peter",
        last_name="Gibbons",
        email="peter@initech.test",
        phone="555-4242",
        account=account,
    )
    opportunity_create(by=rep, account=account, name="TPS reports", close_date=TODAY)
    cases = {
        "leads": ["hopper", "NAVY LABS", "0199", "grace@"],
        "contacts": ["peter", "GIBBONS", "4242", "@initech.test"],
        "accounts": ["initech", "initech.example", "7788"],
        "opportunities": ["tps", "INITECH"],
    }
    for kind, queries_ in cases.items():
        for q in queries_:
            assert search(rep, q)[kind], f"{kind} not found by {q!r}"
    # Every word must match a field, in any order.
    assert search(rep, "gibbons peter")["contacts"]
    assert not search(rep, "gibbons hopper")["contacts"]


def test_results_are_capped_per_kind_with_a_link_to_see_all(org):
    for n in range(12):
        lead_create(by=org.rep, last_name=f"Smith{n}")
    lead_create(by=org.rep, last_name="Jones")
    assert len(search(org.rep, "smith")["leads"]) == 10
    assert len(search(org.rep, "smith", limit=3)["leads"]) == 3
    html = signed_in(org.rep).get("/search/?q=smith").content.decode()
    assert len(re.findall(r'href="/leads/\d+/"', html)) == 10
    assert 'href="/leads/?q=smith"' in html
    few = signed_in(org.rep).get("/search/?q=jones").content.decode()
    assert "/leads/?q=jones" not in few


def test_deals_are_found_by_their_name_or_their_accounts_word_by_word_newest_first(org):
    initech = account_create(by=org.rep, name="Initech Inc")
    hooli = account_create(by=org.rep, name="Hooli")
    deal = {
        name: opportunity_create(by=org.rep, account=account, name=name, close_date=TODAY)
        for name, account in [
            ("Initech renewal", initech),  # both its name and its account say initech
            ("Printers", initech),
            ("Hooli renewal", hooli),
            ("Initech referral", hooli),
            ("Nucleus", hooli),
        ]
    }

    def found(q, limit=10):
        return [d.name for d in search(org.rep, q, limit=limit)["opportunities"]]

    newest_first = ["Initech referral", "Printers", "Initech renewal"]
    assert found("initech") == newest_first  # each deal once, though both match
    assert found("initech", limit=2) == newest_first[:2]
    assert found("renewal hooli") == ["Hooli renewal"]  # one word each from name and account
    assert found("printers inc") == ["Printers"]
    assert found("in ref") == ["Initech referral"]  # 2 characters: the start of a field
    assert found("nucleus z") == []  # a 1-character word must be there too
    assert found("nucleus h") == ["Nucleus"]  # ... and may be in the account's name
    assert found("zzz initech") == []
    assert set(found("renewal")) == {"Initech renewal", "Hooli renewal"}
    assert deal["Nucleus"].pk not in [
        d.pk for d in search(org.other_rep, "nucleus")["opportunities"]
    ]


@pytest.mark.parametrize("window", [2, 5, 100])
def test_an_admins_search_in_two_steps_finds_the_same_newest_matches(org, monkeypatch, window):
    # PostgreSQL walks the newest ids only, then gathers older matches (index.newest); the
    # result must not depend on where that line falls. SQLite reads its index in one step.
    monkeypatch.setattr(index, "RECENT_IDS", window)
    initech = account_create(by=org.rep, name="Initech")
    hooli = account_create(by=org.other_rep, name="Hooli")
    for i in range(8):
        lead_create(by=org.rep if i % 2 else org.other_rep, last_name=f"Lovelace {i}")
        opportunity_create(
            by=org.admin,
            owner=org.rep,
            account=initech if i % 3 else hooli,
            name=f"Deal {i}",
            close_date=TODAY,
        )
        lead_create(by=org.rep, last_name=f"Hopper {i}")  # not found: ids between the matches
    leads = [f"Lovelace {i}" for i in reversed(range(8))]
    assert [str(r) for r in search(org.admin, "lovelace", limit=5)["leads"]] == leads[:5]
    assert [str(r) for r in search(org.admin, "lovelace")["leads"]] == leads
    deals = [d.name for d in search(org.admin, "initech")["opportunities"]]
    assert deals == [f"Deal {i}" for i in reversed(range(8)) if i % 3]
    assert search(org.admin, "zqxw") == {kind: [] for kind in search(org.admin, "zqxw")}


@pytest.mark.parametrize("q", ["", "a", " a ", "\x00a"])
def test_a_short_query_shows_a_hint_and_searches_nothing(
    org, world, q, django_assert_max_num_queries
):
    client = signed_in(org.admin)
    with django_assert_max_num_queries(2):  # the session and the user, no search
        response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert "Type at least 2 characters" in response.content.decode()
    assert search(org.admin, q) == {
        "leads": [],
        "contacts": [],
        "accounts": [],
        "opportunities": [],
    }


def test_odd_input_is_harmless(org, world):
    client = signed_in(org.rep)
    for q in [
        "%",
        "_",
        "rob\x00",
        "' OR 1=1 --",
        "<script>x</script>",
        "x" * 5000,
        "a b c d e f g",
    ]:
        response = client.get("/search/", {"q": q})
        assert response.status_code == 200
        assert "<script>x</script>" not in response.content.decode()
    # Wildcards are matched literally, not as patterns.
    assert search(org.rep, "%%")["leads"] == [] and search(org.rep, "__")["leads"] == []


def test_htmx_gets_just_the_results(org, world):
    response = signed_in(org.rep).get("/search/?q=rob", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="search-results"') and "<html" not in html


def test_the_top_bar_search_box_goes_to_this_page(org):
    html = signed_in(org.rep).get("/search/?q=robert").content.decode()
    assert 'id="global-search"' in html and 'value="robert"' in html


def test_anonymous_is_sent_to_sign_in(db):
    response = Client().get("/search/?q=rob")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_post_is_refused(org):
    assert signed_in(org.rep).post("/search/", {"q": "rob"}).status_code == 405


@pytest.mark.parametrize("viewer", ["rep", "manager", "admin"])
def test_search_query_count_is_pinned_and_does_not_grow(
    org, world, viewer, django_assert_max_num_queries
):
    client = signed_in(getattr(org, viewer))
    url = "/search/?q=ob"  # every record of rob (and otto, for the admin)
    # Session, user, subtree, its people, one per kind. An admin's search on PostgreSQL asks
    # for each kind's newest id, then per kind for the recent matches and, only when they are
    # fewer than ten, for older ones (search.index.newest): at most 11.
    two_steps = viewer == "admin" and connection.vendor == "postgresql"
    most = 11 if two_steps else 8
    with django_assert_max_num_queries(most):
        assert client.get(url).status_code == 200
    before = queries(client, url)
    for n in range(12):
        records_of(org.rep, tag=f"rob{n}")
    after = queries(client, url)
    assert after == before or two_steps and after < before  # more matches: one step enough


@pytest.mark.parametrize("viewer", ["rep", "manager", "admin"])
def test_the_search_page_query_count_is_pinned(org, world, viewer):
    """Every kind found, rendered with its owner, account and stage: no query per result.

    The session and the user, then one query per kind; a manager's team adds two (the team
    tree and its people); on PostgreSQL an admin's search asks the newest ids first, then
    looks below them for kinds with fewer than ten matches there (all four, on this data).
    """
    client = signed_in(getattr(org, viewer))
    expected = {"rep": 6, "manager": 8, "admin": 6}[viewer]
    if viewer == "admin" and connection.vendor == "postgresql":
        expected = 11
    assert queries(client, "/search/?q=rob") == expected
    page = client.get("/search/?q=rob").content.decode()
    for shown in ["Lead rob", "Contact rob", "Account-rob", "Deal-rob", "rob@lead.test"]:
        assert shown in page


@pytest.fixture
def threads(settings):
    """The global search's threads on (PostgreSQL), closed before the database is dropped."""
    settings.SEARCH_THREADS = 3
    yield
    site_search.stop_threads()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's threads")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewer", ["rep", "manager", "admin"])
def test_outside_a_transaction_the_kinds_run_at_once_and_find_the_same(
    org, world, viewer, threads, monkeypatch
):
    user = getattr(org, viewer)
    alone = {q: owners_found(user, q) for q in ("lead", "contact", "account-", "deal-")}
    ran_on = []
    newest = index.newest

    def recording(queryset, *args, **kwargs):
        ran_on.append(threading.current_thread().name)
        return newest(queryset, *args, **kwargs)

    monkeypatch.setattr(index, "newest", recording)
    for q, found in alone.items():
        assert owners_found(user, q) == found
    # Each search: one kind on the request's thread, three on the pool's.
    assert len(ran_on) == 16 and ran_on.count(threading.current_thread().name) == 4
    assert all(name.startswith("search") for name in ran_on if name != ran_on[0])
    assert found["opportunities"] == SEES[viewer]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's threads")
@pytest.mark.django_db(transaction=True)
def test_a_failure_in_a_search_thread_reaches_the_request(org, world, threads, monkeypatch):
    newest = index.newest

    def failing(queryset, *args, **kwargs):
        if queryset.model is Contact:
            raise RuntimeError("contacts failed")
        return newest(queryset, *args, **kwargs)

    monkeypatch.setattr(index, "newest", failing)
    with pytest.raises(RuntimeError, match="contacts failed"):
        search(org.rep, "contact")


def test_inside_a_transaction_the_kinds_run_one_after_another(org, world, settings, monkeypatch):
    settings.SEARCH_THREADS = 3
    ran_on = set()
    newest = index.newest

    def recording(queryset, *args, **kwargs):
        ran_on.add(threading.current_thread().name)
        return newest(queryset, *args, **kwargs)

    monkeypatch.setattr(index, "newest", recording)
    assert owners_found(org.manager, "contact")["contacts"] == SEES["manager"]
    assert ran_on == {threading.current_thread().name}
