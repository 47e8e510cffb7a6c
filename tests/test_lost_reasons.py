"""Lost reasons: the list's services, the rules of losing a deal, and the migration from text."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from salestrack.accounts.services import account_create
from salestrack.audit.models import AuditEntry
from salestrack.lib.errors import Conflict, Forbidden
from salestrack.opportunities.lost_reasons import (
    lost_reason_create,
    lost_reason_delete,
    lost_reason_move,
    lost_reason_update,
)
from salestrack.opportunities.models import LostReason, Opportunity, Stage
from salestrack.opportunities.services import (
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
)

SOON = datetime.date.today() + datetime.timedelta(days=20)


@pytest.fixture
def stages(db):
    return {s.name: s for s in Stage.objects.filter(pipeline__is_default=True)}


@pytest.fixture
def deal(org):
    account = account_create(by=org.rep, name="Umbrella")
    return opportunity_create(
        by=org.rep, account=account, name="Umbrella renewal", amount=Decimal(5000), close_date=SOON
    )


def names() -> list[str]:
    return list(LostReason.objects.values_list("name", flat=True))


# Losing a deal


def test_losing_takes_a_reason_from_the_list(org, deal, stages, lost_reasons):
    lost = opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages["Closed lost"], lost_reason=lost_reasons["Price"]
    )
    lost.refresh_from_db()
    assert (lost.lost_reason, lost.lost_reason_detail, lost.is_closed) == (
        lost_reasons["Price"],
        "",
        True,
    )
    entry = AuditEntry.objects.filter(object_id=deal.pk).latest("id")
    assert entry.data["lost_reason"] == {"old": None, "new": lost_reasons["Price"].pk}


def test_other_needs_a_detail_and_changes_nothing_without_one(org, deal, stages, lost_reasons):
    for detail in [None, "", "   "]:
        with pytest.raises(ValidationError) as error:
            opportunity_move_stage(
                opportunity=deal,
                by=org.rep,
                stage=stages["Closed lost"],
                lost_reason=lost_reasons["Other"],
                lost_reason_detail=detail,
            )
        assert list(error.value.message_dict) == ["lost_reason_detail"]
    deal.refresh_from_db()
    assert (deal.is_closed, deal.version, deal.lost_reason) == (False, 1, None)
    lost = opportunity_move_stage(
        opportunity=deal,
        by=org.rep,
        stage=stages["Closed lost"],
        lost_reason=lost_reasons["Other"],
        lost_reason_detail="  Acquired by a customer ",
    )
    assert lost.lost_reason_detail == "Acquired by a customer"


def test_a_retired_reason_is_not_offered_but_stays_on_old_deals(org, deal, stages, lost_reasons):
    timing = lost_reasons["Timing"]
    deal = opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages["Closed lost"], lost_reason=timing
    )
    lost_reason_update(reason=timing, by=org.admin, is_active=False)
    # The deal keeps it, and a change of its detail alone keeps it too.
    deal = opportunity_update(opportunity=deal, by=org.rep, lost_reason_detail="Next year")
    assert (deal.lost_reason, deal.lost_reason_detail) == (timing, "Next year")
    other = opportunity_create(by=org.rep, account=deal.account, name="Another", close_date=SOON)
    with pytest.raises(ValidationError) as error:
        opportunity_move_stage(
            opportunity=other, by=org.rep, stage=stages["Closed lost"], lost_reason=timing
        )
    assert error.value.message_dict == {"lost_reason": ["Choose a reason from the list."]}
    other.refresh_from_db()
    assert not other.is_closed


@pytest.mark.parametrize("then", ["Closed won", "Proposal"])
def test_winning_or_reopening_clears_the_reason(org, deal, stages, lost_reasons, then):
    opportunity_move_stage(
        opportunity=deal,
        by=org.rep,
        stage=stages["Closed lost"],
        lost_reason=lost_reasons["Other"],
        lost_reason_detail="Merged",
    )
    deal = opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages[then])
    deal.refresh_from_db()
    assert (deal.lost_reason, deal.lost_reason_detail) == (None, "")


def test_only_a_lost_deal_has_a_reason(org, deal, stages, lost_reasons):
    with pytest.raises(ValidationError) as error:
        opportunity_update(opportunity=deal, by=org.rep, lost_reason=lost_reasons["Price"])
    assert list(error.value.message_dict) == ["lost_reason"]
    with pytest.raises(ValidationError) as error:
        opportunity_update(opportunity=deal, by=org.rep, lost_reason_detail="Too dear")
    assert list(error.value.message_dict) == ["lost_reason_detail"]
    # Sent empty, as a full update of an open deal sends them, is no change.
    same = opportunity_update(opportunity=deal, by=org.rep, lost_reason=None, lost_reason_detail="")
    assert same.version == 1


def test_a_lost_deal_cannot_drop_its_reason(org, deal, stages, lost_reasons):
    deal = opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages["Closed lost"], lost_reason=lost_reasons["Price"]
    )
    with pytest.raises(ValidationError):
        opportunity_update(opportunity=deal, by=org.rep, lost_reason=None)
    deal.refresh_from_db()
    assert deal.lost_reason == lost_reasons["Price"]


def test_a_deal_created_lost_needs_a_reason(org, deal, stages, lost_reasons):
    with pytest.raises(ValidationError):
        opportunity_create(
            by=org.rep,
            account=deal.account,
            name="Lost at once",
            close_date=SOON,
            stage=stages["Closed lost"],
        )
    created = opportunity_create(
        by=org.rep,
        account=deal.account,
        name="Lost at once",
        close_date=SOON,
        stage=stages["Closed lost"],
        lost_reason=lost_reasons["Budget"],
    )
    assert created.lost_reason == lost_reasons["Budget"]


# The list


def test_an_admin_keeps_the_list_and_other_stays_last(org, lost_reasons):
    added = lost_reason_create(by=org.admin, name="  Lost   the champion ")
    assert added.name == "Lost the champion"
    assert names() == ["Price", "Timing", "Competitor", "Budget", "Lost the champion", "Other"]
    lost_reason_move(reason=added, by=org.admin, direction="up")
    assert names()[3:5] == ["Lost the champion", "Budget"]
    lost_reason_update(reason=added, by=org.admin, name="Champion left")
    assert "Champion left" in names()
    positions = list(LostReason.objects.values_list("position", flat=True))
    assert positions == [1, 2, 3, 4, 5, 6]
    assert AuditEntry.objects.filter(action="deals.lost_reason.moved").count() == 1


@pytest.mark.parametrize("name", ["price", " PRICE ", "", "   "])
def test_a_name_is_needed_and_unique_without_case(org, lost_reasons, name):
    before = names()
    with pytest.raises(ValidationError) as error:
        lost_reason_create(by=org.admin, name=name)
    assert list(error.value.message_dict) == ["name"]
    with pytest.raises(ValidationError):
        lost_reason_update(reason=lost_reasons["Timing"], by=org.admin, name=name)
    assert names() == before


def test_moving_past_either_end_is_refused(org, lost_reasons):
    with pytest.raises(ValidationError, match="already first"):
        lost_reason_move(reason=lost_reasons["Price"], by=org.admin, direction="up")
    with pytest.raises(ValidationError, match="already last"):
        lost_reason_move(reason=lost_reasons["Other"], by=org.admin, direction="down")
    with pytest.raises(ValidationError):
        lost_reason_move(reason=lost_reasons["Timing"], by=org.admin, direction="sideways")


def test_a_reason_in_use_is_retired_not_deleted(org, deal, stages, lost_reasons):
    opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages["Closed lost"], lost_reason=lost_reasons["Price"]
    )
    with pytest.raises(Conflict, match="1 deal was lost for Price: retire it instead"):
        lost_reason_delete(reason=lost_reasons["Price"], by=org.admin)
    assert LostReason.objects.filter(pk=lost_reasons["Price"].pk).exists()
    lost_reason_delete(reason=lost_reasons["Timing"], by=org.admin)
    assert "Timing" not in names()


@pytest.mark.parametrize("who", ["rep", "manager", "region_manager"])
def test_only_an_admin_changes_the_list(org, lost_reasons, who):
    user = getattr(org, who)
    before = list(LostReason.objects.values())
    with pytest.raises(Forbidden):
        lost_reason_create(by=user, name="Mine")
    with pytest.raises(Forbidden):
        lost_reason_update(reason=lost_reasons["Price"], by=user, is_active=False)
    with pytest.raises(Forbidden):
        lost_reason_move(reason=lost_reasons["Timing"], by=user, direction="up")
    with pytest.raises(Forbidden):
        lost_reason_delete(reason=lost_reasons["Timing"], by=user)
    assert list(LostReason.objects.values()) == before


# The migration: free text becomes the list

migration = importlib.import_module(
    "salestrack.opportunities.migrations.0016_lost_reasons_from_text"
)


def test_the_legacy_text_reasons_become_the_first_entries_then_other(org, deal, stages):
    LostReason.objects.all().delete()
    account = deal.account
    texts = ["Price", " price ", "PRICE", "Timing", "Went dark", "   ", "", "Timing", "Price"]
    ids = []
    for n, text in enumerate(texts):
        made = opportunity_create(by=org.rep, account=account, name=f"Old {n}", close_date=SOON)
        Opportunity.objects.filter(pk=made.pk).update(lost_reason_detail=text)
        ids.append(made.pk)

    migration.to_list(django_apps, None)

    reasons = list(LostReason.objects.values_list("name", "position", "needs_detail"))
    # Most used first (its most used spelling), then "Other", which asks for a detail.
    assert reasons == [
        ("Price", 1, False),
        ("Timing", 2, False),
        ("Went dark", 3, False),
        ("Other", 4, True),
    ]
    rows = dict(Opportunity.objects.filter(pk__in=ids).values_list("pk", "lost_reason__name"))
    assert [rows[pk] for pk in ids] == [
        "Price",
        "Price",
        "Price",
        "Timing",
        "Went dark",
        None,
        None,
        "Timing",
        "Price",
    ]
    assert not Opportunity.objects.exclude(lost_reason_detail="").exists()

    # Backwards, each deal's text is its reason's name (and the detail after a colon).
    other = LostReason.objects.get(name="Other")
    Opportunity.objects.filter(pk=ids[5]).update(lost_reason=other, lost_reason_detail="Merged")
    migration.to_text(django_apps, None)
    texts_now = dict(Opportunity.objects.filter(pk__in=ids).values_list("pk", "lost_reason_detail"))
    assert [texts_now[pk] for pk in ids] == [
        "Price",
        "Price",
        "Price",
        "Timing",
        "Went dark",
        "Other: Merged",
        "",
        "Timing",
        "Price",
    ]
    assert not LostReason.objects.exists()


def test_an_existing_other_text_becomes_the_reason_that_asks_for_a_detail(org, deal):
    LostReason.objects.all().delete()
    Opportunity.objects.filter(pk=deal.pk).update(lost_reason_detail="other")
    migration.to_list(django_apps, None)
    assert list(LostReason.objects.values_list("name", "needs_detail")) == [("other", True)]
    deal.refresh_from_db()
    assert deal.lost_reason.name == "other"


def test_a_text_longer_than_a_name_keeps_the_whole_of_it_as_the_detail(org, deal):
    LostReason.objects.all().delete()
    long = "Went with a competitor " * 8  # 184 characters
    Opportunity.objects.filter(pk=deal.pk).update(lost_reason_detail=long)
    migration.to_list(django_apps, None)
    deal.refresh_from_db()
    assert deal.lost_reason.name == long.strip()[:100].strip()
    assert deal.lost_reason_detail == long.strip()
