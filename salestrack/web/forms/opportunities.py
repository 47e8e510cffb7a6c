from django import forms

from salestrack.company.money import currencies_offered
from salestrack.opportunities.models import LostReason, Opportunity, Stage
from salestrack.opportunities.services import default_stage
from salestrack.web.forms import RecordForm

# Left blank or untouched, these follow the stage's defaults (PRODUCT.md section 2).
STAGE_DEFAULTS = ["probability", "forecast_category"]


class OpportunityForm(RecordForm):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0)
    close_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    probability = forms.IntegerField(
        min_value=0, max_value=100, required=False, help_text="Blank: the stage's default."
    )

    class Meta:
        model = Opportunity
        fields = [
            "name",
            "account",
            "contact",
            "amount",
            "currency",
            "close_date",
            "stage",
            "probability",
            "forecast_category",
            "source",
            "next_step",
            "owner",
            "description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = currencies_offered()
        if self.instance.pk and self.instance.currency not in codes:
            codes.append(self.instance.currency)  # from before rates: kept until changed
        self.fields["currency"] = forms.ChoiceField(
            choices=[(code, code) for code in codes],
            initial=codes[0],
            help_text="A currency gets here once an admin adds its exchange rate.",
        )
        self.fields["forecast_category"].required = False
        self.fields["forecast_category"].help_text = "Blank: the stage's default."
        # Name each contact's account (web.forms.record_label): the same name may work at several.
        contacts = self.fields["contact"]
        contacts.queryset = contacts.queryset.select_related("account")
        stages = Stage.objects.select_related("pipeline")
        if self.instance.pk:
            # A deal moves on its page's stage bar, and is won, lost or reopened there.
            del self.fields["stage"]
        else:
            # A deal is lost with a reason, on its page: it starts open (or won, logged late).
            self.fields["stage"].queryset = stages.filter(is_lost=False)
            self.fields["stage"].label_from_instance = lambda s: f"{s.pipeline} · {s}"
            self.fields["stage"].initial = self.fields["stage"].initial or default_stage()

    def changes(self) -> dict:
        """The cleaned data for the services: stage defaults apply unless the user set a value."""
        data = dict(self.cleaned_data)
        stage = data.get("stage") or self.instance.stage
        for name in STAGE_DEFAULTS:
            if name not in self.changed_data:
                del data[name]  # untouched: a new stage brings its own default
            elif data[name] in (None, ""):
                data[name] = getattr(stage, name)  # cleared: back to the stage's
        return data


class MoveStageForm(forms.Form):
    """The stage bar, Won and Reopen: a move to an open or a won stage of the deal's pipeline.

    Losing asks for a reason (LoseForm); reopening a deal whose planned close date has passed
    asks for a new one.
    """

    stage = forms.ModelChoiceField(
        queryset=Stage.objects.none(),
        label="Stage",
        error_messages={
            "required": "Choose the stage to move the deal to.",
            "invalid_choice": "Choose an open or won stage of this deal's pipeline: "
            "a deal is lost with a reason, from its Lost button.",
        },
    )
    close_date = forms.DateField(
        required=False, label="New close date", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, opportunity: Opportunity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(
            pipeline_id=opportunity.pipeline_id, is_lost=False
        )


class LoseForm(forms.Form):
    """The Lost dialog: a reason from the list the admin keeps, and a detail when it asks."""

    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(is_active=True),
        label="Why was it lost?",
        empty_label="Choose a reason",
        error_messages={
            "required": "Choose why the deal was lost.",
            "invalid_choice": "Choose a reason from the list.",
        },
    )
    lost_reason_detail = forms.CharField(max_length=200, required=False, label="Detail")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        asking = [r.name for r in self.fields["lost_reason"].queryset if r.needs_detail]
        if asking:
            self.fields["lost_reason_detail"].help_text = f"Required for {', '.join(asking)}."


class SnoozeForm(forms.Form):
    until = forms.DateField(label="Snooze until", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=200, label="Why can it wait?")
