from django import forms

from salestrack.activities.models import Activity


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
