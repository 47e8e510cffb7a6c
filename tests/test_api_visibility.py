"""Who sees and changes what through the API (PRODUCT.md section 1, access/visibility.py).

The records are owned by `rep` (team Boston, managed by `manager`, under region East managed by
`region_manager`); `teammate` is in Boston too, `other_rep` in Denver, outside East.
"""

from types import SimpleNamespace

import pytest

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import opportunity_create

ROLES = ["rep", "teammate", "other_rep", "manager", "region_manager", "admin", "anonymous"]
# Who sees (and may change) the records `rep` owns.
SEES_REPS_RECORDS = {
    "rep": True,
    "teammate": False,
    "other_rep": False,
    "manager": True,
    "region_manager": True,
    "admin": True,
}
RECORDS = ["leads", "accounts", "contacts", "opportunities", "activities"]
# A harmless change per kind of record.
CHANGE = {
    "leads": {"title": "CTO"},
    "accounts": {"industry": "Retail"},
    "contacts": {"title": "CFO"},
    "opportunities": {"next_step": "Call back"},
    "activities": {"subject": "Call back"},
}
MODELS = {
    "leads": Lead,
    "accounts": Account,
    "contacts": Contact,
    "opportunities": Opportunity,
    "activities": Activity,
}


def client(org, as_user, role):
    return as_user(None if role == "anonymous" else getattr(org, role))


def counts():
    return {name: model.objects.count() for name, model in MODELS.items()}


@pytest.fixture
def owned(org, soon):
    """One record of each kind owned by `rep`, linked together."""
    lead = lead_create(by=org.rep, first_name="Lee", last_name="Mead", company="Hooli")
    account = account_create(by=org.rep, name="Hooli", website="hooli.com")
    contact = contact_create(by=org.rep, account=account, last_name="Belson")
    opportunity = opportunity_create(
        by=org.rep, account=account, contact=contact, name="Hooli deal", close_date=soon
    )
    activity = activity_log(by=org.rep, kind="call", subject="Intro call", lead=lead)
    return SimpleNamespace(
        leads=lead,
        accounts=account,
        contacts=contact,
        opportunities=opportunity,
        activities=activity,
    )


@pytest.fixture
def elsewhere(org, soon):
    """Records of `other_rep`, in another branch of the company."""
    lead = lead_create(by=org.other_rep, last_name="Faraway", company="Globex")
    account = account_create(by=org.other_rep, name="Globex", website="globex.com")
    contact = contact_create(by=org.other_rep, account=account, last_name="Scorpio")
    opportunity = opportunity_create(
        by=org.other_rep, account=account, contact=contact, name="Globex deal", close_date=soon
    )
    activity = activity_log(by=org.other_rep, kind="note", subject="Globex note", lead=lead)
    return SimpleNamespace(
        leads=lead,
        accounts=account,
        contacts=contact,
        opportunities=opportunity,
        activities=activity,
    )


def listed_ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


# The records of a rep, as each role sees them


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", RECORDS)
def test_list_and_detail_show_reps_records_to_who_may_see_them(org, as_user, owned, endpoint, role):
    api = client(org, as_user, role)
    record = getattr(owned, endpoint)
    listing = api.get(f"/api/v1/{endpoint}")
    detail = api.get(f"/api/v1/{endpoint}/{record.pk}")
    if role == "anonymous":
        assert (listing.status_code, detail.status_code) == (401, 401)
        assert listing.json()["error"]["code"] == "not_authenticated"
        return
    sees = SEES_REPS_RECORDS[role]
    assert (record.pk in listed_ids(listing)) is sees
    assert detail.status_code == (200 if sees else 404)
    if sees:
        assert detail.json()["id"] == record.pk
    else:
        # The same answer as for an id that does not exist.
        missing = api.get(f"/api/v1/{endpoint}/{record.pk + 1000}")
        assert detail.json() == missing.json()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", RECORDS)
def test_patch_is_allowed_to_who_may_see_it(org, as_user, owned, endpoint, role):
    record = getattr(owned, endpoint)
    model = type(record)
    before = model.objects.filter(pk=record.pk).values().get()
    response = client(org, as_user, role).patch(
        f"/api/v1/{endpoint}/{record.pk}", CHANGE[endpoint], format="json"
    )
    after = model.objects.filter(pk=record.pk).values().get()
    if role == "anonymous":
        assert response.status_code == 401
    elif SEES_REPS_RECORDS[role]:
        assert response.status_code == 200, response.json()
        assert after["version"] == before["version"] + 1
        assert after | CHANGE[endpoint] == after
        return
    else:
        assert response.status_code == 404
    assert after == before


def new_record_for_rep(endpoint, owned, org, soon):
    """What it takes to create each kind of record, owned by `rep`."""
    return {
        "leads": {"last_name": "Newman"},
        "accounts": {"name": "Initech"},
        "contacts": {"last_name": "Newman", "account_id": owned.accounts.pk},
        "opportunities": {
            "name": "Second deal",
            "account_id": owned.accounts.pk,
            "close_date": soon.isoformat(),
        },
        "activities": {"kind": "note", "subject": "Met at a fair", "lead_id": owned.leads.pk},
    }[endpoint] | {"owner_id": org.rep.pk}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", RECORDS)
def test_create_for_rep_is_allowed_to_who_may_assign_to_rep(
    org, as_user, owned, soon, endpoint, role
):
    before = counts()
    response = client(org, as_user, role).post(
        f"/api/v1/{endpoint}", new_record_for_rep(endpoint, owned, org, soon), format="json"
    )
    if role == "anonymous":
        assert response.status_code == 401
    elif SEES_REPS_RECORDS[role]:
        assert response.status_code == 201, response.json()
        assert response.json()["owner_id"] == org.rep.pk
        assert counts() == before | {endpoint: before[endpoint] + 1}
        return
    else:
        # Another rep may not give records to `rep` (nor link them to rep's records).
        assert response.status_code == 400
        assert "owner_id" in response.json()["error"]["fields"]
    assert counts() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "method, path, body, ok",
    [
        ("get", "/api/v1/leads/{owned.leads.pk}/matches", None, 200),
        ("post", "/api/v1/leads/{owned.leads.pk}/convert", {}, 201),
        ("post", "/api/v1/leads/{owned.leads.pk}/disqualify", {"reason": "No budget"}, 200),
        ("get", "/api/v1/opportunities/{owned.opportunities.pk}/history", None, 200),
    ],
    ids=["matches", "convert", "disqualify", "history"],
)
def test_actions_follow_the_visibility_of_their_record(
    org, as_user, owned, method, path, body, ok, role
):
    before = counts()
    api = client(org, as_user, role)
    path = path.format(owned=owned)
    response = api.get(path) if method == "get" else api.post(path, body, format="json")
    expected = 401 if role == "anonymous" else ok if SEES_REPS_RECORDS[role] else 404
    assert response.status_code == expected
    if expected != 201:
        assert counts() == before
    lead = Lead.objects.get(pk=owned.leads.pk)
    if expected not in (200, 201):
        assert (lead.status, lead.version) == ("new", 1)


@pytest.mark.parametrize("role", ["manager", "region_manager", "rep", "teammate"])
@pytest.mark.parametrize("endpoint", RECORDS)
def test_no_one_outside_the_branch_sees_other_reps_records(org, as_user, elsewhere, endpoint, role):
    api = client(org, as_user, role)
    record = getattr(elsewhere, endpoint)
    assert record.pk not in listed_ids(api.get(f"/api/v1/{endpoint}"))
    assert api.get(f"/api/v1/{endpoint}/{record.pk}").status_code == 404
    response = api.patch(f"/api/v1/{endpoint}/{record.pk}", CHANGE[endpoint], format="json")
    assert response.status_code == 404
    assert as_user(org.admin).get(f"/api/v1/{endpoint}/{record.pk}").status_code == 200


# The directory: users, teams and pipelines


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ["users", "teams", "pipelines"])
def test_every_signed_in_user_reads_the_directory(org, as_user, endpoint, role):
    api = client(org, as_user, role)
    listing = api.get(f"/api/v1/{endpoint}")
    if role == "anonymous":
        assert listing.status_code == 401
        assert api.get(f"/api/v1/{endpoint}/1").status_code == 401
        return
    ids = listed_ids(listing)
    assert ids
    one = min(ids)
    assert api.get(f"/api/v1/{endpoint}/{one}").status_code == 200
    assert api.get(f"/api/v1/{endpoint}/{max(ids) + 1000}").status_code == 404
    # Managed on pages by admins; the API only reads it.
    assert api.post(f"/api/v1/{endpoint}", {"name": "X"}, format="json").status_code == 405
    assert api.patch(f"/api/v1/{endpoint}/{one}", {"name": "X"}, format="json").status_code == 405


def test_users_list_shows_everyone_to_a_rep(org, as_user):
    ids = listed_ids(as_user(org.rep).get("/api/v1/users"))
    everyone = [org.admin, org.region_manager, org.manager, org.rep, org.teammate, org.other_rep]
    assert ids == {user.pk for user in everyone}


# Read-only visibility: accounts and contacts a rep's own opportunity touches


@pytest.fixture
def shared(org, soon, elsewhere):
    """`rep` sells to other_rep's account, with other_rep's contact as primary."""
    return opportunity_create(
        by=org.admin,
        owner=org.rep,
        account=elsewhere.accounts,
        contact=elsewhere.contacts,
        name="Globex for Boston",
        close_date=soon,
    )


@pytest.mark.parametrize(
    "role, read, write",
    [
        ("rep", 200, 403),
        ("teammate", 404, 404),
        ("manager", 200, 403),
        ("region_manager", 200, 403),
        ("other_rep", 200, 200),
        ("admin", 200, 200),
    ],
)
@pytest.mark.parametrize("endpoint", ["accounts", "contacts"])
def test_a_reps_opportunity_shows_its_account_and_contact_read_only(
    org, as_user, elsewhere, shared, endpoint, role, read, write
):
    api = client(org, as_user, role)
    record = getattr(elsewhere, endpoint)
    before = type(record).objects.filter(pk=record.pk).values().get()

    assert api.get(f"/api/v1/{endpoint}/{record.pk}").status_code == read
    assert (record.pk in listed_ids(api.get(f"/api/v1/{endpoint}"))) is (read == 200)
    response = api.patch(f"/api/v1/{endpoint}/{record.pk}", CHANGE[endpoint], format="json")
    assert response.status_code == write
    if write == 403:
        assert response.json()["error"]["code"] == "permission_denied"
    if write != 200:
        assert type(record).objects.filter(pk=record.pk).values().get() == before


def test_read_only_visibility_does_not_extend_to_the_other_reps_deals(
    org, as_user, elsewhere, shared
):
    api = as_user(org.rep)
    assert api.get(f"/api/v1/opportunities/{elsewhere.opportunities.pk}").status_code == 404
    filtered = api.get("/api/v1/opportunities", {"account_id": elsewhere.accounts.pk})
    assert listed_ids(filtered) == {shared.pk}
    assert api.get(f"/api/v1/leads/{elsewhere.leads.pk}").status_code == 404


def test_a_rep_does_not_see_calls_on_another_reps_deal_at_a_shared_account(
    org, as_user, elsewhere, shared
):
    call = activity_log(
        by=org.other_rep, kind="call", subject="Price talk", opportunity=elsewhere.opportunities
    )
    api = as_user(org.rep)
    assert api.get(f"/api/v1/activities/{call.pk}").status_code == 404
    assert call.pk not in listed_ids(api.get("/api/v1/activities"))


@pytest.mark.parametrize(
    "role, sees_shared",
    [
        ("rep", True),
        ("teammate", False),
        ("manager", True),
        ("region_manager", True),
        ("other_rep", True),
        ("admin", True),
    ],
)
def test_activities_at_a_shared_account_follow_the_deals_that_touch_it(
    org, as_user, elsewhere, shared, role, sees_shared
):
    """A rep (one owner) and a manager (several) are checked by different query shapes."""
    at_account = activity_log(
        by=org.other_rep, kind="note", subject="Visit", account=elsewhere.accounts
    )
    at_contact = activity_log(
        by=org.other_rep, kind="call", subject="Hello", contact=elsewhere.contacts
    )
    on_their_deal = activity_log(
        by=org.other_rep, kind="call", subject="Price", opportunity=elsewhere.opportunities
    )
    on_our_deal = activity_log(by=org.rep, kind="call", subject="Ours", opportunity=shared)
    expected = {
        at_account.pk: sees_shared,
        at_contact.pk: sees_shared,
        on_their_deal.pk: role in ("other_rep", "admin"),
        on_our_deal.pk: role in ("rep", "manager", "region_manager", "admin"),
    }
    api = client(org, as_user, role)
    listed = listed_ids(api.get("/api/v1/activities", {"page_size": 200}))
    assert {pk: pk in listed for pk in expected} == expected
    for pk, seen in expected.items():
        assert api.get(f"/api/v1/activities/{pk}").status_code == (200 if seen else 404)


# Creating or linking with ids the user may not use


@pytest.mark.parametrize(
    "endpoint, body, field",
    [
        ("leads", {"last_name": "Doe", "owner_id": "{org.other_rep.pk}"}, "owner_id"),
        ("leads", {"last_name": "Doe", "owner_id": "{org.teammate.pk}"}, "owner_id"),
        ("accounts", {"name": "Acme", "owner_id": "{org.other_rep.pk}"}, "owner_id"),
        ("accounts", {"name": "Acme", "parent_id": "{elsewhere.accounts.pk}"}, "parent_id"),
        ("contacts", {"last_name": "Doe", "account_id": "{elsewhere.accounts.pk}"}, "account_id"),
        ("contacts", {"last_name": "Doe", "owner_id": "{org.other_rep.pk}"}, "owner_id"),
        (
            "opportunities",
            {"name": "D", "close_date": "2030-01-01", "account_id": "{elsewhere.accounts.pk}"},
            "account_id",
        ),
        (
            "opportunities",
            {
                "name": "D",
                "close_date": "2030-01-01",
                "account_id": "{owned.accounts.pk}",
                "contact_id": "{elsewhere.contacts.pk}",
            },
            "contact_id",
        ),
        (
            "opportunities",
            {
                "name": "D",
                "close_date": "2030-01-01",
                "account_id": "{owned.accounts.pk}",
                "owner_id": "{org.other_rep.pk}",
            },
            "owner_id",
        ),
        (
            "activities",
            {"kind": "call", "subject": "S", "lead_id": "{elsewhere.leads.pk}"},
            "lead_id",
        ),
        (
            "activities",
            {"kind": "call", "subject": "S", "account_id": "{elsewhere.accounts.pk}"},
            "account_id",
        ),
        (
            "activities",
            {"kind": "call", "subject": "S", "contact_id": "{elsewhere.contacts.pk}"},
            "contact_id",
        ),
        (
            "activities",
            {"kind": "call", "subject": "S", "opportunity_id": "{elsewhere.opportunities.pk}"},
            "opportunity_id",
        ),
        (
            "activities",
            {
                "kind": "call",
                "subject": "S",
                "lead_id": "{owned.leads.pk}",
                "owner_id": "{org.other_rep.pk}",
            },
            "owner_id",
        ),
    ],
)
def test_creating_with_another_teams_ids_is_refused_and_creates_nothing(
    org, as_user, owned, elsewhere, endpoint, body, field
):
    body = {k: fill(v, org=org, owned=owned, elsewhere=elsewhere) for k, v in body.items()}
    before = counts()
    response = as_user(org.rep).post(f"/api/v1/{endpoint}", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert counts() == before


def fill(value, **names):
    """ "{owned.leads.pk}" -> that id; other values unchanged."""
    if isinstance(value, str) and value.startswith("{"):
        return int(value.format(**names))
    return value


@pytest.mark.parametrize(
    "endpoint, change, field",
    [
        ("leads", {"owner_id": "{org.other_rep.pk}"}, "owner_id"),
        ("accounts", {"parent_id": "{elsewhere.accounts.pk}"}, "parent_id"),
        ("contacts", {"account_id": "{elsewhere.accounts.pk}"}, "account_id"),
        ("opportunities", {"account_id": "{elsewhere.accounts.pk}"}, "account_id"),
        ("opportunities", {"contact_id": "{elsewhere.contacts.pk}"}, "contact_id"),
        ("activities", {"owner_id": "{org.other_rep.pk}"}, "owner_id"),
    ],
)
def test_moving_a_record_to_another_teams_ids_is_refused(
    org, as_user, owned, elsewhere, endpoint, change, field
):
    record = getattr(owned, endpoint)
    before = type(record).objects.filter(pk=record.pk).values().get()
    change = {k: fill(v, org=org, owned=owned, elsewhere=elsewhere) for k, v in change.items()}
    response = as_user(org.manager).patch(f"/api/v1/{endpoint}/{record.pk}", change, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert type(record).objects.filter(pk=record.pk).values().get() == before


def test_converting_onto_another_teams_account_is_refused(org, as_user, owned, elsewhere):
    before = counts()
    response = as_user(org.rep).post(
        f"/api/v1/leads/{owned.leads.pk}/convert",
        {"account_id": elsewhere.accounts.pk},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["account_id"]
    assert counts() == before
    assert Lead.objects.get(pk=owned.leads.pk).status == "new"


@pytest.mark.parametrize(
    "assignee, status", [("teammate", 200), ("manager", 200), ("other_rep", 400)]
)
def test_a_manager_reassigns_within_the_team_only(org, as_user, owned, assignee, status):
    response = as_user(org.manager).patch(
        f"/api/v1/leads/{owned.leads.pk}",
        {"owner_id": getattr(org, assignee).pk},
        format="json",
    )
    assert response.status_code == status
    expected_owner = getattr(org, assignee) if status == 200 else org.rep
    assert Lead.objects.get(pk=owned.leads.pk).owner == expected_owner


def test_a_rep_cannot_hand_a_lead_to_a_teammate(org, as_user, owned):
    response = as_user(org.rep).patch(
        f"/api/v1/leads/{owned.leads.pk}", {"owner_id": org.teammate.pk}, format="json"
    )
    assert response.status_code == 400
    assert "owner_id" in response.json()["error"]["fields"]
    assert Lead.objects.get(pk=owned.leads.pk).owner == org.rep


# Filters and search never reach past visibility


@pytest.mark.parametrize(
    "endpoint, params",
    [
        ("leads", {"owner_id": "{org.other_rep.pk}"}),
        ("leads", {"q": "Faraway"}),
        ("accounts", {"q": "Globex"}),
        ("contacts", {"account_id": "{elsewhere.accounts.pk}"}),
        ("contacts", {"q": "Scorpio"}),
        ("opportunities", {"owner_id": "{org.other_rep.pk}"}),
        ("opportunities", {"stage_id": "{elsewhere.opportunities.stage_id}"}),
        ("activities", {"lead_id": "{elsewhere.leads.pk}"}),
        ("activities", {"q": "Globex"}),
    ],
)
def test_filters_do_not_reveal_other_teams_records(org, as_user, elsewhere, endpoint, params):
    params = {k: fill(v, org=org, elsewhere=elsewhere) for k, v in params.items()}
    assert listed_ids(as_user(org.teammate).get(f"/api/v1/{endpoint}", params)) == set()
    # The same filter finds the record for whoever may see it.
    assert getattr(elsewhere, endpoint).pk in listed_ids(
        as_user(org.admin).get(f"/api/v1/{endpoint}", params)
    )


def test_matches_suggest_only_what_the_user_may_see(org, as_user, owned, elsewhere):
    lead = lead_create(by=org.rep, last_name="Gray", company="Globex", website="globex.com")
    mine = as_user(org.rep).get(f"/api/v1/leads/{lead.pk}/matches")
    assert mine.json() == {"accounts": [], "contacts": []}
    admins = as_user(org.admin).get(f"/api/v1/leads/{lead.pk}/matches")
    assert [m["id"] for m in admins.json()["accounts"]] == [elsewhere.accounts.pk]
