import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salestrack.accounts.models import Account
from salestrack.accounts.services import account_create
from salestrack.opportunities.models import Opportunity, Pipeline, Stage
from salestrack.opportunities.services import opportunity_create, opportunity_update
from tests.conftest import PASSWORD, analyzed

SOON = datetime.date.today() + datetime.timedelta(days=20)
HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def stages(db):
    return {s.name: s for s in Stage.objects.filter(pipeline__is_default=True)}


@pytest.fixture
def account(org):
    return account_create(by=org.rep, name="Umbrella")


@pytest.fixture
def deal(org, account):
    return opportunity_create(
        by=org.rep,
        account=account,
        name="Umbrella renewal",
        amount=Decimal("5000"),
        close_date=SOON,
    )


def make_deals(owner, account, count, stage=None, **fields):
    return [
        opportunity_create(
            by=owner,
            account=account,
            name=f"Deal {i:03}",
            amount=Decimal("100"),
            close_date=SOON + datetime.timedelta(days=i % 7),
            stage=stage,
            **fields,
        )
        for i in range(count)
    ]


def card_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="deal[^"]*" id="deal-(\d+)"', html)]


def column(response, stage) -> object:
    return next(c for c in response.context["columns"] if c.stage == stage)


# --- who sees what ---------------------------------------------------------------------------

VISIBILITY = [
    ("rep", True),
    ("teammate", False),
    ("other_rep", False),
    ("manager", True),
    ("region_manager", True),
    ("admin", True),
]


@pytest.mark.parametrize("who,sees", VISIBILITY)
def test_board_shows_only_visible_deals(org, deal, who, sees):
    page = signed_in(getattr(org, who)).get("/board/")
    assert page.status_code == 200
    assert (deal.pk in card_ids(page.content.decode())) is sees
    assert page.context["total"] == (1 if sees else 0)


@pytest.mark.parametrize("who,sees", VISIBILITY)
def test_show_more_shows_only_visible_deals(org, deal, who, sees):
    page = signed_in(getattr(org, who)).get(f"/board/column/{deal.stage_id}/", **HTMX)
    assert page.status_code == 200
    assert (deal.pk in card_ids(page.content.decode())) is sees


@pytest.mark.parametrize(
    "method,url", [("get", "/board/"), ("get", "/board/column/1/"), ("post", "/board/move/1/")]
)
def test_anonymous_users_are_sent_to_sign_in(db, method, url):
    response = getattr(Client(), method)(url)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_an_empty_board_says_what_to_do(org):
    html = signed_in(org.rep).get("/board/").content.decode()
    assert "No deals on this board." in html
    assert html.count('class="column"') == 7


# --- columns and totals ----------------------------------------------------------------------


def test_columns_follow_the_stages_with_counts_totals_and_weighted_totals(org, account, stages):
    opportunity_create(
        by=org.rep, account=account, name="A", amount=Decimal("1000"), close_date=SOON
    )
    opportunity_create(
        by=org.rep,
        account=account,
        name="B",
        amount=Decimal("2500.50"),
        close_date=SOON,
        probability=50,  # a rep's override counts, not the stage default
    )
    opportunity_create(
        by=org.rep,
        account=account,
        name="C",
        amount=Decimal("4000"),
        close_date=SOON,
        stage=stages["Proposal"],
    )
    page = signed_in(org.rep).get("/board/")
    assert [c.stage.name for c in page.context["columns"]] == list(stages)
    prospecting = column(page, stages["Prospecting"])
    assert prospecting.count == 2
    assert prospecting.amount == Decimal("3500.50")
    assert prospecting.weighted == Decimal("1000") * 10 / 100 + Decimal("2500.50") * 50 / 100
    proposal = column(page, stages["Proposal"])
    assert (proposal.count, proposal.amount, proposal.weighted) == (1, 4000, 2400)
    assert column(page, stages["Negotiation"]).count == 0
    html = page.content.decode()
    assert "3,500 USD" in html and "1,350 USD weighted" in html and "2,400 USD weighted" in html


def test_closed_columns_show_the_last_30_days_unless_asked(org, account, stages):
    won = make_deals(org.rep, account, 2, stage=stages["Closed won"])
    old = timezone.localdate() - datetime.timedelta(days=45)
    Opportunity.objects.filter(pk=won[0].pk).update(closed_date=old)
    client = signed_in(org.rep)
    page = client.get("/board/")
    assert card_ids(page.content.decode()) == [won[1].pk]
    assert column(page, stages["Closed won"]).count == 1
    assert "Closed in the last 30 days" in page.content.decode()
    everything = client.get("/board/?closed=all")
    assert sorted(card_ids(everything.content.decode())) == sorted(d.pk for d in won)
    assert "Closed in the last" not in everything.content.decode()


def test_filters_by_owner_team_and_view(org, stages):
    mine = make_deals(org.manager, account_create(by=org.manager, name="M"), 1)[0]
    reps = make_deals(org.rep, account_create(by=org.rep, name="R"), 1)[0]
    denver = make_deals(org.other_rep, account_create(by=org.other_rep, name="D"), 1)[0]
    manager = signed_in(org.manager)
    assert set(card_ids(manager.get("/board/").content.decode())) == {mine.pk, reps.pk}
    assert card_ids(manager.get("/board/?view=mine").content.decode()) == [mine.pk]
    by_owner = manager.get(f"/board/?view=team&owner={org.rep.pk}")
    assert card_ids(by_owner.content.decode()) == [reps.pk]
    admin = signed_in(org.admin)
    by_team = admin.get(f"/board/?team={org.team_b.pk}")
    assert card_ids(by_team.content.decode()) == [denver.pk]
    assert column(by_team, stages["Prospecting"]).count == 1


def test_a_bad_filter_says_so_and_shows_no_deals(org, deal):
    page = signed_in(org.rep).get("/board/?owner=abc&closed=forever")
    assert page.status_code == 200
    assert "Some filters are not valid" in page.content.decode()
    assert card_ids(page.content.decode()) == []


def test_filters_answer_the_board_alone_to_htmx(org, deal):
    page = signed_in(org.rep).get("/board/", **HTMX)
    html = page.content.decode()
    assert html.startswith('<div id="board">') and "<html" not in html
    assert card_ids(html) == [deal.pk]


def test_a_switcher_picks_the_pipeline_when_there_are_several(org, account, deal):
    renewals = Pipeline.objects.create(name="Renewals")
    stage = Stage.objects.create(
        pipeline=renewals, name="Due", position=1, probability=50, forecast_category="pipeline"
    )
    renewal = opportunity_create(
        by=org.rep, account=account, name="Renewal", close_date=SOON, stage=stage
    )
    client = signed_in(org.rep)
    default = client.get("/board/").content.decode()
    assert f"?pipeline={renewals.pk}" in default
    assert card_ids(default) == [deal.pk]
    page = client.get(f"/board/?pipeline={renewals.pk}")
    assert [c.stage for c in page.context["columns"]] == [stage]
    assert card_ids(page.content.decode()) == [renewal.pk]


def test_a_single_pipeline_has_no_switcher(org, deal):
    assert 'aria-label="Pipelines"' not in signed_in(org.rep).get("/board/").content.decode()


def test_rotting_deals_are_marked(org, account, stages):
    fresh, stale = make_deals(org.rep, account, 2)
    long_ago = timezone.now() - datetime.timedelta(days=stages["Prospecting"].rotting_days + 1)
    Opportunity.objects.filter(pk=stale.pk).update(stage_entered_at=long_ago)
    html = signed_in(org.rep).get("/board/").content.decode()
    assert f'<article class="deal rotting" id="deal-{stale.pk}"' in html
    assert f'<article class="deal" id="deal-{fresh.pk}"' in html


# --- show more -------------------------------------------------------------------------------


def test_show_more_pages_through_a_column_without_duplicates(org, account, stages):
    deals = make_deals(org.rep, account, 45)
    client = signed_in(org.rep)
    html = client.get("/board/").content.decode()
    seen = card_ids(html)
    assert len(seen) == 20
    while (more := re.search(r'hx-get="(/board/column/\d+/\?[^"]+)"', html)) is not None:
        response = client.get(more.group(1).replace("&amp;", "&"), **HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        seen += card_ids(html)
    assert len(seen) == len(set(seen)) == 45
    assert sorted(seen) == sorted(d.pk for d in deals)
    in_order = Opportunity.objects.order_by("close_date", "pk").values_list("pk", flat=True)
    assert seen == list(in_order)


def test_show_more_keeps_the_filters(org, stages):
    make_deals(org.rep, account_create(by=org.rep, name="R"), 25)
    make_deals(org.teammate, account_create(by=org.teammate, name="T"), 25)
    client = signed_in(org.manager)
    html = client.get(f"/board/?owner={org.rep.pk}").content.decode()
    url = re.search(r'hx-get="(/board/column/\d+/\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert f"owner={org.rep.pk}" in url
    rest = card_ids(client.get(url, **HTMX).content.decode())
    assert len(rest) == 5
    assert set(Opportunity.objects.filter(pk__in=rest).values_list("owner", flat=True)) == {
        org.rep.pk
    }


def test_show_more_works_as_a_page_without_javascript(org, account, stages):
    make_deals(org.rep, account, 21)
    page = signed_in(org.rep).get(f"/board/column/{stages['Prospecting'].pk}/")
    assert page.status_code == 200
    assert "Prospecting: more deals" in page.content.decode()


def test_show_more_of_an_unknown_stage_is_404(org):
    assert signed_in(org.rep).get("/board/column/999999/").status_code == 404


# --- query counts ----------------------------------------------------------------------------


def queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **extra).status_code == 200
    return len(captured)


def test_board_queries_do_not_grow_with_deals(org, account, stages, django_assert_max_num_queries):
    client = signed_in(org.manager)
    make_deals(org.rep, account, 3)
    few = queries(client, "/board/")
    make_deals(org.rep, account, 60)
    make_deals(
        org.teammate, account_create(by=org.teammate, name="T"), 20, stage=stages["Proposal"]
    )
    make_deals(org.rep, account, 10, stage=stages["Closed won"])
    assert queries(client, "/board/") == few
    # Session, user, pipelines, visible teams, stages, totals, a page of cards per stage (7),
    # rotting stages, rotting cards, then the owner and team choices of the filters, and the
    # company's currency the totals are in.
    with django_assert_max_num_queries(19):
        client.get("/board/")


def test_show_more_queries_do_not_grow_with_deals(
    org, account, stages, django_assert_max_num_queries
):
    client = signed_in(org.rep)
    url = f"/board/column/{stages['Prospecting'].pk}/"
    make_deals(org.rep, account, 3)
    few = queries(client, url, **HTMX)
    make_deals(org.rep, account, 60)
    assert queries(client, url, **HTMX) == few
    # Session, user, the stage, pipelines (filter choices), the cards, the stages for the
    # cards' menus, rotting stages and rotting cards.
    with django_assert_max_num_queries(9):
        client.get(url, **HTMX)


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL weighs its own"
)
@pytest.mark.parametrize("viewer", ["admin", "manager"])
def test_a_columns_cards_are_read_from_an_index_of_the_stage(org, account, stages, viewer):
    """Everyone's cards walk opp_board_idx in close-date order and stop at the page: offered
    the open-totals index as well, SQLite sorted a whole column to show 20 cards, once the
    statistics (as `salestrack generate` leaves them) said most deals are closed. A team's
    open cards are its owners' rows of opp_open_totals_idx (stage, owner), a few hundred to
    sort: through the owner index SQLite read every deal of those owners (40 ms a column on
    the large org)."""
    make_deals(org.rep, account, 6)
    make_deals(org.rep, account, 50, stage=stages["Closed won"])
    with analyzed():
        with CaptureQueriesContext(connection) as captured:
            signed_in(getattr(org, viewer)).get("/board/")
        cards = [
            q["sql"] for q in captured if "LIMIT 21" in q["sql"] and "deals_opportunity" in q["sql"]
        ]
        assert cards
        open_ids = {str(s.pk) for s in stages.values() if not s.is_closed}
        with connection.cursor() as cursor:
            for sql in cards:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                rows = cursor.fetchall()
                # The steps of the subquery that picks the page's ids (the outer query then sorts
                # only those 21 rows).
                subquery = next(id_ for id_, _, _, step in rows if step.startswith("LIST SUBQUERY"))
                steps = [step for _, parent, _, step in rows if parent == subquery]
                stage = re.search(r'"stage_id" IN \((\d+)\)', sql)[1]
                if viewer == "manager" and stage in open_ids:
                    assert any(
                        "opp_open_totals_idx (stage_id=? AND owner_id=?)" in s for s in steps
                    )
                else:
                    assert any("opp_board_idx" in s or "opp_closed_totals_idx" in s for s in steps)
                    assert not any("TEMP B-TREE" in s for s in steps), steps


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL weighs its own"
)
def test_column_totals_are_read_from_indexes_alone(org, account, stages):
    """The totals read no row of the table: SQLite took opp_open_totals_idx as covering only
    once it held is_closed, the column of its condition (deals 0022); before, it read the open
    deals' rows."""
    make_deals(org.rep, account, 6)
    make_deals(org.rep, account, 5, stage=stages["Closed won"])
    with analyzed():
        with CaptureQueriesContext(connection) as captured:
            signed_in(org.admin).get("/board/")
        [totals] = [q["sql"] for q in captured if "UNION ALL" in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {totals}")
            reads = [step for *_, step in cursor.fetchall() if "deals_opportunity" in step]
    assert reads == [
        "SEARCH deals_opportunity USING COVERING INDEX opp_open_totals_idx (stage_id=?)",
        "SEARCH deals_opportunity USING COVERING INDEX opp_closed_totals_idx "
        "(stage_id=? AND closed_date>?)",
    ]


# --- moving a deal ---------------------------------------------------------------------------


def move(client, deal, stage, *, query="", **data):
    data = {"stage_id": stage.pk, "version": deal.version, **data}
    return client.post(f"/board/move/{deal.pk}/{query}", data, **HTMX)


def test_moving_returns_the_card_and_both_column_headers(org, deal, stages):
    make_deals(org.rep, deal.account, 2)
    response = move(signed_in(org.rep), deal, stages["Proposal"])
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.stage == stages["Proposal"] and deal.version == 2
    html = response.content.decode()
    assert f'<article class="deal" id="deal-{deal.pk}"' in html
    assert f'<option value="{stages["Proposal"].pk}" selected>' in html
    assert 'name="version" value="2"' in html
    head = re.compile(r'<header id="stage-(\d+)-head" hx-swap-oob="true">.*?</header>', re.S)
    heads = {int(m.group(1)): m.group(0) for m in head.finditer(html)}
    assert set(heads) == {stages["Prospecting"].pk, stages["Proposal"].pk}
    assert 'title="Deals">2</span>' in heads[stages["Prospecting"].pk]
    assert 'title="Deals">1</span>' in heads[stages["Proposal"].pk]
    assert "3,000 USD weighted" in heads[stages["Proposal"].pk]  # 5,000 at 60%
    assert "moved to Proposal" in response["HX-Trigger"]


def test_the_headers_after_a_move_count_with_the_boards_filters(org, deal, stages):
    make_deals(org.teammate, account_create(by=org.teammate, name="T"), 3)
    client = signed_in(org.manager)
    html = move(client, deal, stages["Proposal"], query=f"?owner={org.rep.pk}").content.decode()
    prospecting = re.search(
        rf'<header id="stage-{stages["Prospecting"].pk}-head".*?</header>', html, re.S
    )
    assert 'title="Deals">0</span>' in prospecting.group(0)
    assert f"/board/move/{deal.pk}/?owner={org.rep.pk}" in html  # the card keeps them too


def test_moving_without_javascript_goes_back_to_the_board(org, deal, stages):
    client = signed_in(org.rep)
    response = client.post(
        f"/board/move/{deal.pk}/?view=mine",
        {"stage_id": stages["Negotiation"].pk, "version": deal.version},
    )
    assert response.status_code == 302
    assert response.url == f"/board/?view=mine&pipeline={deal.pipeline_id}"
    deal.refresh_from_db()
    assert deal.stage == stages["Negotiation"]
    assert "Umbrella renewal moved to Negotiation." in client.get(response.url).content.decode()


def test_lost_without_a_reason_is_refused_and_changes_nothing(org, deal, stages):
    client = signed_in(org.rep)
    response = move(client, deal, stages["Closed lost"])
    assert response.status_code == 400
    assert "lost reason is required" in response["HX-Trigger"]
    page = client.post(f"/board/move/{deal.pk}/", {"stage_id": stages["Closed lost"].pk})
    assert page.status_code == 400
    assert "A lost reason is required to close as lost." in page.content.decode()
    deal.refresh_from_db()
    assert deal.stage == stages["Prospecting"] and deal.version == 1


def test_lost_with_a_reason_closes_the_deal(org, deal, stages, lost_reasons):
    other = lost_reasons["Other"]
    client = signed_in(org.rep)
    refused = move(client, deal, stages["Closed lost"], lost_reason=other.pk)
    assert refused.status_code == 400 and "Other needs a detail" in refused["HX-Trigger"]
    response = move(
        client,
        deal,
        stages["Closed lost"],
        lost_reason=other.pk,
        lost_reason_detail="Went with Acme",
    )
    assert response.status_code == 200
    deal.refresh_from_db()
    assert (deal.stage, deal.is_closed, deal.is_won) == (stages["Closed lost"], True, False)
    assert (deal.lost_reason, deal.lost_reason_detail) == (other, "Went with Acme")


def test_winning_makes_the_account_a_customer(org, deal, stages):
    assert move(signed_in(org.rep), deal, stages["Closed won"]).status_code == 200
    deal.account.refresh_from_db()
    assert deal.account.type == Account.Type.CUSTOMER
    assert deal.account.customer_since == timezone.localdate()


def test_a_stale_move_is_refused_with_a_message(org, deal, stages):
    version = deal.version
    opportunity_update(opportunity=deal, by=org.manager, stage=stages["Negotiation"])
    deal.version = version
    response = move(signed_in(org.rep), deal, stages["Proposal"])
    assert response.status_code == 412
    assert "Someone moved this deal meanwhile" in response["HX-Trigger"]
    deal.refresh_from_db()
    assert deal.stage == stages["Negotiation"] and deal.version == 2
    page = signed_in(org.rep).post(
        f"/board/move/{deal.pk}/", {"stage_id": stages["Proposal"].pk, "version": version}
    )
    assert page.status_code == 412
    html = page.content.decode()
    assert "it is in Negotiation now" in html
    assert 'name="version" value="2"' in html  # moving again from this page is on purpose


def test_a_stage_of_another_pipeline_is_refused(org, deal):
    other = Pipeline.objects.create(name="Renewals")
    foreign = Stage.objects.create(
        pipeline=other, name="Due", position=1, probability=50, forecast_category="pipeline"
    )
    response = move(signed_in(org.rep), deal, foreign)
    assert response.status_code == 400
    assert "not in this deal" in response["HX-Trigger"]
    deal.refresh_from_db()
    assert deal.stage.pipeline_id == deal.pipeline_id and deal.version == 1


@pytest.mark.parametrize(
    "who,status",
    [
        ("rep", 200),
        ("teammate", 404),
        ("other_rep", 404),
        ("manager", 200),
        ("region_manager", 200),
        ("admin", 200),
    ],
)
def test_only_deals_the_user_may_change_move(org, deal, stages, who, status):
    assert move(signed_in(getattr(org, who)), deal, stages["Proposal"]).status_code == status
    deal.refresh_from_db()
    assert (deal.stage == stages["Proposal"]) is (status == 200)


def test_move_refuses_get(org, deal):
    assert signed_in(org.rep).get(f"/board/move/{deal.pk}/").status_code == 405


def test_move_enforces_csrf(org, deal, stages):
    client = signed_in(org.rep, enforce_csrf_checks=True)
    response = client.post(f"/board/move/{deal.pk}/", {"stage_id": stages["Proposal"].pk})
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.stage == stages["Prospecting"]


def test_cards_escape_names_and_their_stage_menu_posts_with_its_token(org, account, stages):
    deal = opportunity_create(
        by=org.rep, account=account, name='<img src=x onerror="y">', close_date=SOON
    )
    client = signed_in(org.rep, enforce_csrf_checks=True)
    html = client.get("/board/").content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=&quot;y&quot;&gt;" in html
    card = html[html.index(f'id="deal-{deal.pk}"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card).group(1)
    body = {"csrfmiddlewaretoken": token, "stage_id": stages["Proposal"].pk, "version": 1}
    assert client.post(f"/board/move/{deal.pk}/", body).status_code in (200, 302)
    deal.refresh_from_db()
    assert deal.stage == stages["Proposal"]
