import datetime
from decimal import Decimal

import pytest
from django.test import Client

from salestrack.accounts.models import Account
from salestrack.accounts.services import account_create, account_update, contact_create
from salestrack.opportunities.models import Stage
from salestrack.opportunities.services import opportunity_create, opportunity_move_stage
from tests.conftest import PASSWORD, signed_in

SOON = datetime.date.today() + datetime.timedelta(days=30)


@pytest.fixture
def account(org):
    return account_create(by=org.rep, name="Initech", website="initech.com", industry="Software")


VISIBILITY = [
    ("rep", 200),
    ("teammate", 404),
    ("other_rep", 404),
    ("manager", 200),
    ("region_manager", 200),
    ("admin", 200),
]


@pytest.mark.parametrize("who,status", VISIBILITY)
def test_account_page_visibility(org, account, who, status):
    assert signed_in(getattr(org, who)).get(f"/accounts/{account.pk}/").status_code == status


@pytest.mark.parametrize("who,status", VISIBILITY)
def test_account_edit_page_visibility(org, account, who, status):
    assert signed_in(getattr(org, who)).get(f"/accounts/{account.pk}/edit/").status_code == status


@pytest.mark.parametrize("who,sees", [(w, s == 200) for w, s in VISIBILITY])
def test_account_list_shows_only_visible_accounts(org, account, who, sees):
    page = signed_in(getattr(org, who)).get("/accounts/")
    assert page.status_code == 200
    assert (f"/accounts/{account.pk}/" in page.content.decode()) is sees


@pytest.mark.parametrize(
    "url", ["/accounts/", "/accounts/new/", "/accounts/1/", "/accounts/1/edit/"]
)
def test_anonymous_users_are_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_an_unknown_account_answers_404(org):
    assert signed_in(org.admin).get("/accounts/999999/").status_code == 404


def test_a_rep_sees_the_account_of_their_own_deal_read_only(org):
    theirs = account_create(by=org.other_rep, name="Globex")
    opportunity_create(
        by=org.admin, owner=org.rep, account=theirs, name="Globex pilot", close_date=SOON
    )
    client = signed_in(org.rep)
    page = client.get(f"/accounts/{theirs.pk}/")
    assert page.status_code == 200
    assert "read-only for you" in page.content.decode()
    assert f"/accounts/{theirs.pk}/edit/" not in page.content.decode()
    assert client.get(f"/accounts/{theirs.pk}/edit/").status_code == 403
    assert client.post(f"/accounts/{theirs.pk}/edit/", {"name": "Mine"}).status_code == 403
    assert signed_in(org.teammate).get(f"/accounts/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Globex"


def test_create_an_account_and_see_field_errors(org):
    client = signed_in(org.rep)
    bad = client.post("/accounts/new/", {"name": "", "owner": org.rep.pk})
    assert bad.status_code == 400
    assert "This field is required" in bad.content.decode()
    assert Account.objects.count() == 0
    good = client.post("/accounts/new/", {"name": "Umbrella", "owner": org.rep.pk})
    account = Account.objects.get()
    assert good.status_code == 302 and good.url == f"/accounts/{account.pk}/"
    assert (account.owner, account.type) == (org.rep, "prospect")


def test_a_rep_cannot_give_an_account_to_another_team(org):
    response = signed_in(org.rep).post("/accounts/new/", {"name": "X", "owner": org.other_rep.pk})
    assert response.status_code == 400
    assert Account.objects.count() == 0


def test_only_an_admin_sets_the_type(org, account):
    rep = signed_in(org.rep)
    assert 'name="type"' not in rep.get(f"/accounts/{account.pk}/edit/").content.decode()
    form = {"name": "Initech", "owner": org.rep.pk, "type": "former", "version": account.version}
    assert rep.post(f"/accounts/{account.pk}/edit/", form).status_code == 302
    account.refresh_from_db()
    assert account.type == "prospect"
    admin = signed_in(org.admin)
    form["version"] = account.version
    assert admin.post(f"/accounts/{account.pk}/edit/", form).status_code == 302
    account.refresh_from_db()
    assert account.type == "former"


def test_an_account_cannot_be_its_own_ancestor(org, account):
    child = account_create(by=org.rep, name="Initech Europe", parent=account)
    response = signed_in(org.rep).post(
        f"/accounts/{account.pk}/edit/",
        {"name": "Initech", "owner": org.rep.pk, "parent": child.pk, "version": account.version},
    )
    assert response.status_code == 400
    assert "own parent or ancestor" in response.content.decode()
    account.refresh_from_db()
    assert account.parent is None


def test_a_stale_edit_shows_the_conflict_with_both_values(org, account):
    form = {"name": "Mine Inc", "owner": org.rep.pk, "version": account.version}
    account_update(account=account, by=org.manager, name="Theirs Ltd")
    response = signed_in(org.rep).post(f"/accounts/{account.pk}/edit/", form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this record" in html
    assert "Mine Inc" in html and "Theirs Ltd" in html
    assert f'name="version" value="{account.version + 1}"' in html
    account.refresh_from_db()
    assert account.name == "Theirs Ltd"


def test_the_account_page_groups_deals_with_totals(org, account, lost_reasons):
    stages = {s.name: s for s in Stage.objects.filter(pipeline__is_default=True)}
    for amount in (100, 200):
        opportunity_create(
            by=org.rep,
            account=account,
            name=f"Open {amount}",
            amount=Decimal(amount),
            close_date=SOON,
        )
    won = opportunity_create(
        by=org.rep, account=account, name="Won one", amount=Decimal(1000), close_date=SOON
    )
    opportunity_move_stage(opportunity=won, by=org.rep, stage=stages["Closed won"])
    opportunity_create(
        by=org.rep,
        account=account,
        name="Lost one",
        amount=Decimal(50),
        close_date=SOON,
        stage=stages["Closed lost"],
        lost_reason=lost_reasons["Price"],
    )
    # Someone else's deal on the same account stays out of the rep's totals.
    opportunity_create(
        by=org.admin, owner=org.other_rep, account=account, name="Hidden", close_date=SOON
    )
    contact_create(by=org.rep, last_name="Gibbons", account=account)
    parent = account_create(by=org.rep, name="Initech Holding")
    account_update(account=account, by=org.rep, parent=parent)
    account_create(by=org.rep, name="Initech Labs", parent=account)

    page = signed_in(org.rep).get(f"/accounts/{account.pk}/")
    totals = {g.key: (g.count, g.amount) for g in page.context["groups"]}
    assert totals == {"open": (2, 300), "won": (1, 1000), "lost": (1, 50)}
    html = page.content.decode()
    assert "Hidden" not in html
    assert "Gibbons" in html and "Initech Holding" in html and "Initech Labs" in html
    assert "customer since" in html  # the won deal made it a customer
    assert f"/opportunities/new/?account={account.pk}" in html


def test_the_account_page_says_what_to_do_when_empty(org, account):
    html = signed_in(org.rep).get(f"/accounts/{account.pk}/").content.decode()
    assert "No contacts yet." in html and "No open opportunities." in html


def test_bulk_assign_only_touches_writable_rows(org, account):
    theirs = account_create(by=org.other_rep, name="Other")
    client = signed_in(org.manager)
    client.post(
        "/accounts/bulk/",
        {"action": "assign", "ids": [account.pk, theirs.pk], "owner": org.teammate.pk},
    )
    account.refresh_from_db()
    assert account.owner == org.rep
    client.post(
        "/accounts/bulk/", {"action": "assign", "ids": [account.pk], "owner": org.teammate.pk}
    )
    account.refresh_from_db()
    assert account.owner == org.teammate


def test_bulk_has_no_status_action(org, account):
    response = signed_in(org.rep).post(
        "/accounts/bulk/", {"action": "status", "ids": [account.pk], "status": "customer"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.type == "prospect"


def test_bulk_delete_needs_confirmation_and_keeps_accounts_with_deals(org, account):
    busy = account_create(by=org.rep, name="Busy")
    opportunity_create(by=org.rep, account=busy, name="Deal", close_date=SOON)
    client = signed_in(org.rep)
    client.post("/accounts/bulk/", {"action": "delete", "ids": [account.pk]})
    assert Account.objects.filter(pk=account.pk).exists()
    response = client.post(
        "/accounts/bulk/",
        {"action": "delete", "ids": [account.pk, busy.pk], "confirm": "on"},
        follow=True,
    )
    html = response.content.decode()
    assert "1 account deleted." in html and "Skipped 1 account:" in html
    assert not Account.objects.filter(pk=account.pk).exists()
    assert Account.objects.filter(pk=busy.pk).exists()


def test_list_filters_and_search(org, account):
    account_create(by=org.rep, name="Hooli")
    client = signed_in(org.rep)
    html = client.get("/accounts/?q=initech").content.decode()
    assert "Initech" in html and "Hooli" not in html
    assert "Hooli" not in client.get(f"/accounts/?team={org.team_b.pk}").content.decode()
    assert "Hooli" in client.get(f"/accounts/?owner={org.rep.pk}&sort=name").content.decode()
    assert "Hooli" in client.get("/accounts/?view=mine&type=prospect").content.decode()
    bad = client.get("/accounts/?type=royal")
    assert bad.status_code == 200 and "Some filters are not valid" in bad.content.decode()
    partial = client.get("/accounts/?q=hooli", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Hooli" in partial


def test_log_a_call_on_an_account(org, account):
    page = signed_in(org.rep).get(f"/accounts/{account.pk}/").content.decode()
    assert f'name="account" value="{account.pk}"' in page
    response = signed_in(org.rep).post(
        "/activities/log/",
        {"account": account.pk, "kind": "call", "subject": "Intro call"},
        HTTP_HX_REQUEST="true",
    )
    assert "Intro call" in response.content.decode()


def test_wrong_methods_answer_405(org, account):
    client = signed_in(org.rep)
    assert client.post("/accounts/").status_code == 405
    assert client.post(f"/accounts/{account.pk}/").status_code == 405
    assert client.get("/accounts/bulk/").status_code == 405


def test_csrf_is_enforced(org, account):
    client = Client(enforce_csrf_checks=True)
    client.login(username="rob", password=PASSWORD)
    response = client.post(
        f"/accounts/{account.pk}/edit/",
        {"name": "Changed", "owner": org.rep.pk, "version": account.version},
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.name == "Initech"


def test_account_list_query_count_does_not_grow_with_rows(org, django_assert_max_num_queries):
    for i in range(60):
        account_create(by=org.rep, name=f"A{i}")
    client = signed_in(org.manager)
    with django_assert_max_num_queries(8):
        page = client.get("/accounts/?sort=name")
    assert len(page.context["rows"]) == 50
    with django_assert_max_num_queries(8):
        client.get(f"/accounts/?sort=name&after={page.context['page'].next}")


@pytest.mark.parametrize("deals", [1, 30])
def test_account_page_query_count_does_not_grow_with_rows(
    org, account, deals, django_assert_max_num_queries
):
    account_update(account=account, by=org.rep, parent=account_create(by=org.rep, name="Group"))
    for i in range(deals):
        contact = contact_create(by=org.rep, last_name=f"C{i}", account=account)
        opportunity_create(
            by=org.rep, account=account, contact=contact, name=f"D{i}", close_date=SOON
        )
        account_create(by=org.rep, name=f"Sub {i}", parent=account)
    client = signed_in(org.manager)
    # 17: the timeline names the new parent, looked up among the accounts the manager sees,
    # and the totals name the company's currency.
    with django_assert_max_num_queries(17):
        assert client.get(f"/accounts/{account.pk}/").status_code == 200


def test_a_shared_accounts_timeline_hides_calls_on_deals_the_rep_cannot_see(org):
    import datetime

    from salestrack.accounts.services import account_create
    from salestrack.activities.services import activity_log
    from salestrack.opportunities.services import opportunity_create

    soon = datetime.date.today() + datetime.timedelta(days=10)
    account = account_create(by=org.other_rep, name="Shared Co")
    mine = opportunity_create(
        by=org.admin, owner=org.rep, account=account, name="Mine", close_date=soon
    )
    theirs = opportunity_create(by=org.other_rep, account=account, name="Theirs", close_date=soon)
    activity_log(by=org.rep, kind="call", subject="My call on my deal", opportunity=mine)
    activity_log(by=org.other_rep, kind="call", subject="Secret pricing call", opportunity=theirs)
    client = Client()
    client.force_login(org.rep)
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "My call on my deal" in page
    assert "Secret pricing call" not in page
