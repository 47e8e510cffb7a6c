import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from salestrack.accounts.models import Account
from salestrack.accounts.services import account_create, contact_create
from salestrack.opportunities import services as deal_services
from salestrack.opportunities.models import Opportunity, Pipeline, Stage
from salestrack.opportunities.services import (
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
)
from tests.conftest import PASSWORD, signed_in

SOON = datetime.date.today() + datetime.timedelta(days=30)


@pytest.fixture
def stages(db):
    return {s.name: s for s in Stage.objects.filter(pipeline__is_default=True)}


@pytest.fixture
def account(org):
    return account_create(by=org.rep, name="Initech")


@pytest.fixture
def deal(org, account):
    return opportunity_create(
        by=org.rep, account=account, name="Initech renewal", amount=Decimal("5000"), close_date=SOON
    )


VISIBILITY = [
    ("rep", 200),
    ("teammate", 404),
    ("other_rep", 404),
    ("manager", 200),
    ("region_manager", 200),
    ("admin", 200),
]


@pytest.mark.parametrize("who,status", VISIBILITY)
def test_opportunity_page_visibility(org, deal, who, status):
    assert signed_in(getattr(org, who)).get(f"/opportunities/{deal.pk}/").status_code == status


@pytest.mark.parametrize("who,status", VISIBILITY)
def test_opportunity_edit_page_visibility(org, deal, who, status):
    response = signed_in(getattr(org, who)).get(f"/opportunities/{deal.pk}/edit/")
    assert response.status_code == status


@pytest.mark.parametrize("who,status", VISIBILITY)
def test_only_those_who_see_a_deal_move_it(org, deal, stages, who, status):
    response = signed_in(getattr(org, who)).post(
        f"/opportunities/{deal.pk}/stage/", {"stage": stages["Proposal"].pk}
    )
    assert response.status_code == (302 if status == 200 else 404)
    deal.refresh_from_db()
    assert (deal.stage == stages["Proposal"]) is (status == 200)


@pytest.mark.parametrize("who,sees", [(w, s == 200) for w, s in VISIBILITY])
def test_opportunity_list_shows_only_visible_deals(org, deal, who, sees):
    page = signed_in(getattr(org, who)).get("/opportunities/")
    assert page.status_code == 200
    assert (f"/opportunities/{deal.pk}/" in page.content.decode()) is sees


@pytest.mark.parametrize(
    "url",
    ["/opportunities/", "/opportunities/new/", "/opportunities/1/", "/opportunities/1/edit/"],
)
def test_anonymous_users_are_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_anonymous_users_cannot_move_a_deal(org, deal, stages):
    response = Client().post(f"/opportunities/{deal.pk}/stage/", {"stage": stages["Proposal"].pk})
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_an_unknown_deal_answers_404(org):
    client = signed_in(org.admin)
    assert client.get("/opportunities/999999/").status_code == 404
    assert client.post("/opportunities/999999/stage/", {"stage": 1}).status_code == 404
    assert client.post("/opportunities/999999/snooze/", {}).status_code == 404


def test_the_record_page_shows_the_deal(org, deal, account):
    contact = contact_create(by=org.rep, last_name="Gibbons", account=account)
    opportunity_update(opportunity=deal, by=org.rep, contact=contact, next_step="Send quote")
    html = signed_in(org.rep).get(f"/opportunities/{deal.pk}/").content.decode()
    assert f"/accounts/{account.pk}/" in html and f"/contacts/{contact.pk}/" in html
    assert "Prospecting" in html and "10%" in html and "Pipeline" in html
    assert "New business" in html and "Send quote" in html and "5,000 USD" in html
    assert f'name="opportunity" value="{deal.pk}"' in html  # the quick log form


def test_create_an_opportunity_from_an_account_page(org, account, stages):
    client = signed_in(org.rep)
    form = client.get(f"/opportunities/new/?account={account.pk}")
    assert form.context["form"]["account"].value() == str(account.pk)
    assert form.context["form"]["stage"].value() == stages["Prospecting"].pk
    bad = client.post(
        "/opportunities/new/", {"name": "", "account": account.pk, "close_date": "soon"}
    )
    assert bad.status_code == 400
    assert "This field is required" in bad.content.decode()
    assert "Enter a valid date" in bad.content.decode()
    assert Opportunity.objects.count() == 0
    good = client.post(
        "/opportunities/new/",
        {
            "name": "Initech pilot",
            "account": account.pk,
            "amount": "1200",
            "currency": "USD",
            "close_date": SOON.isoformat(),
            "stage": stages["Proposal"].pk,
            "owner": org.rep.pk,
        },
    )
    deal = Opportunity.objects.get()
    assert good.status_code == 302 and good.url == f"/opportunities/{deal.pk}/"
    # Left blank, probability and category follow the stage.
    assert (deal.stage, deal.probability, deal.forecast_category) == (
        stages["Proposal"],
        60,
        "best_case",
    )


def test_a_typed_probability_overrides_the_stage_default(org, account, stages):
    signed_in(org.rep).post(
        "/opportunities/new/",
        {
            "name": "Sure thing",
            "account": account.pk,
            "amount": "10",
            "currency": "USD",
            "close_date": SOON.isoformat(),
            "stage": stages["Prospecting"].pk,
            "probability": "35",
            "owner": org.rep.pk,
        },
    )
    assert Opportunity.objects.get().probability == 35


def test_the_contact_must_be_at_the_account(org, account, stages):
    elsewhere = contact_create(
        by=org.rep, last_name="Elsewhere", account=account_create(by=org.rep, name="Other")
    )
    response = signed_in(org.rep).post(
        "/opportunities/new/",
        {
            "name": "Mixed up",
            "account": account.pk,
            "contact": elsewhere.pk,
            "amount": "10",
            "currency": "USD",
            "close_date": SOON.isoformat(),
            "stage": stages["Prospecting"].pk,
            "owner": org.rep.pk,
        },
    )
    assert response.status_code == 400
    assert "not at this opportunity" in response.content.decode()
    assert Opportunity.objects.count() == 0


def _edit_form(deal, **changes):
    form = {
        "name": deal.name,
        "account": deal.account_id,
        "amount": str(deal.amount),
        "currency": deal.currency,
        "close_date": deal.close_date.isoformat(),
        "probability": deal.probability,
        "forecast_category": deal.forecast_category,
        "owner": deal.owner_id,
        "version": deal.version,
    }
    return form | changes


def test_the_edit_form_has_no_stage_nor_lost_reason_and_ignores_them(org, deal, stages):
    client = signed_in(org.rep)
    form = client.get(f"/opportunities/{deal.pk}/edit/")
    assert "stage" not in form.context["form"].fields
    assert "lost_reason" not in form.content.decode()
    sent = _edit_form(deal, stage=stages["Closed won"].pk, lost_reason="Price", next_step="Call")
    assert client.post(f"/opportunities/{deal.pk}/edit/", sent).status_code == 302
    deal.refresh_from_db()
    assert (deal.next_step, deal.stage, deal.is_closed) == ("Call", stages["Prospecting"], False)


def test_a_cleared_probability_goes_back_to_the_stage_default(org, deal, stages):
    opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Negotiation"])
    deal.refresh_from_db()
    assert (deal.probability, deal.forecast_category) == (80, "commit")
    client = signed_in(org.rep)
    client.post(f"/opportunities/{deal.pk}/edit/", _edit_form(deal, probability=55))
    deal.refresh_from_db()
    assert deal.probability == 55
    client.post(f"/opportunities/{deal.pk}/edit/", _edit_form(deal, probability=""))
    deal.refresh_from_db()
    assert deal.probability == 80  # cleared: back to the stage's default


def test_a_stale_edit_shows_the_conflict_with_both_values(org, deal):
    form = _edit_form(deal, name="Mine")
    opportunity_update(opportunity=deal, by=org.manager, name="Theirs")
    response = signed_in(org.rep).post(f"/opportunities/{deal.pk}/edit/", form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this record" in html and "Mine" in html and "Theirs" in html
    deal.refresh_from_db()
    assert deal.name == "Theirs"


def test_winning_from_the_page_makes_the_account_a_customer(org, deal, stages, account):
    client = signed_in(org.rep)
    response = client.post(
        f"/opportunities/{deal.pk}/stage/",
        {"stage": stages["Closed won"].pk, "version": deal.version},
    )
    assert response.status_code == 302 and response.url == f"/opportunities/{deal.pk}/"
    deal.refresh_from_db()
    assert deal.is_won and deal.closed_date == datetime.date.today()
    account.refresh_from_db()
    assert account.type == Account.Type.CUSTOMER
    page = client.get(f"/opportunities/{deal.pk}/")
    assert page.context["stage_history"][0]["old"] == "Prospecting"
    assert page.context["stage_history"][0]["new"] == "Closed won"
    assert "Won: Initech renewal." in page.content.decode()


def test_a_stage_of_another_pipeline_is_refused(org, deal):
    other = Pipeline.objects.create(name="Renewals")
    stage = Stage.objects.create(
        pipeline=other, name="Renew", position=1, probability=50, forecast_category="pipeline"
    )
    response = signed_in(org.rep).post(f"/opportunities/{deal.pk}/stage/", {"stage": stage.pk})
    assert response.status_code == 400
    assert "Choose an open or won stage of this deal" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage.name == "Prospecting" and deal.version == 1


def test_a_stale_move_answers_409_with_the_conflict_and_changes_nothing(org, deal, stages):
    version = deal.version
    opportunity_move_stage(opportunity=deal, by=org.manager, stage=stages["Qualification"])
    response = signed_in(org.rep).post(
        f"/opportunities/{deal.pk}/stage/", {"stage": stages["Proposal"].pk, "version": version}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this record" in html
    assert response.context["conflict"].differences == [("Stage", "Proposal", "Qualification")]
    # The page is as it is now: sent again from here, the move is based on the new version.
    assert f'name="version" value="{version + 1}"' in html
    deal.refresh_from_db()
    assert deal.stage == stages["Qualification"]


def _rot(deal):
    Opportunity.objects.filter(pk=deal.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=40)
    )


def test_snooze_a_rotting_deal(org, deal):
    client = signed_in(org.rep)
    assert "is rotting" not in client.get(f"/opportunities/{deal.pk}/").content.decode()
    _rot(deal)
    page = client.get(f"/opportunities/{deal.pk}/")
    assert page.context["rotting"] and "/snooze/" in page.content.decode()
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    bad = client.post(f"/opportunities/{deal.pk}/snooze/", {"until": yesterday, "reason": "x"})
    assert bad.status_code == 400 and "Snooze until a future date" in bad.content.decode()
    no_reason = client.post(f"/opportunities/{deal.pk}/snooze/", {"until": SOON, "reason": ""})
    assert no_reason.status_code == 400
    deal.refresh_from_db()
    assert deal.snoozed_until is None
    good = client.post(
        f"/opportunities/{deal.pk}/snooze/", {"until": SOON, "reason": "Budget in Q3"}
    )
    assert good.status_code == 302
    deal.refresh_from_db()
    assert (deal.snoozed_until, deal.snooze_reason) == (SOON, "Budget in Q3")
    page = client.get(f"/opportunities/{deal.pk}/")
    assert not page.context["rotting"] and "Budget in Q3" in page.content.decode()


def test_bulk_assign_and_delete(org, deal):
    theirs = opportunity_create(
        by=org.other_rep,
        account=account_create(by=org.other_rep, name="Other"),
        name="Other deal",
        close_date=SOON,
    )
    client = signed_in(org.manager)
    client.post(
        "/opportunities/bulk/",
        {"action": "assign", "ids": [deal.pk, theirs.pk], "owner": org.teammate.pk},
    )
    deal.refresh_from_db()
    assert deal.owner == org.rep
    client.post(
        "/opportunities/bulk/", {"action": "assign", "ids": [deal.pk], "owner": org.teammate.pk}
    )
    deal.refresh_from_db()
    assert deal.owner == org.teammate
    client.post("/opportunities/bulk/", {"action": "delete", "ids": [deal.pk]})
    assert Opportunity.objects.filter(pk=deal.pk).exists()
    client.post("/opportunities/bulk/", {"action": "delete", "ids": [deal.pk], "confirm": "on"})
    assert not Opportunity.objects.filter(pk=deal.pk).exists()


def test_list_filters(org, deal, account, stages):
    won = opportunity_create(
        by=org.rep, account=account, name="Won deal", amount=Decimal("700"), close_date=SOON
    )
    opportunity_move_stage(opportunity=won, by=org.rep, stage=stages["Closed won"])
    later = opportunity_create(
        by=org.rep,
        account=account_create(by=org.rep, name="Hooli"),
        name="Later deal",
        amount=Decimal("300"),
        close_date=SOON + datetime.timedelta(days=100),
        source="web",
    )
    client = signed_in(org.rep)

    def names(query):
        return {d.name for d in client.get(f"/opportunities/?{query}").context["rows"]}

    assert names("status=won") == {"Won deal"}
    assert names("status=open") == {deal.name, later.name}
    assert names("status=lost") == set()
    assert names(f"stage={stages['Prospecting'].pk}") == {deal.name, later.name}
    assert names(f"pipeline={deal.pipeline_id}&source=web") == {"Later deal"}
    assert names(f"close_date_to={SOON.isoformat()}") == {deal.name, "Won deal"}
    assert names("account_name=hoo") == {"Later deal"}
    assert names(f"account_id={account.pk}&q=renewal") == {deal.name}
    assert [d.name for d in client.get("/opportunities/?sort=-amount").context["rows"]] == [
        deal.name,
        "Won deal",
        "Later deal",
    ]
    bad = client.get("/opportunities/?status=maybe")
    assert bad.status_code == 200 and "Some filters are not valid" in bad.content.decode()


def test_the_list_says_what_to_do_when_empty(org):
    html = signed_in(org.rep).get("/opportunities/").content.decode()
    assert "No opportunities match." in html and "/opportunities/new/" in html


def test_wrong_methods_answer_405(org, deal):
    client = signed_in(org.rep)
    assert client.post("/opportunities/").status_code == 405
    assert client.get("/opportunities/bulk/").status_code == 405
    assert client.get(f"/opportunities/{deal.pk}/stage/").status_code == 405
    assert client.get(f"/opportunities/{deal.pk}/snooze/").status_code == 405


def test_csrf_is_enforced(org, deal, stages):
    client = Client(enforce_csrf_checks=True)
    client.login(username="rob", password=PASSWORD)
    response = client.post(f"/opportunities/{deal.pk}/stage/", {"stage": stages["Closed won"].pk})
    assert response.status_code == 403
    deal.refresh_from_db()
    assert not deal.is_closed


def test_opportunity_list_query_count_does_not_grow_with_rows(
    org, account, django_assert_max_num_queries
):
    for i in range(60):
        opportunity_create(by=org.rep, account=account, name=f"D{i}", close_date=SOON)
    client = signed_in(org.manager)
    with django_assert_max_num_queries(10):
        page = client.get("/opportunities/?sort=amount")
    assert len(page.context["rows"]) == 50
    with django_assert_max_num_queries(10):
        client.get(f"/opportunities/?sort=amount&after={page.context['page'].next}")


def test_a_bulk_change_takes_the_deals_account_by_account(org, account, monkeypatch):
    """A deal's change locks its account before the deal (deals.services._lock_account_first):
    in account order, two bulk changes at once never wait for each other in a circle."""
    other = account_create(by=org.rep, name="Other")
    deals = [
        opportunity_create(by=org.rep, account=a, name=f"Deal {n}", close_date=SOON)
        for n, a in enumerate([other, account, other, account])
    ]
    accounts = []

    def update(**kwargs):
        accounts.append(kwargs["opportunity"].account_id)
        return opportunity_update(**kwargs)

    monkeypatch.setattr(deal_services, "opportunity_update", update)
    ids = [deal.pk for deal in deals]
    signed_in(org.manager).post(
        "/opportunities/bulk/", {"action": "assign", "ids": ids, "owner": org.teammate.pk}
    )
    assert accounts == [account.pk, account.pk, other.pk, other.pk]
    assert set(Opportunity.objects.filter(pk__in=ids).values_list("owner", flat=True)) == {
        org.teammate.pk
    }


# The stage bar, Won, Lost and Reopen

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_stage_bar_marks_passed_current_and_ahead_stages(org, deal, stages):
    opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Needs analysis"])
    page = signed_in(org.rep).get(f"/opportunities/{deal.pk}/")
    states = {s.name: s.state for s in page.context["open_stages"]}
    assert states == {
        "Prospecting": "passed",
        "Qualification": "passed",
        "Needs analysis": "current",
        "Proposal": "ahead",
        "Negotiation": "ahead",
    }
    html = page.content.decode()
    assert html.count('aria-current="step"') == 1
    assert f'name="stage" value="{stages["Proposal"].pk}"' in html
    assert f'form="stage-bar" name="stage" value="{stages["Closed won"].pk}">Won<' in html
    assert f"/opportunities/{deal.pk}/lose/" in html
    # The bare stage select and the lost reason box are gone.
    assert "<select" not in html.split('id="timeline"')[0].split("quick-log")[0]
    assert 'name="lost_reason"' not in html


def test_a_stage_bar_move_with_htmx_answers_the_page_and_a_toast(org, deal, stages):
    response = signed_in(org.rep).post(
        f"/opportunities/{deal.pk}/stage/",
        {"stage": stages["Proposal"].pk, "version": deal.version},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Moved to Proposal." in response["HX-Trigger"]
    assert 'id="deal"' in response.content.decode()
    deal.refresh_from_db()
    assert (deal.stage, deal.probability, deal.version) == (stages["Proposal"], 60, 2)


def test_a_lost_stage_is_not_taken_from_the_stage_bar(org, deal, stages):
    response = signed_in(org.rep).post(
        f"/opportunities/{deal.pk}/stage/", {"stage": stages["Closed lost"].pk}
    )
    assert response.status_code == 400
    assert "lost with a reason, from its Lost button" in response.content.decode()
    deal.refresh_from_db()
    assert not deal.is_closed and deal.version == 1


@pytest.mark.parametrize("bad", ["", "abc", "999999"])
def test_a_missing_or_unknown_stage_is_refused(org, deal, bad):
    response = signed_in(org.rep).post(f"/opportunities/{deal.pk}/stage/", {"stage": bad})
    assert response.status_code == 400
    deal.refresh_from_db()
    assert deal.version == 1


def test_a_won_deal_shows_its_outcome_and_reopens_where_it_closed(org, deal, stages):
    opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Proposal"])
    opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Closed won"])
    client = signed_in(org.rep)
    page = client.get(f"/opportunities/{deal.pk}/")
    html = page.content.decode()
    assert "Won on" in html and "Reopen in Proposal" in html
    assert ">Won</button>" not in html and ">Lost</a>" not in html
    assert 'name="close_date"' not in html  # the planned date is still ahead
    deal.refresh_from_db()
    response = client.post(
        f"/opportunities/{deal.pk}/stage/",
        {"stage": stages["Proposal"].pk, "version": deal.version},
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.is_closed, deal.close_date) == (stages["Proposal"], False, SOON)
    assert "Reopened in Proposal." in client.get(f"/opportunities/{deal.pk}/").content.decode()


def test_reopening_after_the_planned_date_asks_for_a_new_one(org, deal, stages, lost_reasons):
    past = datetime.date.today() - datetime.timedelta(days=2)
    deal = opportunity_update(opportunity=deal, by=org.rep, close_date=past)
    deal = opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages["Closed lost"], lost_reason=lost_reasons["Price"]
    )
    client = signed_in(org.rep)
    html = client.get(f"/opportunities/{deal.pk}/").content.decode()
    assert 'name="close_date"' in html and "Reopen in Prospecting" in html
    url = f"/opportunities/{deal.pk}/stage/"
    stage = stages["Prospecting"].pk
    refused = client.post(url, {"stage": stage, "version": deal.version})
    assert refused.status_code == 400 and "give a new one to reopen" in refused.content.decode()
    new = SOON + datetime.timedelta(days=10)
    response = client.post(url, {"stage": stage, "version": deal.version, "close_date": new})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.is_closed, deal.close_date, deal.lost_reason) == (False, new, None)


def test_the_lost_dialog_offers_the_active_reasons_in_order(org, deal, lost_reasons):
    lost_reasons["Timing"].is_active = False
    lost_reasons["Timing"].save()
    response = signed_in(org.rep).get(f"/opportunities/{deal.pk}/lose/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="dialog-body">' in html and "<html" not in html
    assert "Price" in html and "Other" in html and "Timing" not in html
    assert html.index("Price") < html.index("Competitor") < html.index(">Other<")
    assert "Required for Other." in html
    full = signed_in(org.rep).get(f"/opportunities/{deal.pk}/lose/")
    assert "<html" in full.content.decode()  # without JavaScript, a page of its own


@pytest.mark.parametrize(
    "sent,field",
    [
        ({}, "Choose why the deal was lost."),
        ({"lost_reason": "999999"}, "Choose a reason from the list."),
        ({"lost_reason": "x"}, "Choose a reason from the list."),
        ({"lost_reason": "Other"}, "Choose a reason from the list."),
        ({"lost_reason": "<Other>", "lost_reason_detail": "  "}, "Other needs a detail."),
        ({"lost_reason": "<Timing>"}, "Choose a reason from the list."),  # retired
        ({"lost_reason": "<Price>", "lost_reason_detail": "x" * 201}, "at most 200"),
    ],
)
def test_losing_without_a_good_reason_is_refused_and_changes_nothing(
    org, deal, lost_reasons, sent, field
):
    lost_reasons["Timing"].is_active = False
    lost_reasons["Timing"].save()
    data = {"version": deal.version}
    for key, value in sent.items():
        data[key] = lost_reasons[value[1:-1]].pk if value.startswith("<") else value
    response = signed_in(org.rep).post(f"/opportunities/{deal.pk}/lose/", data, **HTMX)
    assert response.status_code == 400
    assert field in response.content.decode()
    deal.refresh_from_db()
    assert (deal.is_closed, deal.version, deal.lost_reason) == (False, 1, None)


def test_losing_with_other_and_a_detail_closes_the_deal(org, deal, stages, lost_reasons):
    client = signed_in(org.rep)
    other = lost_reasons["Other"]
    response = client.post(
        f"/opportunities/{deal.pk}/lose/",
        {"lost_reason": other.pk, "lost_reason_detail": " Merged with a client ", "version": 1},
        **HTMX,
    )
    assert response.status_code == 200 and response["HX-Redirect"] == f"/opportunities/{deal.pk}/"
    deal.refresh_from_db()
    assert (deal.stage, deal.is_closed, deal.is_won) == (stages["Closed lost"], True, False)
    assert (deal.lost_reason, deal.lost_reason_detail) == (other, "Merged with a client")
    html = client.get(f"/opportunities/{deal.pk}/").content.decode()
    assert "Lost: Other." in html  # the toast
    assert "Lost on" in html and "Other</strong>" not in html
    assert ": Other — Merged with a client" in html and "Reopen in Prospecting" in html
    assert "Change reason" in html


def test_a_lost_deal_changes_its_reason_in_the_same_dialog(org, deal, stages, lost_reasons):
    deal = opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages["Closed lost"], lost_reason=lost_reasons["Price"]
    )
    response = signed_in(org.rep).post(
        f"/opportunities/{deal.pk}/lose/",
        {"lost_reason": lost_reasons["Competitor"].pk, "version": deal.version},
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.lost_reason, deal.stage) == (lost_reasons["Competitor"], stages["Closed lost"])


def test_a_stale_loss_answers_409_and_keeps_the_choice(org, deal, stages, lost_reasons):
    opportunity_move_stage(opportunity=deal, by=org.manager, stage=stages["Proposal"])
    client = signed_in(org.rep)
    sent = {"lost_reason": lost_reasons["Price"].pk, "version": 1}
    response = client.post(f"/opportunities/{deal.pk}/lose/", sent, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this record" in html
    assert f'<option value="{lost_reasons["Price"].pk}" selected>' in html
    assert 'name="version" value="2"' in html
    deal.refresh_from_db()
    assert (deal.stage, deal.is_closed) == (stages["Proposal"], False)
    again = client.post(f"/opportunities/{deal.pk}/lose/", sent | {"version": 2}, **HTMX)
    assert again.status_code == 200
    deal.refresh_from_db()
    assert deal.is_closed and deal.lost_reason == lost_reasons["Price"]


@pytest.mark.parametrize("who,status", VISIBILITY)
def test_only_those_who_change_a_deal_lose_it(org, deal, lost_reasons, who, status):
    client = signed_in(getattr(org, who))
    assert client.get(f"/opportunities/{deal.pk}/lose/").status_code == status
    response = client.post(
        f"/opportunities/{deal.pk}/lose/", {"lost_reason": lost_reasons["Price"].pk}
    )
    assert response.status_code == (302 if status == 200 else 404)
    deal.refresh_from_db()
    assert deal.is_closed is (status == 200)


def test_anonymous_users_cannot_lose_a_deal(org, deal, lost_reasons):
    response = Client().post(
        f"/opportunities/{deal.pk}/lose/", {"lost_reason": lost_reasons["Price"].pk}
    )
    assert response.status_code == 302 and response.url.startswith("/login/")
    deal.refresh_from_db()
    assert not deal.is_closed


def test_the_deal_page_query_count_does_not_grow_with_its_history(
    org, deal, stages, lost_reasons, django_assert_max_num_queries
):
    client = signed_in(org.manager)
    url = f"/opportunities/{deal.pk}/"
    # Session, user, teams (visibility), the deal, its stages, stage history, rotting, the
    # timeline's entries and activities and the names they mention, the quick log's choices.
    with django_assert_max_num_queries(15):
        client.get(url)
    for stage in ["Qualification", "Proposal", "Negotiation", "Proposal", "Negotiation"]:
        deal = opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages[stage])
    opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages["Closed lost"], lost_reason=lost_reasons["Price"]
    )
    # And the lost deal's reason, and the reason's name where the timeline mentions it.
    with django_assert_max_num_queries(18):
        page = client.get(url)
    assert len(page.context["stage_history"]) == 7
