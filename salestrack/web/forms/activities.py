from django import forms

from salestrack.access import visibility
from salestrack.accounts.models import Account, Contact
from salestrack.activities.models import Activity
from salestrack.leads.models import Lead
from salestrack.opportunities.models import Opportunity
from salestrack.teams.models import User
from salestrack.web.forms import RecordPicker


class LogForm(forms.Form):
    kind = forms.ChoiceField(choices=Activity.Kind.choices)
    subject = forms.CharField(max_length=200)
    body = forms.CharField(required=False)
    due_date = forms.DateField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") != Activity.Kind.TASK:
            data["due_date"] = None  # the date box is only meant for tasks
        return data


class TaskForm(forms.Form):
    """A new task from the Tasks page: for the user or someone they may assign it to, on a
    record or on none. The services refuse a past due date on an open task."""

    subject = forms.CharField(max_length=200)
    due_date = forms.DateField(
        required=False, label="Due", widget=forms.DateInput(attrs={"type": "date"})
    )
    # The user when none is sent; the select never offers "none".
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label=None)
    lead = forms.ModelChoiceField(queryset=Lead.objects.none(), required=False, label="On a lead")
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, label="On a contact"
    )
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, label="On an account"
    )
    opportunity = forms.ModelChoiceField(
        queryset=Opportunity.objects.none(), required=False, label="On an opportunity"
    )
    body = forms.CharField(
        required=False, label="Details", widget=forms.Textarea(attrs={"rows": 3})
    )
    done = forms.BooleanField(required=False, label="Already done")

    RECORDS = ("lead", "contact", "account", "opportunity")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = visibility.assignable_owners(user)
        owner.label_from_instance = lambda u: u.get_full_name() or u.username
        owner.initial = user.pk
        for name in self.RECORDS:
            field = self.fields[name]
            field.queryset = visibility.visible(user, field.queryset.model)
            field.widget = RecordPicker(user=user)
            field.widget.choices = field.choices

    def clean(self):
        data = super().clean()
        chosen = [name for name in self.RECORDS if data.get(name)]
        if len(chosen) > 1:
            raise forms.ValidationError("Choose one record the task is on, or none.")
        return data
