import json

import pytest
from django.test import Client

from salestrack.accounts.services import account_create, contact_create
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create, lead_update
from salestrack.opportunities.services import opportunity_create
from salestrack.teams.models import User
from salestrack.web import pages
from tests.conftest import PASSWORD, SOON, signed_in


@pytest.fixture
def lead(org):
    return lead_create(
        by=org.rep,
        first_name="Ada",
        last_name="Lovelace",
        company="Initech",
        website="initech.com",
        email="ada@initech.com",
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
def test_lead_page_visibility(org, lead, who, status):
    assert signed_in(getattr(org, who)).get(f"/leads/{lead.pk}/").status_code == status


@pytest.mark.parametrize("who,sees", [(w, s == 200) for w, s in VISIBILITY])
def test_lead_list_shows_only_visible_leads(org, lead, who, sees):
    page = signed_in(getattr(org, who)).get("/leads/")
    assert page.status_code == 200
    assert (f"/leads/{lead.pk}/" in page.content.decode()) is sees


@pytest.mark.parametrize("url", ["/leads/", "/leads/new/", "/leads/1/", "/leads/1/convert/"])
def test_anonymous_users_are_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_sign_in_with_email(org):
    client = Client()
    response = client.post("/login/", {"username": "ADA@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_create_a_lead_and_see_field_errors(org):
    client = signed_in(org.rep)
    bad = client.post("/leads/new/", {"first_name": "No", "email": "not-an-email", "status": "new"})
    assert bad.status_code == 400
    assert "This field is required" in bad.content.decode()
    assert "Enter a valid email address" in bad.content.decode()
    assert Lead.objects.count() == 0
    good = client.post(
        "/leads/new/",
        {"last_name": "Hopper", "company": "Navy", "status": "new", "owner": org.rep.pk},
    )
    lead = Lead.objects.get()
    assert good.status_code == 302 and good.url == f"/leads/{lead.pk}/"
    assert lead.owner == org.rep


def test_a_rep_cannot_assign_a_lead_to_another_team(org):
    client = signed_in(org.rep)
    response = client.post(
        "/leads/new/", {"last_name": "X", "status": "new", "owner": org.other_rep.pk}
    )
    assert response.status_code == 400
    assert Lead.objects.count() == 0


def test_a_stale_edit_shows_the_conflict_with_both_values(org, lead):
    client = signed_in(org.rep)
    form = {
        "last_name": "Lovelace",
        "company": "Mine Inc",
        "status": "new",
        "owner": org.rep.pk,
        "version": lead.version,
    }
    lead_update(lead=lead, by=org.manager, company="Theirs Ltd")
    response = client.post(f"/leads/{lead.pk}/edit/", form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this record" in html
    assert "Mine Inc" in html and "Theirs Ltd" in html
    lead.refresh_from_db()
    assert lead.company == "Theirs Ltd"


def test_convert_with_the_suggested_account_lands_on_the_opportunity(org, lead):
    account = account_create(by=org.rep, name="Initech Corp", website="https://initech.com")
    client = signed_in(org.rep)
    dialog = client.get(f"/leads/{lead.pk}/convert/", HTTP_HX_REQUEST="true")
    assert "same website domain" in dialog.content.decode()
    response = client.post(
        f"/leads/{lead.pk}/convert/",
        {
            "account": account.pk,
            "contact": "new",
            "create_opportunity": "on",
            "opportunity_name": "Initech deal",
            "amount": "1000",
            "close_date": "2027-01-15",
        },
        HTTP_HX_REQUEST="true",
    )
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_account == account
    assert response["HX-Redirect"] == f"/opportunities/{lead.converted_opportunity_id}/"
    again = client.post(f"/leads/{lead.pk}/convert/", {"account": "new", "contact": "new"})
    assert again.status_code == 409
    assert client.get(f"/leads/{lead.pk}/edit/").status_code == 302


def test_the_dialog_says_a_read_only_match_is_linked_but_not_filled(org, lead):
    theirs = account_create(by=org.other_rep, name="Initech Corp", website="https://initech.com")
    opportunity_create(by=org.admin, owner=org.rep, account=theirs, name="Pilot", close_date=SOON)
    account_create(by=org.rep, name="Initech", website="https://initech.com")
    lead_update(lead=lead, by=org.rep, industry="Software")
    client = signed_in(org.rep)
    dialog = client.get(f"/leads/{lead.pk}/convert/").content.decode()
    names = ("Initech Corp <", "Initech <")
    rows = {name: dialog.split(name)[1].split("</label>")[0] for name in names}
    assert "read-only: linked, not filled" in rows["Initech Corp <"]
    assert "read-only" not in rows["Initech <"]
    response = client.post(
        f"/leads/{lead.pk}/convert/", {"account": theirs.pk, "contact": "new"}, follow=True
    )
    assert "Initech Corp: linked as they are, since you may only read them." in (
        response.content.decode()
    )
    theirs.refresh_from_db()
    assert theirs.industry == "" and theirs.version == 1


def test_convert_onto_another_account_and_contact_found_with_the_pickers(org, lead):
    account = account_create(by=org.rep, name="Umbrella")  # no match by domain or name
    contact = contact_create(by=org.rep, last_name="Wesker", account=account)
    client = signed_in(org.rep)
    dialog = client.get(f"/leads/{lead.pk}/convert/").content.decode()
    assert "Umbrella" not in dialog and 'hx-get="/pick/accounts/"' in dialog
    form = {"account": "other", "contact": "other", "other_account": account.pk}
    missing = client.post(f"/leads/{lead.pk}/convert/", form)
    assert missing.status_code == 400
    assert "Find and choose the contact." in missing.content.decode()
    response = client.post(f"/leads/{lead.pk}/convert/", {**form, "other_contact": contact.pk})
    lead.refresh_from_db()
    assert (lead.converted_account, lead.converted_contact) == (account, contact)
    assert response.status_code == 302 and response.url == f"/accounts/{account.pk}/"


def test_convert_refuses_an_account_the_user_cannot_see(org, lead):
    hidden = account_create(by=org.other_rep, name="Hidden")
    form = {"account": "other", "contact": "new", "other_account": hidden.pk}
    response = signed_in(org.rep).post(f"/leads/{lead.pk}/convert/", form)
    assert response.status_code == 400
    lead.refresh_from_db()
    assert lead.status == "new"


def test_convert_dialog_errors_change_nothing(org, lead):
    client = signed_in(org.rep)
    response = client.post(
        f"/leads/{lead.pk}/convert/",
        {
            "account": "new",
            "contact": "new",
            "create_opportunity": "on",
            "opportunity_name": "",
            "close_date": "soon",
        },
    )
    assert response.status_code == 400
    lead.refresh_from_db()
    assert lead.status == "new"


def test_disqualify_needs_a_reason(org, lead):
    client = signed_in(org.rep)
    assert client.post(f"/leads/{lead.pk}/disqualify/", {"reason": ""}).status_code == 400
    assert client.post(f"/leads/{lead.pk}/disqualify/", {"reason": "No budget"}).status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.disqualified_reason) == ("disqualified", "No budget")


def test_bulk_assign_only_touches_writable_rows(org, lead):
    theirs = lead_create(by=org.other_rep, last_name="Other")
    client = signed_in(org.manager)
    client.post(
        "/leads/bulk/", {"action": "assign", "ids": [lead.pk, theirs.pk], "owner": org.teammate.pk}
    )
    lead.refresh_from_db()
    assert lead.owner == org.rep  # all or nothing: one row was not the manager's to change
    client.post("/leads/bulk/", {"action": "assign", "ids": [lead.pk], "owner": org.teammate.pk})
    lead.refresh_from_db()
    assert lead.owner == org.teammate


def test_bulk_delete_needs_confirmation(org, lead):
    client = signed_in(org.rep)
    client.post("/leads/bulk/", {"action": "delete", "ids": [lead.pk]})
    assert Lead.objects.filter(pk=lead.pk).exists()
    client.post("/leads/bulk/", {"action": "delete", "ids": [lead.pk], "confirm": "on"})
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_log_a_call_inline(org, lead):
    client = signed_in(org.rep)
    response = client.post(
        "/activities/log/",
        {"lead": lead.pk, "kind": "call", "subject": "Intro call"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Intro call" in response.content.decode()
    assert (
        signed_in(org.other_rep)
        .post("/activities/log/", {"lead": lead.pk, "kind": "call", "subject": "x"})
        .status_code
        == 404
    )


def test_a_logging_error_names_the_field_by_its_label(org, lead):
    response = signed_in(org.rep).post(
        "/activities/log/",
        {"lead": lead.pk, "kind": "task", "subject": "Call", "due_date": "someday"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast["level"] == "error"
    assert toast["message"].startswith("Due date: ") and "due_date" not in toast["message"]


def test_wrong_methods_answer_405(org, lead):
    client = signed_in(org.rep)
    assert client.post("/leads/").status_code == 405
    assert client.get("/leads/bulk/").status_code == 405
    assert client.get("/activities/log/").status_code == 405


def test_csrf_is_enforced(org, lead):
    client = Client(enforce_csrf_checks=True)
    client.login(username="rob", password=PASSWORD)
    response = client.post(f"/leads/{lead.pk}/disqualify/", {"reason": "x"})
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.status == "new"


def test_lead_list_query_count_does_not_grow_with_rows(org, django_assert_max_num_queries):
    for i in range(60):
        lead_create(by=org.rep, last_name=f"L{i}")
    client = signed_in(org.manager)
    with django_assert_max_num_queries(9):
        page = client.get("/leads/?sort=name")
    assert page.status_code == 200
    with django_assert_max_num_queries(9):
        client.get(
            page.context["page"].next and f"/leads/?sort=name&after={page.context['page'].next}"
        )


@pytest.mark.parametrize(
    "role, offered",
    [
        ("rep", {"rob"}),
        ("manager", {"mia", "rob", "tess"}),
        ("admin", {"ada", "rhea", "mia", "rob", "tess", "otto"}),
    ],
)
def test_the_owner_filter_offers_the_people_whose_records_the_user_sees(org, role, offered):
    html = signed_in(getattr(org, role)).get("/leads/").content.decode()
    owner_select = html[html.index('<select name="owner"') :]
    owner_select = owner_select[: owner_select.index("</select>")]
    names = {u.username for u in User.objects.all() if f'value="{u.pk}"' in owner_select}
    assert names == offered


def test_filtering_by_an_owner_not_offered_still_works_within_visibility(org, lead):
    # A bookmarked URL may name anyone; the list still shows only what the user may see.
    lead_create(by=org.other_rep, last_name="Theirs")
    client = signed_in(org.rep)
    assert client.get("/leads/").content.decode().count('name="ids"') == 1
    html = client.get(f"/leads/?owner={org.other_rep.pk}").content.decode()
    assert html.count('name="ids"') == 0 and "Theirs" not in html


def test_list_rows_escape_what_users_typed(org):
    lead_create(
        by=org.rep, first_name="<b>Bo", last_name='"Bad" & co', company="<script>x</script>"
    )
    html = signed_in(org.rep).get("/leads/").content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;Bo &quot;Bad&quot; &amp; co</a>" in html


NOTICE = "A search lists at most its newest 500 matches"


def test_a_searched_list_of_several_pages_says_it_holds_only_the_newest_matches(org, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    client = signed_in(org.rep)
    for n in range(3):
        lead_create(by=org.rep, last_name=f"Hopper {n}")
    first = client.get("/leads/", {"q": "hopper"})
    assert len(first.context["rows"]) == 2 and NOTICE in first.content.decode()
    after = first.context["page"].next
    assert NOTICE in client.get("/leads/", {"q": "hopper", "after": after}).content.decode()
    assert NOTICE not in client.get("/leads/").content.decode()  # not searched
    assert NOTICE not in client.get("/leads/", {"q": "  "}).content.decode()


@pytest.mark.parametrize("path", ["/leads/", "/contacts/", "/accounts/", "/opportunities/"])
def test_a_searched_list_of_one_page_says_nothing_of_a_cap(org, path):
    # Fewer matches than a page cannot have reached the cap.
    assert NOTICE not in signed_in(org.rep).get(path, {"q": "hopper"}).content.decode()
