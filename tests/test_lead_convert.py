"""PRODUCT.md section 2, conversion rules 1 to 6."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create, lead_disqualify, lead_matches
from salestrack.lib.errors import Conflict
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import OpportunityDraft

SOON = datetime.date.today() + datetime.timedelta(days=45)


def make_lead(org, **fields):
    values = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@initech.com",
        "company": "Initech",
        "website": "https://initech.com",
        "source": "web",
        "phone": "555-0100",
        "city": "Austin",
    }
    return lead_create(by=org.rep, **(values | fields))


def test_it_suggests_accounts_by_website_email_domain_and_name(org):
    by_web = account_create(by=org.rep, name="Something Else", website="www.initech.com")
    by_name = account_create(by=org.rep, name="INITECH, Inc.")
    lead = make_lead(org, website="initech.com/about", email="ada@initech.com")
    matches = lead_matches(lead=lead, user=org.rep)
    assert [(m.record, m.reason) for m in matches.accounts] == [
        (by_web, "same website domain"),
        (by_name, "same company name"),
    ]


def test_free_mail_domains_do_not_match_accounts(org):
    account_create(by=org.rep, name="Gmail fans", website="gmail.com")
    lead = make_lead(org, email="ada@gmail.com", website="", company="")
    assert lead_matches(lead=lead, user=org.rep).accounts == []


def test_it_suggests_contacts_by_email_then_by_name(org):
    account = account_create(by=org.rep, name="Initech", website="initech.com")
    same_email = contact_create(by=org.rep, account=account, last_name="X", email="ADA@initech.com")
    same_name = contact_create(by=org.rep, account=account, first_name="Ada", last_name="Lovelace")
    matches = lead_matches(lead=make_lead(org), user=org.rep)
    assert [(m.record, m.reason) for m in matches.contacts] == [
        (same_email, "same email"),
        (same_name, "same name at a matching account"),
    ]


def test_matches_never_reveal_records_the_user_cannot_see(org):
    account_create(by=org.other_rep, name="Initech", website="initech.com")
    matches = lead_matches(lead=make_lead(org), user=org.rep)
    assert matches.accounts == [] and matches.contacts == []


def test_it_creates_account_contact_and_opportunity_from_the_lead(org):
    lead = make_lead(org)
    result = lead_convert(
        lead=lead,
        by=org.rep,
        opportunity=OpportunityDraft(name="Initech pilot", amount=Decimal("900"), close_date=SOON),
    )
    assert (result.account.name, result.account.website, result.account.city) == (
        "Initech",
        "https://initech.com",
        "Austin",
    )
    assert result.account.domain == "initech.com"
    contact = result.contact
    assert (contact.first_name, contact.email, contact.account) == (
        "Ada",
        "ada@initech.com",
        result.account,
    )
    opp = result.opportunity
    assert (opp.account, opp.contact, opp.source, opp.owner) == (
        result.account,
        contact,
        "web",
        org.rep,
    )
    assert opp.stage.name == "Prospecting" and opp.probability == 10
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED
    assert (lead.converted_account, lead.converted_contact, lead.converted_opportunity) == (
        result.account,
        contact,
        opp,
    )


def test_the_opportunity_is_optional(org):
    result = lead_convert(lead=make_lead(org), by=org.rep)
    assert result.opportunity is None
    assert Opportunity.objects.count() == 0


def test_it_fills_only_empty_fields_of_an_existing_account_and_contact(org):
    account = account_create(by=org.rep, name="Initech Global", website="", phone="555-9999")
    contact = contact_create(by=org.rep, account=account, last_name="Lovelace", phone="")
    result = lead_convert(lead=make_lead(org), by=org.rep, account=account, contact=contact)
    account.refresh_from_db()
    contact.refresh_from_db()
    assert account.name == "Initech Global"  # kept
    assert account.phone == "555-9999"  # kept
    assert account.website == "https://initech.com"  # was empty: filled
    assert account.domain == "initech.com"
    assert contact.first_name == "Ada" and contact.email == "ada@initech.com"
    assert contact.phone == "555-0100"
    assert result.account == account and result.contact == contact
    assert Account.objects.count() == 1 and Contact.objects.count() == 1


def test_a_contact_of_another_account_is_refused(org):
    from django.core.exceptions import ValidationError

    account = account_create(by=org.rep, name="A")
    elsewhere = contact_create(
        by=org.rep, account=account_create(by=org.rep, name="B"), last_name="Z"
    )
    lead = make_lead(org)
    with pytest.raises(ValidationError):
        lead_convert(lead=lead, by=org.rep, account=account, contact=elsewhere)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW
    assert Contact.objects.count() == 1


def test_the_leads_activities_follow_the_new_contact_and_opportunity(org):
    lead = make_lead(org)
    call = activity_log(by=org.rep, kind="call", subject="First call", lead=lead)
    result = lead_convert(
        lead=lead, by=org.rep, opportunity=OpportunityDraft(name="Deal", close_date=SOON)
    )
    call.refresh_from_db()
    assert (call.contact, call.account, call.opportunity, call.lead) == (
        result.contact,
        result.account,
        result.opportunity,
        lead,
    )


def test_it_refuses_a_second_conversion(org):
    lead = make_lead(org)
    lead_convert(lead=lead, by=org.rep)
    with pytest.raises(Conflict):
        lead_convert(lead=lead, by=org.rep)
    assert Account.objects.count() == 1


def test_a_disqualified_lead_cannot_be_converted(org):
    lead = lead_disqualify(lead=make_lead(org), by=org.rep, reason="Student")
    with pytest.raises(Conflict):
        lead_convert(lead=lead, by=org.rep)


def test_a_second_sale_to_a_customer_is_existing_business(org):
    from salestrack.opportunities.models import Stage
    from salestrack.opportunities.services import opportunity_move_stage

    first = lead_convert(
        lead=make_lead(org), by=org.rep, opportunity=OpportunityDraft(name="1", close_date=SOON)
    )
    assert first.opportunity.type == Opportunity.Type.NEW_BUSINESS
    opportunity_move_stage(
        opportunity=first.opportunity, by=org.rep, stage=Stage.objects.get(is_won=True)
    )
    second = lead_convert(
        lead=make_lead(org, email="bob@initech.com"),
        by=org.rep,
        account=first.account,
        opportunity=OpportunityDraft(name="2", close_date=SOON),
    )
    assert second.opportunity.type == Opportunity.Type.EXISTING_BUSINESS


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_several_concurrent_conversions_wins(org):
    lead = make_lead(org)
    barrier = threading.Barrier(4)
    outcomes = []

    def convert():
        try:
            barrier.wait()
            lead_convert(
                lead=Lead.objects.get(pk=lead.pk),
                by=org.rep,
                opportunity=OpportunityDraft(name="Race", close_date=SOON),
            )
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # anything else (a lock error) fails the test below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=convert) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "won"]
    assert Account.objects.count() == 1
    assert Opportunity.objects.count() == 1
    assert Activity.objects.count() == 0


def test_a_contact_without_account_gets_the_new_account(org):
    loose = contact_create(by=org.rep, last_name="Lovelace")
    result = lead_convert(lead=make_lead(org), by=org.rep, contact=loose)
    loose.refresh_from_db()
    assert result.contact == loose and loose.account == result.account
    assert result.account.name == "Initech"


def test_a_stale_account_copy_still_makes_a_repeat_sale_existing_business(org):
    from salestrack.opportunities.models import Stage
    from salestrack.opportunities.services import opportunity_create, opportunity_move_stage

    account = account_create(by=org.rep, name="Stale Co")
    first = opportunity_create(by=org.rep, account=account, name="1", close_date=SOON)
    opportunity_move_stage(opportunity=first, by=org.rep, stage=Stage.objects.get(is_won=True))
    second = opportunity_create(by=org.rep, account=account, name="2", close_date=SOON)
    assert second.type == Opportunity.Type.EXISTING_BUSINESS
