"""Quotas per user and per team, by month and by fiscal quarter (forecasting/quotas.py): how
they add up, who sets them, the CSV upload, the API and the page."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from salestrack.audit.models import AuditEntry
from salestrack.company import services as company
from salestrack.forecasting import periods
from salestrack.forecasting.models import Quota
from salestrack.forecasting.quotas import QuotaBook, quota_delete, quota_set, quotas_import
from salestrack.lib.errors import Forbidden
from salestrack.teams.services import team_create, user_create
from tests.conftest import signed_in

Q4 = "2026-Q4"  # October to December 2026 with the default fiscal year (January)


def book(name: str = Q4, fiscal_year_start: int = 1) -> QuotaBook:
    return QuotaBook(periods.parse(name, fiscal_year_start))


def give(org, period, amount, *, user=None, team=None):
    """Set a quota as the admin."""
    return quota_set(by=org.admin, period=period, amount=amount, user=user, team=team)


class TestQuarterFromMonths:
    def test_a_quarter_without_its_own_adds_up_its_months(self, org):
        give(org, "2026-10", "100", user=org.rep)
        give(org, "2026-11", "200.50", user=org.rep)
        assert book().user(org.rep.pk) == Decimal("300.50")
        assert book("2026-11").user(org.rep.pk) == Decimal("200.50")
        assert book("2026-12").user(org.rep.pk) is None

    def test_a_quarter_of_its_own_wins_over_its_months(self, org):
        give(org, "2026-10", "100", user=org.rep)
        give(org, Q4, "500", user=org.rep)
        assert book().user(org.rep.pk) == Decimal("500")
        assert book("2026-10").user(org.rep.pk) == Decimal("100")

    def test_a_month_is_only_its_own(self, org):
        give(org, Q4, "900", user=org.rep)
        assert book("2026-10").user(org.rep.pk) is None

    def test_nothing_set_is_none_not_zero(self, org):
        give(org, "2026-09", "100", user=org.rep)  # the quarter before
        give(org, "2026-10", "0", user=org.teammate)
        assert book().user(org.rep.pk) is None
        assert book().user(org.teammate.pk) == Decimal("0")

    def test_quarters_follow_the_fiscal_year_start(self, org):
        company.company_update(by=org.admin, fiscal_year_start=4)
        give(org, "2026-Q4", "300", user=org.rep)  # January to March 2027
        give(org, "2027-02", "40", user=org.teammate)
        quota = Quota.objects.get(user=org.rep)
        assert (quota.kind, quota.start) == ("quarter", datetime.date(2027, 1, 1))
        assert book("2026-Q4", 4).user(org.rep.pk) == Decimal("300")
        assert book("2026-Q4", 4).user(org.teammate.pk) == Decimal("40")
        assert book("2026-Q3", 4).user(org.teammate.pk) is None


class TestTeamFromMembers:
    """East (rhea) over Boston (mia: rob, tess, and mia herself); Denver (otto) beside it."""

    def test_a_team_adds_up_its_members_and_sub_teams(self, org):
        give(org, Q4, "100", user=org.rep)
        give(org, "2026-10", "20", user=org.teammate)
        give(org, "2026-11", "30", user=org.teammate)
        give(org, Q4, "50", user=org.manager)
        give(org, Q4, "70", user=org.other_rep)
        quotas = book()
        assert quotas.team(org.team_a.pk) == Decimal("200")  # 100 + (20 + 30) + 50
        assert quotas.team(org.region.pk) == Decimal("200")  # Boston; rhea has no team
        assert quotas.team(org.team_b.pk) == Decimal("70")
        assert quotas.team(org.company.pk) == Decimal("270")

    def test_a_sub_teams_own_quota_overrides_its_members_sum(self, org):
        give(org, Q4, "100", user=org.rep)
        give(org, Q4, "70", user=org.other_rep)
        give(org, Q4, "1000", team=org.team_a)
        quotas = book()
        assert quotas.team(org.team_a.pk) == Decimal("1000")
        assert quotas.team(org.region.pk) == Decimal("1000")
        assert quotas.team(org.company.pk) == Decimal("1070")
        give(org, "2026-12", "5000", team=org.region)  # East's own, from its months
        assert book().team(org.region.pk) == Decimal("5000")
        assert book().team(org.company.pk) == Decimal("5070")
        assert book("2026-11").team(org.region.pk) is None  # nothing in November below it

    def test_a_team_with_nothing_below_it_is_none(self, org):
        give(org, Q4, "100", user=org.rep)
        assert book().team(org.team_b.pk) is None
        assert book().team(org.team_a.pk) == Decimal("100")

    def test_deactivated_people_no_longer_count_for_their_team(self, org):
        give(org, Q4, "100", user=org.rep)
        give(org, Q4, "40", user=org.teammate)
        org.teammate.is_active = False
        org.teammate.save()
        assert book().team(org.team_a.pk) == Decimal("100")
        assert book().user(org.teammate.pk) == Decimal("40")

    def test_the_book_reads_in_three_queries_however_many_teams(
        self, org, django_assert_num_queries
    ):
        def read_everything():
            quotas = book()
            for team in (org.company, org.region, org.team_a, org.team_b):
                quotas.team(team.pk)
            for person in (org.rep, org.teammate, org.manager, org.other_rep):
                quotas.user(person.pk)
            return quotas

        give(org, "2026-10", "10", user=org.rep)
        with django_assert_num_queries(3):
            read_everything()
        for i in range(5):
            team = team_create(name=f"Team {i}", parent=org.team_b)
            person = user_create(username=f"rep{i}", role="rep", team=team)
            give(org, "2026-11", "10", user=person)
            give(org, Q4, "10", team=team) if i % 2 else None
        with django_assert_num_queries(3):
            quotas = read_everything()
        # Denver: otto has none; teams 1 and 3 their own 10, teams 0, 2, 4 their rep's 10.
        assert quotas.team(org.team_b.pk) == Decimal("50")
        assert quotas.team(org.company.pk) == Decimal("60")


class TestWhoSetsWhat:
    def test_an_admin_sets_anyones_and_any_teams(self, org):
        for person in (org.region_manager, org.manager, org.rep, org.other_rep):
            give(org, Q4, "10", user=person)
        for team in (org.company, org.region, org.team_a, org.team_b):
            give(org, Q4, "10", team=team)
        assert Quota.objects.count() == 8

    def test_an_admin_carries_no_quota(self, org):
        with pytest.raises(ValidationError) as error:
            give(org, Q4, "10", user=org.admin)
        assert "carries no quota" in error.value.message_dict["user"][0]

    def test_a_region_manager_sets_their_subtree_below_them(self, org):
        rhea = org.region_manager
        for person in (org.manager, org.rep, org.teammate):
            quota_set(by=rhea, period=Q4, amount="10", user=person)
        quota_set(by=rhea, period=Q4, amount="10", team=org.team_a)
        for whose in ({"user": rhea}, {"team": org.region}, {"user": org.other_rep}):
            with pytest.raises(Forbidden):
                quota_set(by=rhea, period=Q4, amount="10", **whose)
        for team in (org.team_b, org.company):
            with pytest.raises(Forbidden):
                quota_set(by=rhea, period=Q4, amount="10", team=team)
        assert Quota.objects.count() == 4

    def test_a_manager_cannot_set_their_own_quota_or_their_own_teams(self, org):
        mia = org.manager
        quota_set(by=mia, period=Q4, amount="10", user=org.rep)
        refused = [{"user": mia}, {"team": org.team_a}, {"team": org.region}]
        refused += [{"user": org.other_rep}, {"user": org.region_manager}]
        for whose in refused:
            with pytest.raises(Forbidden):
                quota_set(by=mia, period=Q4, amount="10", **whose)
        assert list(Quota.objects.values_list("user", flat=True)) == [org.rep.pk]

    def test_a_rep_sets_nothing(self, org):
        with pytest.raises(Forbidden):
            quota_set(by=org.rep, period=Q4, amount="10", user=org.teammate)
        with pytest.raises(Forbidden):
            quota_set(by=org.rep, period=Q4, amount="10", user=org.rep)
        assert not Quota.objects.exists()

    def test_deleting_follows_the_same_rule(self, org):
        own = give(org, Q4, "10", user=org.manager)
        theirs = give(org, Q4, "10", user=org.rep)
        with pytest.raises(Forbidden):
            quota_delete(by=org.manager, quota=own)
        with pytest.raises(Forbidden):
            quota_delete(by=org.rep, quota=theirs)
        quota_delete(by=org.manager, quota=theirs)
        assert list(Quota.objects.all()) == [own]


class TestSettingAQuota:
    def test_it_creates_changes_and_removes_through_the_audit_log(self, org):
        quota = give(org, Q4, "1000", user=org.rep)
        assert (quota.kind, quota.start, quota.amount) == (
            "quarter",
            datetime.date(2026, 10, 1),
            Decimal("1000"),
        )
        assert quota.set_by == org.admin
        give(org, "2026-q4", "1200.5", user=org.rep)
        give(org, Q4, "1200.50", user=org.rep)  # the same: no change, no entry
        quota.refresh_from_db()
        assert quota.amount == Decimal("1200.50")
        assert give(org, Q4, "", user=org.rep) is None
        assert give(org, Q4, None, user=org.rep) is None  # nothing left to remove
        actions = list(
            AuditEntry.objects.filter(model="forecasting.quota")
            .order_by("pk")
            .values_list("action", "data")
        )
        assert [a for a, _ in actions] == [
            "forecasting.quota.created",
            "forecasting.quota.changed",
            "forecasting.quota.deleted",
        ]
        assert actions[1][1]["amount"] == {"old": "1000.00", "new": "1200.50"}
        assert not Quota.objects.exists()

    def test_a_bad_period_names_both_shapes(self, org):
        with pytest.raises(ValidationError) as error:
            give(org, "2026-Q5", "10", user=org.rep)
        assert error.value.message_dict["period"] == [
            "'2026-Q5' is not a period: write a quarter like 2026-Q4 or a month like 2026-11."
        ]

    @pytest.mark.parametrize(
        "amount,message",
        [
            ("-1", "A quota is a number of 0 or more."),
            ("abc", "'abc' is not a number."),
            ("NaN", "A quota is a number of 0 or more."),
            ("Infinity", "A quota is a number of 0 or more."),
            ("1.005", "A quota has at most 12 digits before the point and 2 after."),
            ("1000000000000", "A quota has at most 12 digits before the point and 2 after."),
        ],
    )
    def test_a_bad_amount_is_a_field_error(self, org, amount, message):
        with pytest.raises(ValidationError) as error:
            give(org, Q4, amount, user=org.rep)
        assert error.value.message_dict["amount"] == [message]
        assert not Quota.objects.exists()

    def test_it_is_for_a_user_or_a_team_not_both(self, org):
        with pytest.raises(ValidationError):
            give(org, Q4, "10", user=org.rep, team=org.team_a)
        with pytest.raises(ValidationError):
            give(org, Q4, "10")
        assert not Quota.objects.exists()


CSV = "user,team,period,amount\n"
QUOTA_PAGE_QUERIES = 10


class TestImport:
    def test_it_adds_and_corrects_quotas(self, org):
        give(org, Q4, "100", user=org.rep)
        give(org, "2026-10", "5", user=org.teammate)
        counts = quotas_import(
            by=org.admin,
            text="\ufeffUser, Team ,Period,Amount\nrob,,2026-Q4,150\n,Boston,2026-Q4,900\n"
            "tess,,2026-10,5\notto,,2026-11,70.25\n\n",
        )
        assert counts == {"created": 2, "changed": 1, "unchanged": 1}
        assert book().user(org.rep.pk) == Decimal("150")
        assert book().team(org.team_a.pk) == Decimal("900")
        assert book("2026-11").user(org.other_rep.pk) == Decimal("70.25")

    def test_a_file_of_users_only_needs_no_team_column(self, org):
        quotas_import(by=org.manager, text="user,period,amount\nrob,2026-11,10\n")
        assert book().user(org.rep.pk) == Decimal("10")

    def test_bad_lines_are_named_and_nothing_is_written(self, org):
        text = CSV + (
            "rob,,2026-Q4,100\n"  # good, but not written
            "nobody,,2026-Q4,1\n"
            ",Nowhere,2026-Q4,1\n"
            "tess,,2026-Q5,1\n"
            "tess,,2026-Q4,-3\n"
            "rob,Boston,2026-Q4,1\n"
            "rob,,2026-Q4,200\n"
            "tess,,2026-11,\n"
            "ada,,2026-11,1\n"
        )
        with pytest.raises(ValidationError) as error:
            quotas_import(by=org.admin, text=text)
        assert error.value.message_dict["file"] == [
            "Line 3: there is no user 'nobody'.",
            "Line 4: there is no team 'Nowhere'.",
            "Line 5: '2026-Q5' is not a period: write a quarter like 2026-Q4 or a month like "
            "2026-11.",
            "Line 6: A quota is a number of 0 or more.",
            "Line 7: give a user or a team, one of the two.",
            "Line 8: 2026-Q4 twice for the same quota.",
            "Line 9: give an amount.",
            "Line 10: ada carries no quota: an admin or a deactivated user.",
        ]
        assert not Quota.objects.exists()
        assert not AuditEntry.objects.filter(model="forecasting.quota").exists()

    def test_the_first_ten_errors_then_how_many_more(self, org):
        text = CSV + "".join(f"rob,,2026-{m:02d},x\n" for m in range(1, 13))
        with pytest.raises(ValidationError) as error:
            quotas_import(by=org.admin, text=text)
        errors = error.value.message_dict["file"]
        assert len(errors) == 11 and errors[0] == "Line 2: 'x' is not a number."
        assert errors[-1] == "… and 2 more."

    def test_a_line_the_importer_may_not_set_is_named(self, org):
        text = CSV + "rob,,2026-Q4,100\notto,,2026-Q4,100\nmia,,2026-Q4,1\n,Boston,2026-Q4,1\n"
        with pytest.raises(ValidationError) as error:
            quotas_import(by=org.manager, text=text)
        assert error.value.message_dict["file"] == [
            "Line 3: otto's quota is not yours to set.",
            "Line 4: Your quota is set by your manager or an admin.",
            "Line 5: Boston's quota is not yours to set.",
        ]
        assert not Quota.objects.exists()

    def test_missing_columns_are_named(self, org):
        with pytest.raises(ValidationError) as error:
            quotas_import(by=org.admin, text="name;period\nrob;2026-Q4\n")
        assert error.value.message_dict["file"] == [
            "The first line names the columns; missing: user or team, amount, period."
        ]

    def test_a_rep_imports_nothing(self, org):
        with pytest.raises(Forbidden):
            quotas_import(by=org.rep, text=CSV + "rob,,2026-Q4,100\n")
        assert not Quota.objects.exists()


@pytest.fixture
def spread(org):
    """A quota for each person and team but ada, all for 2026-Q4, plus rob's October."""
    quotas = {}
    for name in ("region_manager", "manager", "rep", "teammate", "other_rep"):
        quotas[name] = give(org, Q4, "10", user=getattr(org, name))
    for name in ("company", "region", "team_a", "team_b"):
        quotas[name] = give(org, Q4, "10", team=getattr(org, name))
    quotas["rep_october"] = give(org, "2026-10", "5", user=org.rep)
    return quotas


def listed(client, query="") -> set[int]:
    response = client.get(f"/api/v1/quotas{query}")
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


class TestApi:
    def test_each_role_sees_its_own_view(self, org, as_user, spread):
        def ids(*names):
            return {spread[name].pk for name in names}

        assert listed(as_user(org.rep)) == ids("rep", "rep_october")
        assert listed(as_user(org.manager)) == ids(
            "manager", "rep", "rep_october", "teammate", "team_a"
        )
        assert listed(as_user(org.region_manager)) == ids(
            "region_manager", "manager", "rep", "rep_october", "teammate", "team_a", "region"
        )
        assert listed(as_user(org.admin)) == {q.pk for q in spread.values()}

    def test_a_row_says_whose_and_which_period(self, org, as_user, spread):
        rows = as_user(org.rep).get("/api/v1/quotas?period=2026-10").json()["results"]
        assert rows == [
            {
                "id": spread["rep_october"].pk,
                "user_id": org.rep.pk,
                "team_id": None,
                "period": "2026-10",
                "kind": "month",
                "start": "2026-10-01",
                "amount": "5.00",
                "set_by_id": org.admin.pk,
                "set_at": rows[0]["set_at"],
            }
        ]

    def test_filters(self, org, as_user, spread):
        admin = as_user(org.admin)
        assert listed(admin, f"?period=2026-q4&user_id={org.rep.pk}") == {spread["rep"].pk}
        assert listed(admin, f"?team_id={org.team_b.pk}") == {spread["team_b"].pk}
        assert listed(admin, "?period=2026-11") == set()
        assert listed(as_user(org.rep), f"?user_id={org.teammate.pk}") == set()

    @pytest.mark.parametrize(
        "query,field",
        [
            ("?period=", "period"),
            ("?period=2026-Q5", "period"),
            ("?user_id=", "user_id"),
            ("?user_id=abc", "user_id"),
            ("?team_id=0", "team_id"),
            ("?team_id=1.5", "team_id"),
        ],
    )
    def test_a_bad_filter_is_a_400_with_its_field(self, org, as_user, query, field):
        response = as_user(org.admin).get(f"/api/v1/quotas{query}")
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]

    def test_post_creates_then_changes(self, org, as_user):
        client = as_user(org.manager)
        body = {"user_id": org.rep.pk, "period": "2026-Q4", "amount": "1000"}
        created = client.post("/api/v1/quotas", body, format="json")
        assert created.status_code == 201, created.json()
        assert created.json()["amount"] == "1000.00"
        changed = client.post("/api/v1/quotas", body | {"amount": "1500.5"}, format="json")
        assert changed.status_code == 200
        assert changed.json()["id"] == created.json()["id"]
        assert Quota.objects.get().amount == Decimal("1500.50")
        team = {"team_id": org.team_a.pk, "period": "2026-11", "amount": 10}
        response = as_user(org.region_manager).post("/api/v1/quotas", team, format="json")
        assert response.status_code == 201 and response.json()["team_id"] == org.team_a.pk

    def test_refusals_are_403(self, org, as_user):
        own = {"user_id": org.manager.pk, "period": Q4, "amount": "1"}
        own_team = {"team_id": org.team_a.pk, "period": Q4, "amount": "1"}
        assert as_user(org.manager).post("/api/v1/quotas", own, format="json").status_code == 403
        response = as_user(org.manager).post("/api/v1/quotas", own_team, format="json")
        assert response.status_code == 403
        rep = {"user_id": org.rep.pk, "period": Q4, "amount": "1"}
        assert as_user(org.rep).post("/api/v1/quotas", rep, format="json").status_code == 403
        assert not Quota.objects.exists()

    @pytest.mark.parametrize(
        "body,field",
        [
            ({"period": "2026-Q5", "amount": "1"}, "period"),
            ({"period": Q4, "amount": "-1"}, "amount"),
            ({"period": Q4, "amount": "abc"}, "amount"),
            ({"period": Q4}, "amount"),
            ({"period": Q4, "amount": "1", "user_id": 10**9}, "user_id"),
            ({"period": Q4, "amount": "1", "team_id": "x"}, "team_id"),
            ({"period": 202611, "amount": "1"}, "period"),
        ],
    )
    def test_bad_input_is_a_400_with_its_field(self, org, as_user, body, field):
        body = {"user_id": org.rep.pk} | body
        response = as_user(org.admin).post("/api/v1/quotas", body, format="json")
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"], response.json()
        assert not Quota.objects.exists()

    def test_a_user_and_a_team_at_once_is_a_400(self, org, as_user):
        body = {"user_id": org.rep.pk, "team_id": org.team_a.pk, "period": Q4, "amount": "1"}
        response = as_user(org.admin).post("/api/v1/quotas", body, format="json")
        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"user_id", "team_id"}
        neither = as_user(org.admin).post(
            "/api/v1/quotas", {"period": Q4, "amount": "1"}, format="json"
        )
        assert neither.status_code == 400

    def test_delete(self, org, as_user, spread):
        assert as_user(org.rep).delete(f"/api/v1/quotas/{spread['rep'].pk}").status_code == 403
        missing = as_user(org.rep).delete(f"/api/v1/quotas/{spread['teammate'].pk}")
        assert missing.status_code == 404  # not the rep's to see
        own = as_user(org.manager).delete(f"/api/v1/quotas/{spread['manager'].pk}")
        assert own.status_code == 403
        done = as_user(org.manager).delete(f"/api/v1/quotas/{spread['rep'].pk}")
        assert done.status_code == 204
        assert not Quota.objects.filter(pk=spread["rep"].pk).exists()
        assert Quota.objects.filter(pk=spread["manager"].pk).exists()

    def test_the_schema_names_the_endpoint(self, org, as_user):
        schema = as_user(org.rep).get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
        assert {"get", "post"} <= set(schema["paths"]["/api/v1/quotas"])
        assert "delete" in schema["paths"]["/api/v1/quotas/{id}"]


def htmx(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true")


def toast(response) -> dict:
    return json.loads(response["HX-Trigger"])["toast"]


class TestPage:
    def test_a_rep_has_no_such_page(self, org):
        client = signed_in(org.rep)
        assert client.get("/forecast/quotas/").status_code == 404
        data = {"target": f"user:{org.rep.pk}", "period": Q4, "amount": "1"}
        assert client.post("/forecast/quotas/set/", data).status_code == 404
        assert 'href="/forecast/quotas/"' not in client.get("/").content.decode()
        assert not Quota.objects.exists()

    def test_managers_and_admins_find_it_in_their_menu(self, org):
        for person in (org.manager, org.admin):
            assert 'href="/forecast/quotas/"' in signed_in(person).get("/").content.decode()

    def test_an_admin_sees_every_team_and_person(self, org):
        response = signed_in(org.admin).get(f"/forecast/quotas/?period={Q4}")
        assert response.status_code == 200
        shown = {(row.kind, row.name) for row in response.context["rows"]}
        assert shown == {
            ("team", "Company"),
            ("team", "East"),
            ("team", "Boston"),
            ("team", "Denver"),
            ("user", "rhea"),
            ("user", "mia"),
            ("user", "Rob Stone"),
            ("user", "tess"),
            ("user", "otto"),
        }
        assert all(row.settable for row in response.context["rows"])

    def test_a_manager_sees_their_subtree_and_sets_below_themselves(self, org):
        response = signed_in(org.manager).get("/forecast/quotas/")
        rows = {(row.kind, row.name): row.settable for row in response.context["rows"]}
        assert rows == {
            ("team", "Boston"): False,
            ("user", "mia"): False,
            ("user", "Rob Stone"): True,
            ("user", "tess"): True,
        }

    def test_the_current_quarter_and_its_months_are_offered(self, org):
        response = signed_in(org.admin).get("/forecast/quotas/")
        quarter = periods.quarter_of(datetime.date.today(), 1)
        assert response.context["period"] == quarter
        names = [choice.name for choice in response.context["choices"]]
        assert names == [quarter.name, *[month.name for month in quarter.months()]]

    def test_what_a_row_adds_up_to_shows_muted(self, org):
        give(org, "2026-10", "1000", user=org.rep)
        response = signed_in(org.admin).get(f"/forecast/quotas/?period={Q4}")
        rows = {(row.kind, row.name): row for row in response.context["rows"]}
        assert rows[("user", "Rob Stone")].amount is None
        assert rows[("user", "Rob Stone")].adds_up == Decimal("1000")
        assert rows[("team", "East")].adds_up == Decimal("1000")
        assert '<span class="muted" title="Added up from its months">1,000 USD</span>' in (
            response.content.decode()
        )

    def test_a_change_toasts_and_answers_the_table(self, org):
        client = signed_in(org.manager)
        data = {"target": f"user:{org.rep.pk}", "period": Q4, "amount": "2500"}
        response = htmx(client, "/forecast/quotas/set/", data)
        assert response.status_code == 200
        assert toast(response) == {
            "message": "Quota set: Rob Stone, 2026-Q4, 2,500 USD.",
            "level": "success",
        }
        assert 'value="2500.00"' in response.content.decode()
        assert book().team(org.team_a.pk) == Decimal("2500")
        response = htmx(client, "/forecast/quotas/set/", data | {"amount": ""})
        assert toast(response)["message"] == "Quota removed: Rob Stone, 2026-Q4."
        assert not Quota.objects.exists()

    def test_without_htmx_it_redirects_with_a_message(self, org):
        data = {"target": f"team:{org.team_a.pk}", "period": "2026-11", "amount": "10"}
        response = signed_in(org.admin).post("/forecast/quotas/set/", data, follow=True)
        assert response.redirect_chain[-1][0] == "/forecast/quotas/?period=2026-11"
        assert "Quota set: Boston, 2026-11, 10 USD." in response.content.decode()

    def test_a_refusal_is_an_error_toast_and_changes_nothing(self, org):
        client = signed_in(org.manager)
        own_team = {"target": f"team:{org.team_a.pk}", "period": Q4, "amount": "1"}
        response = htmx(client, "/forecast/quotas/set/", own_team)
        assert response.status_code == 403
        assert toast(response) == {
            "message": "Boston's quota is not yours to set.",
            "level": "error",
        }
        for bad in (
            {"amount": "-5"},
            {"amount": "abc"},
            {"period": "2026-Q9"},
            {"target": "user:abc"},
            {"target": "user:999999"},
        ):
            data = {"target": f"user:{org.rep.pk}", "period": Q4, "amount": "1"} | bad
            response = htmx(client, "/forecast/quotas/set/", data)
            assert response.status_code == 400, bad
            assert toast(response)["level"] == "error"
        assert not Quota.objects.exists()

    def test_a_bad_period_in_the_address_is_a_400_with_a_message(self, org):
        response = signed_in(org.admin).get("/forecast/quotas/?period=soon")
        assert response.status_code == 400
        assert "is not a period" in response.content.decode()

    def test_an_upload_sets_quotas_and_says_how_many(self, org):
        upload = SimpleUploadedFile(
            "q.csv", (CSV + "rob,,2026-Q4,100\n,Denver,2026-Q4,5\n").encode()
        )
        response = signed_in(org.admin).post(
            f"/forecast/quotas/upload/?period={Q4}", {"file": upload}, follow=True
        )
        assert "Quotas uploaded: 2 added, 0 corrected, 0 unchanged." in response.content.decode()
        assert Quota.objects.count() == 2

    def test_an_upload_with_a_bad_line_changes_nothing(self, org):
        upload = SimpleUploadedFile("q.csv", (CSV + "rob,,2026-Q4,100\nbob,,2026-Q4,1\n").encode())
        response = signed_in(org.manager).post("/forecast/quotas/upload/", {"file": upload})
        assert response.status_code == 400
        assert "Line 3: there is no user &#x27;bob&#x27;." in response.content.decode()
        assert not Quota.objects.exists()

    def test_the_page_reads_a_fixed_number_of_queries(self, org, django_assert_max_num_queries):
        client = signed_in(org.admin)
        for i in range(4):
            team = team_create(name=f"Team {i}", parent=org.team_b)
            person = user_create(username=f"rep{i}", role="rep", team=team)
            give(org, Q4, "10", user=person)
            give(org, "2026-11", "10", team=team)
        # Session, user, company (twice: fiscal year, currency), the teams, the people, who
        # may be set (teams, people) and the book's three: none per row.
        with django_assert_max_num_queries(QUOTA_PAGE_QUERIES):
            response = client.get(f"/forecast/quotas/?period={Q4}")
        assert len(response.context["rows"]) == 17
