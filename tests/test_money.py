"""The company's currency, dated exchange rates, and totals converted when they are read."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from salestrack.accounts.services import account_create
from salestrack.audit.models import AuditEntry
from salestrack.company import services
from salestrack.company.models import Company, ExchangeRate
from salestrack.company.money import Rates, currencies_offered, in_company_currency
from salestrack.lib.errors import Conflict, Forbidden
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import opportunity_create, opportunity_update
from tests.conftest import signed_in

DAY = datetime.date
JAN, MAR, JUN = DAY(2026, 1, 1), DAY(2026, 3, 1), DAY(2026, 6, 1)


@pytest.fixture
def account(org):
    return account_create(by=org.rep, name="Globex")


@pytest.fixture
def euro(org):
    """EUR at 1.10 from March and 1.20 from June; before March the first rate applies."""
    services.rate_create(by=org.admin, currency="EUR", rate="1.10", valid_from=MAR)
    services.rate_create(by=org.admin, currency="eur", rate="1.2", valid_from=JUN)


def deal(org, account, amount, currency="USD", close_date=JUN, **fields):
    return opportunity_create(
        by=org.rep,
        account=account,
        name=f"{amount} {currency}",
        amount=Decimal(amount),
        currency=currency,
        close_date=close_date,
        **fields,
    )


def total(**filters) -> Decimal:
    rows = Opportunity.objects.filter(**filters)
    return rows.aggregate(total=Sum(in_company_currency()))["total"]


class TestCurrencyOfADeal:
    def test_a_new_deal_is_in_the_company_currency(self, org, account):
        opportunity = opportunity_create(by=org.rep, account=account, name="D", close_date=JUN)
        assert opportunity.currency == "USD"

    def test_a_code_that_is_not_iso_4217_is_a_field_error(self, org, account):
        with pytest.raises(ValidationError) as error:
            deal(org, account, "10", "XYZ")
        assert "not an ISO 4217 currency code" in error.value.message_dict["currency"][0]
        assert not Opportunity.objects.exists()

    def test_a_currency_with_no_rate_is_a_field_error_never_one_to_one(self, org, account):
        with pytest.raises(ValidationError) as error:
            deal(org, account, "10", "GBP")
        assert "no exchange rate for GBP" in error.value.message_dict["currency"][0]

    def test_a_currency_with_a_rate_is_taken_and_upper_cased(self, org, account, euro):
        assert deal(org, account, "10", "eur").currency == "EUR"

    def test_changing_to_a_currency_without_a_rate_is_refused(self, org, account, euro):
        opportunity = deal(org, account, "10", "EUR")
        with pytest.raises(ValidationError):
            opportunity_update(opportunity=opportunity, by=org.rep, currency="JPY")
        opportunity.refresh_from_db()
        assert opportunity.currency == "EUR" and opportunity.version == 1

    def test_the_form_offers_the_company_currency_then_the_rated_ones(self, org, euro):
        services.rate_create(by=org.admin, currency="CHF", rate="1.05", valid_from=JAN)
        assert currencies_offered() == ["USD", "CHF", "EUR"]


class TestConversion:
    def test_each_deal_at_the_rate_in_force_on_its_close_date(self, org, account, euro):
        deal(org, account, "100", "EUR", close_date=DAY(2026, 1, 15))  # before: first, 1.10
        deal(org, account, "100", "EUR", close_date=DAY(2026, 3, 1))  # 1.10 from that day
        deal(org, account, "100", "EUR", close_date=DAY(2026, 5, 31))  # 1.10
        deal(org, account, "100", "EUR", close_date=DAY(2026, 6, 1))  # 1.20
        deal(org, account, "100", "USD", close_date=DAY(2026, 6, 1))
        assert total() == Decimal("110") * 3 + Decimal("120") + Decimal("100")

    def test_each_deal_is_rounded_to_cents_before_summing(self, org, account):
        services.rate_create(by=org.admin, currency="EUR", rate="1.5", valid_from=JAN)
        for _ in range(3):
            deal(org, account, "10.01", "EUR")  # 15.015 -> 15.02 each
        # Summed first it would be 45.045 -> 45.05; a drill-down of three rows shows 45.06.
        assert total() == Decimal("45.06")
        rows = Opportunity.objects.annotate(value=in_company_currency()).values_list(
            "value", flat=True
        )
        assert sorted(rows) == [Decimal("15.02")] * 3

    def test_correcting_a_rate_corrects_every_figure_that_used_it(self, org, account, euro):
        deal(org, account, "100", "EUR", close_date=DAY(2026, 7, 1))
        assert total() == Decimal("120")
        june = ExchangeRate.objects.get(currency="EUR", valid_from=JUN)
        services.rate_update(exchange_rate=june, by=org.admin, rate="1.25")
        assert total() == Decimal("125")

    def test_python_and_sql_agree(self, org, account, euro):
        for close_date in (DAY(2025, 12, 31), MAR, DAY(2026, 8, 8)):
            deal(org, account, "333.33", "EUR", close_date=close_date)
        deal(org, account, "5", "USD")
        rates = Rates()
        by_python = sum(
            rates.convert(d.amount, d.currency, d.close_date) for d in Opportunity.objects.all()
        )
        assert by_python == total()


class TestRates:
    def test_only_an_admin_keeps_them(self, org):
        with pytest.raises(Forbidden):
            services.rate_create(by=org.manager, currency="EUR", rate="1.1", valid_from=JAN)
        assert not ExchangeRate.objects.exists()

    @pytest.mark.parametrize(
        "currency,rate,field",
        [
            ("USD", "1", "currency"),  # the company's own
            ("EURO", "1", "currency"),
            ("", "1", "currency"),
            ("EUR", "0", "rate"),
            ("EUR", "-1", "rate"),
            ("EUR", "NaN", "rate"),
            ("EUR", "Infinity", "rate"),
            ("EUR", "1.123456789", "rate"),
            ("EUR", "12345678901", "rate"),
            ("EUR", "abc", "rate"),
        ],
    )
    def test_bad_rates_are_field_errors(self, org, currency, rate, field):
        with pytest.raises(ValidationError) as error:
            services.rate_create(by=org.admin, currency=currency, rate=rate, valid_from=JAN)
        assert field in error.value.message_dict
        assert not ExchangeRate.objects.exists()

    def test_one_rate_per_currency_and_day(self, org, euro):
        with pytest.raises(ValidationError) as error:
            services.rate_create(by=org.admin, currency="EUR", rate="1.3", valid_from=JUN)
        assert "already has a rate from 1 Jun 2026" in error.value.message_dict["valid_from"][0]

    def test_the_last_rate_of_a_currency_in_use_is_kept(self, org, account, euro):
        deal(org, account, "10", "EUR")
        march, june = ExchangeRate.objects.order_by("valid_from")
        services.rate_delete(exchange_rate=june, by=org.admin)
        with pytest.raises(Conflict):
            services.rate_delete(exchange_rate=march, by=org.admin)
        with pytest.raises(Conflict):
            services.rate_update(exchange_rate=march, by=org.admin, currency="GBP")
        assert ExchangeRate.objects.get().currency == "EUR"

    def test_each_change_is_audited(self, org, euro):
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        assert "company.rate.created" in actions


class TestCompanyCurrency:
    def test_it_changes_on_a_fresh_install(self, org):
        services.company_update(by=org.admin, currency="eur")
        assert Company.load().currency == "EUR"
        assert AuditEntry.objects.filter(action="company.changed").exists()

    def test_it_does_not_change_while_rates_are_stated_in_it(self, org, euro):
        with pytest.raises(Conflict):
            services.company_update(by=org.admin, currency="EUR")
        assert Company.load().currency == "USD"

    def test_it_does_not_change_while_deals_are_in_it(self, org, account):
        deal(org, account, "10")
        with pytest.raises(Conflict):
            services.company_update(by=org.admin, currency="EUR")

    def test_the_fiscal_year_start_is_a_month(self, org):
        services.company_update(by=org.admin, fiscal_year_start=4)
        assert Company.load().fiscal_year_start == 4
        for bad in (0, 13, "4", True, None):
            with pytest.raises(ValidationError):
                services.company_update(by=org.admin, fiscal_year_start=bad)
        assert Company.load().fiscal_year_start == 4

    def test_only_an_admin_changes_it(self, org):
        with pytest.raises(Forbidden):
            services.company_update(by=org.rep, currency="EUR")


class TestUpload:
    def test_it_adds_and_corrects_rates(self, org, euro):
        counts = services.rates_import(
            by=org.admin,
            text="currency,rate,valid_from\nEUR,1.25,2026-06-01\nGBP,1.27,2026-01-01\n"
            "EUR,1.1,2026-03-01\n\n",
        )
        assert counts == {"created": 1, "changed": 1, "unchanged": 1}
        assert ExchangeRate.objects.get(currency="EUR", valid_from=JUN).rate == Decimal("1.25")

    def test_a_bad_line_changes_nothing_and_is_named(self, org):
        with pytest.raises(ValidationError) as error:
            services.rates_import(
                by=org.admin,
                text="Currency, Rate ,valid_from\nEUR,1.1,2026-01-01\nXYZ,1,2026-01-01\n"
                "GBP,1.2,01/02/2026\nGBP,1.2,2026-01-01\nGBP,1.3,2026-01-01\n",
            )
        errors = error.value.message_dict["file"]
        assert errors[0].startswith("Line 3: XYZ is not an ISO 4217")
        assert errors[1].startswith("Line 4: '01/02/2026' is not a date")
        assert errors[2].startswith("Line 6: the same currency and day twice")
        assert len(errors) == 3
        assert not ExchangeRate.objects.exists()

    def test_missing_columns_are_named(self, org):
        with pytest.raises(ValidationError) as error:
            services.rates_import(by=org.admin, text="currency;rate\nEUR;1\n")
        assert error.value.message_dict["file"] == [
            "The first line names the columns; missing: currency, rate, valid_from."
        ]


class TestBoard:
    def test_column_totals_are_in_the_company_currency(self, org, account, euro):
        deal(org, account, "100", "EUR", close_date=DAY(2026, 7, 1))
        deal(org, account, "50", "USD", close_date=DAY(2026, 7, 1))
        page = signed_in(org.rep).get("/board/")
        column = next(c for c in page.context["columns"] if c.count)
        assert column.amount == Decimal("170")
        html = page.content.decode()
        assert "170 USD" in html and "100 EUR" in html  # the total, and the card's own amount

    def test_each_deal_is_converted_and_weighted_by_its_own_probability(self, org, account, euro):
        # 33.33 EUR at 1.20 is 39.996, kept as 40.00; at 1.10 (before June) 36.663, 36.66.
        deal(org, account, "33.33", "EUR", close_date=DAY(2026, 7, 1), probability=50)
        deal(org, account, "33.33", "EUR", close_date=DAY(2026, 4, 1), probability=50)
        deal(org, account, "33.33", "EUR", close_date=DAY(2026, 7, 1))  # the stage's 10%
        deal(org, account, "50", "USD", close_date=DAY(2026, 7, 1), probability=25)
        page = signed_in(org.rep).get("/board/")
        column = next(c for c in page.context["columns"] if c.count)
        assert column.count == 4
        assert column.amount == Decimal("40.00") + Decimal("36.66") + Decimal("40.00") + 50
        assert (
            column.weighted
            == (Decimal("40.00") * 50 + Decimal("36.66") * 50 + Decimal("40.00") * 10 + 50 * 25)
            / 100
        )


class TestSettingsPage:
    def test_only_admins_see_it(self, org):
        assert signed_in(org.manager).get("/settings/company/").status_code == 404
        assert signed_in(org.admin).get("/settings/company/").status_code == 200

    def test_an_admin_adds_a_rate_and_sees_a_toast(self, org):
        client = signed_in(org.admin)
        response = client.post(
            "/settings/company/rates/new/",
            {"currency": "EUR", "rate": "1.0842", "valid_from": "2026-12-01"},
            follow=True,
        )
        assert "Rate added: 1 EUR from 1 Dec 2026." in response.content.decode()
        assert "1.0842" in response.content.decode()
        assert ExchangeRate.objects.get().rate == Decimal("1.0842")

    def test_a_bad_rate_is_shown_beside_its_field(self, org):
        response = signed_in(org.admin).post(
            "/settings/company/rates/new/",
            {"currency": "USD", "rate": "1", "valid_from": "2026-12-01"},
        )
        assert response.status_code == 400
        assert not ExchangeRate.objects.exists()

    def test_an_upload_with_a_bad_line_changes_nothing(self, org):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("rates.csv", b"currency,rate,valid_from\nEUR,x,2026-01-01\n")
        response = signed_in(org.admin).post("/settings/company/rates/upload/", {"file": upload})
        assert response.status_code == 400
        assert "Line 2: &#x27;x&#x27; is not a number." in response.content.decode()
        assert not ExchangeRate.objects.exists()

    def test_an_upload_that_is_not_utf8_is_refused(self, org):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("rates.csv", "currency,rate,valid_from\n€".encode("utf-16"))
        response = signed_in(org.admin).post("/settings/company/rates/upload/", {"file": upload})
        assert response.status_code == 400
        assert "not UTF-8" in response.content.decode()

    def test_the_company_currency_refusal_is_a_message(self, org, euro):
        response = signed_in(org.admin).post(
            "/settings/company/save/", {"currency": "EUR", "fiscal_year_start": "1"}, follow=True
        )
        assert response.status_code == 400
        assert "delete them before changing" in response.content.decode()
        assert Company.load().currency == "USD"

    def test_a_deal_form_refuses_a_currency_without_a_rate(self, org, account):
        response = signed_in(org.rep).post(
            "/opportunities/new/",
            {
                "name": "D",
                "account": account.pk,
                "amount": "1",
                "currency": "GBP",
                "close_date": "2026-12-31",
                "owner": org.rep.pk,
            },
        )
        assert response.status_code == 400
        assert not Opportunity.objects.exists()


class TestApi:
    def test_everyone_reads_admins_write(self, org, as_user, euro):
        rows = as_user(org.rep).get("/api/v1/exchange-rates?currency=eur").json()["results"]
        assert [(r["currency"], r["rate"], r["valid_from"]) for r in rows] == [
            ("EUR", "1.20000000", "2026-06-01"),
            ("EUR", "1.10000000", "2026-03-01"),
        ]
        body = {"currency": "GBP", "rate": "1.27", "valid_from": "2026-01-01"}
        assert (
            as_user(org.rep).post("/api/v1/exchange-rates", body, format="json").status_code == 403
        )
        created = as_user(org.admin).post("/api/v1/exchange-rates", body, format="json")
        assert created.status_code == 201, created.json()

    def test_errors_are_field_errors(self, org, as_user, euro):
        admin = as_user(org.admin)
        response = admin.post(
            "/api/v1/exchange-rates",
            {"currency": "EUR", "rate": "1", "valid_from": "2026-06-01"},
            format="json",
        )
        assert response.status_code == 400
        assert "valid_from" in str(response.json())
        assert admin.get("/api/v1/exchange-rates?currency=").status_code == 400
        assert admin.get("/api/v1/exchange-rates?currency=XYZ").status_code == 400

    def test_the_last_rate_in_use_is_a_409(self, org, as_user, account):
        rate = services.rate_create(by=org.admin, currency="EUR", rate="1.1", valid_from=JAN)
        deal(org, account, "10", "EUR")
        response = as_user(org.admin).delete(f"/api/v1/exchange-rates/{rate.pk}")
        assert response.status_code == 409
        assert ExchangeRate.objects.exists()

    def test_a_deal_in_a_currency_without_rate_is_a_400(self, org, as_user, account):
        body = {
            "name": "D",
            "account_id": account.pk,
            "close_date": "2026-12-31",
            "currency": "GBP",
            "amount": "10",
        }
        response = as_user(org.rep).post("/api/v1/opportunities", body, format="json")
        assert response.status_code == 400
        assert "currency" in str(response.json())

    def test_the_company(self, org, as_user):
        company = {"currency": "USD", "fiscal_year_start": 1}
        assert as_user(org.rep).get("/api/v1/company").json() == company
        assert (
            as_user(org.rep)
            .patch("/api/v1/company", {"currency": "EUR"}, format="json")
            .status_code
            == 403
        )
        response = as_user(org.admin).patch("/api/v1/company", {"currency": "EUR"}, format="json")
        assert response.json() == {"currency": "EUR", "fiscal_year_start": 1}
        response = as_user(org.admin).patch(
            "/api/v1/company", {"fiscal_year_start": 13}, format="json"
        )
        assert response.status_code == 400 and "fiscal_year_start" in str(response.json())
        assert Company.load().fiscal_year_start == 1


class TestListTotals:
    def test_the_list_loads_its_totals_after_itself(self, org, account):
        html = signed_in(org.rep).get("/opportunities/?status=open").content.decode()
        assert 'hx-get="/opportunities/totals/?status=open"' in html

    def test_they_add_the_whole_filtered_list_not_the_page(
        self, org, account, euro, django_assert_max_num_queries
    ):
        for i in range(30):  # more than a page
            deal(org, account, "100", close_date=DAY(2026, 7, 1) if i else JUN)
        deal(org, account, "100", "EUR", close_date=DAY(2026, 7, 1))  # 120 USD, at 10%
        won = Opportunity.objects.filter(currency="USD").first()
        closed = Opportunity.objects.get(pk=won.pk).pipeline.stages.get(is_won=True)
        opportunity_update(opportunity=won, by=org.rep, stage=closed)
        client = signed_in(org.rep)
        # Session, user, the filters' stage and owner choices, the scope's teams, the count,
        # the sums, and the company's currency they are shown in: none per deal.
        with django_assert_max_num_queries(8):
            response = client.get("/opportunities/totals/?status=")
        totals = response.context["totals"]
        assert (totals.count, totals.open_count) == (31, 30)
        assert totals.open_amount == Decimal("100") * 29 + Decimal("120")
        assert totals.weighted == (Decimal("100") * 29 + Decimal("120")) * 10 / 100
        html = response.content.decode()
        assert "Open pipeline <strong>3,020 USD</strong> in 30 open deals" in html

    def test_they_follow_the_filters_and_visibility(self, org, account):
        deal(org, account, "100")
        other = account_create(by=org.other_rep, name="Elsewhere")
        opportunity_create(
            by=org.other_rep, account=other, name="Theirs", amount=Decimal(500), close_date=JUN
        )
        assert signed_in(org.rep).get("/opportunities/totals/").context["totals"].count == 1
        assert signed_in(org.admin).get("/opportunities/totals/").context["totals"].count == 2
        filtered = signed_in(org.admin).get(f"/opportunities/totals/?owner={org.other_rep.pk}")
        assert filtered.context["totals"].open_amount == Decimal(500)

    def test_a_searched_list_says_it_totals_its_matches(self, org, account):
        deal(org, account, "100")
        html = signed_in(org.rep).get("/opportunities/totals/?q=100").content.decode()
        assert "1</strong> deal matching “100”" in html

    def test_a_bad_filter_is_a_400_and_adds_nothing(self, org):
        response = signed_in(org.rep).get("/opportunities/totals/?owner=abc")
        assert response.status_code == 400
