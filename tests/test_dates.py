"""One date format on every page: "3 Dec 2026", and "3 Dec 2026, 14:05" for a moment."""

import datetime
import re
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from salestrack.accounts.services import contact_create
from salestrack.activities.services import activity_log
from salestrack.leads.services import lead_convert, lead_create, lead_delete
from salestrack.lib import dates
from salestrack.opportunities.services import (
    opportunity_create,
    opportunity_snooze,
    opportunity_update,
)
from salestrack.teams.services import token_create
from tests.conftest import records_of, signed_in

TODAY = datetime.date.today()


def test_a_day_and_a_moment_read_the_same_everywhere(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    assert dates.day(datetime.date(2026, 12, 3)) == "3 Dec 2026"
    late = datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC)
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert dates.moment(late) == "4 Dec 2026, 00:30"  # in local time
        assert dates.day(late) == "4 Dec 2026"
    assert dates.moment(datetime.date(2026, 1, 9)) == "9 Jan 2026"
    assert dates.day(None) == dates.moment(None) == ""


def test_the_filters_and_djangos_own_format_agree():
    context = Context({"d": datetime.date(2026, 12, 3), "m": datetime.datetime(2026, 5, 1, 9, 5)})
    html = Template(
        "{% load salestrack %}{{ d|day }}|{{ m|moment }}|{{ d }}|{{ m }}|{{ 'x'|day }}"
    ).render(context)
    assert html == "3 Dec 2026|1 May 2026, 09:05|3 Dec 2026|1 May 2026, 09:05|"


# A month named without a day before it and a year after it, an ISO date, a date with slashes.
MONTH = (
    r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t|tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
OURS = re.compile(rf"\b\d{{1,2}} {MONTH} \d{{4}}\b")
OTHER_SHAPES = [re.compile(MONTH), re.compile(r"\b\d{4}-\d{2}-\d{2}"), re.compile(r"\d/\d")]


class Text(HTMLParser):
    """The text a person reads: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skipping -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def other_dates(html: str) -> list[str]:
    """Dates written in any shape but ours, in the text of a page."""
    parser = Text()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    rest = OURS.sub("", text)
    return [m.group(0) for shape in OTHER_SHAPES for m in shape.finditer(rest)]


@pytest.fixture
def dated(org, default_pipeline):
    """Records with every kind of date a page shows: created, closes, closed, converted,
    customer since, snoozed, due, done, changed, deleted, last signed in, token used."""
    mine = records_of(org.rep)
    deal, account = mine["deal"], mine["account"]
    contact_create(by=org.rep, account=account, last_name="Roe")
    opportunity_update(opportunity=deal, by=org.rep, close_date=TODAY + datetime.timedelta(days=9))
    opportunity_snooze(
        opportunity=deal, by=org.rep, until=TODAY + datetime.timedelta(days=3), reason="Holiday"
    )
    won = opportunity_create(by=org.rep, account=account, name="Won", close_date=TODAY)
    opportunity_update(opportunity=won, by=org.rep, stage=default_pipeline.stages.get(is_won=True))
    lead = lead_create(by=org.rep, last_name="Doe", company="Acme")
    converted = lead_convert(lead=lead, by=org.rep)
    activity_log(by=org.rep, kind="task", subject="Soon", lead=mine["lead"], due_date=TODAY)
    lead_delete(lead=lead_create(by=org.rep, last_name="Gone"), by=org.rep)
    token_create(user=org.rep, name="laptop", expires_at=timezone.now() + datetime.timedelta(9))
    return {**mine, "won": won, "converted": lead, "contact": converted.contact}


def pages_of(records) -> list[str]:
    return [
        "/",
        "/tasks/?status=all",
        "/leads/",
        "/contacts/",
        "/accounts/",
        "/opportunities/?is_closed=",
        "/board/",
        f"/leads/{records['lead'].pk}/",
        f"/leads/{records['converted'].pk}/",
        f"/contacts/{records['contact'].pk}/",
        f"/accounts/{records['account'].pk}/",
        f"/opportunities/{records['deal'].pk}/",
        f"/opportunities/{records['won'].pk}/",
        "/tokens/",
    ]


@pytest.mark.parametrize("viewer", ["rep", "admin"])
def test_the_main_pages_write_every_date_one_way(org, dated, viewer):
    client = signed_in(getattr(org, viewer))
    urls = pages_of(dated)
    if viewer == "admin":
        urls += ["/settings/users/", "/settings/deleted/", "/settings/tokens/"]
    seen = ""
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert other_dates(html) == [], url
        seen += html
    # The check above has something to look at: the dates of these records, written our way.
    for day in (TODAY, TODAY + datetime.timedelta(days=9), TODAY + datetime.timedelta(days=3)):
        assert dates.day(day) in seen


def test_the_check_finds_the_shapes_it_refuses():
    for shape in ("Dec. 3, 2026", "Dec 3", "December 3, 2026", "2026-12-03", "12/03/2026"):
        assert other_dates(f"<p>Closes {shape}</p>"), shape
    assert other_dates('<p>3 Dec 2026, 14:05</p><input type="date" value="2026-12-03">') == []
