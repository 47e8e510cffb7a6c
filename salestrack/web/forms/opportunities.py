from django import forms

from salestrack.opportunities.models import Opportunity, Stage
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
    lost_reason = forms.CharField(
        max_length=200, required=False, help_text="Required when the stage is a lost one."
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
            "lost_reason",
            "probability",
            "forecast_category",
            "source",
            "next_step",
            "owner",
            "description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forecast_category"].required = False
        self.fields["forecast_category"].help_text = "Blank: the stage's default."
        # Name each contact's account (web.forms.record_label): the same name may work at several.
        contacts = self.fields["contact"]
        contacts.queryset = contacts.queryset.select_related("account")
        stages = Stage.objects.select_related("pipeline")
        if self.instance.pk:
            # A deal moves within its own pipeline.
            self.fields["stage"].queryset = stages.filter(pipeline_id=self.instance.pipeline_id)
        else:
            self.fields["stage"].queryset = stages
            self.fields["stage"].label_from_instance = lambda s: f"{s.pipeline} · {s}"
            self.fields["stage"].initial = self.fields["stage"].initial or default_stage()

    def changes(self) -> dict:
        """The cleaned data for the services: stage defaults apply unless the user set a value."""
        data = dict(self.cleaned_data)
        for name in STAGE_DEFAULTS:
            if name not in self.changed_data:
                del data[name]  # untouched: a new stage brings its own default
            elif data[name] in (None, ""):
                data[name] = getattr(data["stage"], name)  # cleared: back to the stage's
        # The services refuse a lost reason on a deal that is not lost.
        if not data["stage"].is_lost:
            del data["lost_reason"]
        return data


class MoveStageForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), label="Move to stage")
    lost_reason = forms.CharField(max_length=200, required=False, label="Lost reason (when lost)")

    def __init__(self, *args, opportunity: Opportunity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(pipeline_id=opportunity.pipeline_id)
        self.fields["stage"].initial = opportunity.stage_id
        self.fields["lost_reason"].initial = opportunity.lost_reason


class SnoozeForm(forms.Form):
    until = forms.DateField(label="Snooze until", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=200, label="Why can it wait?")
