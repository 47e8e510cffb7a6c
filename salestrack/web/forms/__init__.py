from django import forms

from salestrack.access import visibility
from salestrack.accounts.models import Account, Contact
from salestrack.leads.models import Lead
from salestrack.lib.ids import parse_id
from salestrack.opportunities.models import Opportunity


def record_label(record) -> str:
    """How a related record reads in a picker: a contact with the account they work at."""
    if isinstance(record, Contact) and record.account_id:
        return f"{record} · {record.account}"
    if isinstance(record, Lead) and record.company:
        return f"{record} · {record.company}"
    return str(record)


class RecordPicker(forms.Select):
    """A choice of account or contact among possibly 100,000: a select holding only the chosen
    record, and a search box that fills it with matches (web.views.pick).

    A select of every record the user may pick would make each form megabytes long.
    """

    template_name = "web/widgets/picker.html"
    kinds = {Account: "accounts", Contact: "contacts", Lead: "leads", Opportunity: "opportunities"}

    def __init__(self, attrs=None, *, user):
        super().__init__(attrs)
        self.user = user  # whose eyes the chosen record's label is written for

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["kind"] = self.kinds[self.choices.queryset.model]
        return context

    def optgroups(self, name, value, attrs=None):
        every = self.choices  # the field's ModelChoiceIterator over all it accepts
        chosen = list(every.queryset.filter(pk__in=[pk for v in value if (pk := parse_id(v))]))
        if every.queryset.model is Contact:
            visibility.hide_unseen(self.user, chosen, "account")
        self.choices = [("", every.field.empty_label or "")]
        self.choices += [(every.choice(r)[0], record_label(r)) for r in chosen]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = every


class RecordForm(forms.ModelForm):
    """A record's form for one user: owners and related records limited to what they may use.

    Lead, Contact, Account and Opportunity forms list their fields in one shared order
    (person, company, details, owner, address, description) so converting reads as one motion.
    """

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, field in self.fields.items():
            if name == "owner":
                field.queryset = visibility.assignable_owners(user)
                field.label_from_instance = lambda u: u.get_full_name() or u.username
                field.initial = field.initial or user.pk
            elif isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                field.queryset = visibility.visible(user, model)
                if model in RecordPicker.kinds:
                    field.widget = RecordPicker(attrs=field.widget.attrs, user=user)
                    field.widget.choices = field.choices
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3  # Django's Textarea already sets rows=10


class RecordIds(forms.ModelMultipleChoiceField):
    """Ticked rows' ids: one that is not a database id is refused before any query reads it
    (SQLite's driver raises OverflowError past 2^63 - 1 rather than finding nothing)."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class BulkForm(forms.Form):
    """Bulk actions on the rows ticked in a list: only rows the user may change are accepted."""

    action = forms.ChoiceField(
        choices=[("assign", "Assign owner"), ("status", "Change status"), ("delete", "Delete")]
    )
    ids = RecordIds(
        queryset=None,
        error_messages={
            "required": "Tick at least one row.",
            "invalid_choice": "Some ticked rows are not yours to change.",
        },
    )
    owner = forms.ModelChoiceField(queryset=None, required=False)
    status = forms.ChoiceField(required=False)
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, user, model, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].queryset = visibility.writable(user, model)
        self.fields["owner"].queryset = visibility.assignable_owners(user)
        self.fields["status"].choices = [("", "—"), *statuses]
        if not statuses:
            self.fields["action"].choices = [
                c for c in self.fields["action"].choices if c[0] != "status"
            ]

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("owner"):
            self.add_error("owner", "Choose the new owner.")
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", "Choose the new status.")
        if data.get("action") == "delete" and not data.get("confirm"):
            self.add_error("confirm", "Tick “confirm” to delete.")
        return data
