"""Forms of the forecast pages. They read the input; salestrack/forecasting decides what is
allowed."""

import re

from django import forms
from django.utils import timezone

MAX_UPLOAD = 1_000_000  # bytes: a year of monthly quotas for thousands of people fit in less
TARGET = re.compile(r"(user|team):(\d{1,18})")


class QuotaForm(forms.Form):
    """One row's inline edit: whose quota (user:5 or team:3), the period, the amount (empty
    removes it)."""

    target = forms.CharField(widget=forms.HiddenInput)
    period = forms.CharField(widget=forms.HiddenInput)
    amount = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )

    def clean_target(self) -> tuple[str, int]:
        match = TARGET.fullmatch(self.cleaned_data["target"])
        if match is None:
            raise forms.ValidationError("Pick a person or a team on the page.")
        return match[1], int(match[2])


class QuotasUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns user (a username) or team (a team's name), period (2026-Q4 or "
        "2026-11) and amount, UTF-8.",
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


class PushForm(forms.Form):
    """A past-due deal's new close date, and the version the pusher saw."""

    close_date = forms.DateField(label="New close date")
    version = forms.IntegerField(min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput)

    def clean_close_date(self):
        day = self.cleaned_data["close_date"]
        if day < timezone.localdate():
            raise forms.ValidationError("Push it to a date from today on.")
        return day


class CallForm(forms.Form):
    """A call or an override on one row: whose (user:5 or team:3), the period, both figures
    (both empty withdraws it) and a note (an override's reason)."""

    target = forms.CharField(widget=forms.HiddenInput)
    period = forms.CharField(widget=forms.HiddenInput)
    commit_forecast = forms.DecimalField(
        label="Commit forecast", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    best_case_forecast = forms.DecimalField(
        label="Best case forecast", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    note = forms.CharField(label="Note", required=False, max_length=2000)

    def clean_target(self) -> tuple[str, int]:
        match = TARGET.fullmatch(self.cleaned_data["target"])
        if match is None:
            raise forms.ValidationError("Pick a person or a team on the page.")
        return match[1], int(match[2])
