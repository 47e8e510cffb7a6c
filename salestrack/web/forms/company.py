"""The company's currency and its exchange rates. The forms read the input; the services in
salestrack/company decide what is allowed."""

import calendar

from django import forms

from salestrack.company.money import CURRENCIES

MAX_UPLOAD = 1_000_000  # bytes: years of daily rates for every currency fit in far less


def currency_choices(skip: str = "") -> list[tuple[str, str]]:
    return [(code, f"{code} · {name}") for code, name in sorted(CURRENCIES.items()) if code != skip]


MONTHS = [(n, calendar.month_name[n]) for n in range(1, 13)]


class CompanyForm(forms.Form):
    currency = forms.ChoiceField(label="Company currency", choices=currency_choices)
    fiscal_year_start = forms.TypedChoiceField(
        label="Fiscal year starts in",
        choices=MONTHS,
        coerce=int,
        help_text="A fiscal year is named by the calendar year it starts in.",
    )


class RateForm(forms.Form):
    currency = forms.ChoiceField(choices=())
    rate = forms.DecimalField(
        max_digits=18,
        decimal_places=8,
        help_text="What one unit of this currency is worth in the company's currency.",
    )
    valid_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, company_currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices(skip=company_currency)
        self.fields["rate"].label = f"Rate in {company_currency}"


class RatesUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns currency, rate, valid_from (e.g. EUR,1.0842,2026-12-01), UTF-8.",
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is over 1 MB: split it.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text: save it as CSV UTF-8."
            ) from None
