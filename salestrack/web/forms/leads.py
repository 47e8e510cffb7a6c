from decimal import Decimal

from django import forms

from salestrack.access import visibility
from salestrack.accounts.models import Account, Contact
from salestrack.leads.models import Lead
from salestrack.lib.ids import parse_id
from salestrack.lib.models import ADDRESS_FIELDS
from salestrack.opportunities.models import Stage
from salestrack.opportunities.services import OpportunityDraft
from salestrack.web.forms import RecordForm, RecordPicker


class LeadForm(RecordForm):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in Lead.OPEN_STATUSES], initial=Lead.Status.NEW
    )
    score = forms.IntegerField(min_value=0, max_value=100, initial=0, required=False)

    class Meta:
        model = Lead
        fields = [
            "first_name",
            "last_name",
            "title",
            "email",
            "phone",
            "company",
            "website",
            "industry",
            "source",
            "status",
            "score",
            "owner",
            *ADDRESS_FIELDS,
            "description",
        ]

    def clean_score(self):
        return self.cleaned_data["score"] or 0


class DisqualifyForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why is this lead disqualified?")


class ConvertForm(forms.Form):
    """The convert dialog: an existing account and contact ("new" creates one), maybe a deal.

    `account` is a suggestion's id, "new", or "other": the one found with `other_account`'s
    picker (and the same for contacts).
    """

    account = forms.CharField(initial="new")
    contact = forms.CharField(initial="new")
    other_account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, label="Another account"
    )
    other_contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, label="Another contact"
    )
    create_opportunity = forms.BooleanField(required=False, initial=True)
    opportunity_name = forms.CharField(max_length=200, required=False, label="Opportunity name")
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    close_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["stage"].queryset = Stage.objects.filter(
            pipeline__is_default=True, is_won=False, is_lost=False
        )
        for name, model in (("other_account", Account), ("other_contact", Contact)):
            field = self.fields[name]
            field.widget = RecordPicker(user=user)
            field.queryset = visibility.visible(user, model)  # also gives the picker its choices

    def _existing(self, name, model):
        value = self.cleaned_data[name]
        if value in ("new", "other"):
            return value  # "other" is resolved in clean(), once the picker's field is clean
        pk = parse_id(value)
        record = visibility.visible(self.user, model).filter(pk=pk).first() if pk else None
        if record is None:
            raise forms.ValidationError(f"Choose a {model._meta.verbose_name} from the list.")
        return record

    def clean_account(self):
        return self._existing("account", Account)

    def clean_contact(self):
        return self._existing("contact", Contact)

    def clean(self):
        data = super().clean()
        for name in ("account", "contact"):
            if data.get(name) == "new":
                data[name] = None
            elif data.get(name) == "other":
                data[name] = data.get(f"other_{name}")
                if data[name] is None and f"other_{name}" not in self.errors:
                    self.add_error(f"other_{name}", f"Find and choose the {name}.")
        if data.get("create_opportunity"):
            for name in ("opportunity_name", "close_date"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Required to open an opportunity.")
        return data

    def draft(self) -> OpportunityDraft | None:
        data = self.cleaned_data
        if not data["create_opportunity"]:
            return None
        return OpportunityDraft(
            name=data["opportunity_name"],
            amount=data["amount"] or Decimal("0"),
            close_date=data["close_date"],
            stage=data["stage"],
        )
