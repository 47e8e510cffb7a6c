"""The settings forms. They only read the input; the services decide what is allowed."""

from django import forms
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import ValidationError

from salestrack.opportunities.models import ForecastCategory
from salestrack.teams.models import Team, User


def _person(user: User) -> str:
    return user.get_full_name() or user.username


class UserForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(max_length=254, required=False)
    role = forms.ChoiceField(choices=User.Role.choices, initial=User.Role.REP)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="—")


class InviteForm(UserForm):
    username = forms.CharField(max_length=150)
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text=password_validators_help_text_html(),
    )
    field_order = ["username", "first_name", "last_name", "email", "role", "team", "password"]

    def clean(self):
        data = super().clean()
        # Django's validators compare the password with the name and email: give them the user.
        if data.get("password"):
            person = User(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
            )
            try:
                validate_password(data["password"], person)
            except ValidationError as error:
                self.add_error("password", error)
        return data


class DeactivateForm(forms.Form):
    reassign_to = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Give their open records to"
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reassign_to"]
        field.queryset = User.objects.filter(is_active=True).exclude(pk=user.pk)
        field.label_from_instance = _person


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100)
    parent = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="— (top level)"
    )
    manager = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, role__in=[User.Role.MANAGER, User.Role.ADMIN]),
        required=False,
        empty_label="—",
        help_text="A manager or an admin.",
    )

    def __init__(self, *args, team: Team | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if team is not None:
            self.fields["parent"].queryset = Team.objects.exclude(pk=team.pk)
        self.fields["manager"].label_from_instance = lambda u: (
            f"{_person(u)} ({u.get_role_display()})"
        )


class PipelineForm(forms.Form):
    name = forms.CharField(max_length=100, label="Pipeline name")


class StageForm(forms.Form):
    name = forms.CharField(max_length=100)
    probability = forms.IntegerField(
        min_value=0, max_value=100, label="Probability (%)", help_text="From 0 to 100."
    )
    forecast_category = forms.ChoiceField(choices=ForecastCategory.choices)
    rotting_days = forms.IntegerField(
        min_value=1,
        required=False,
        label="Rotting after (days)",
        help_text="Empty: deals in this stage never rot.",
    )
    is_won = forms.BooleanField(required=False, label="Won stage")
    is_lost = forms.BooleanField(required=False, label="Lost stage")


class LostReasonForm(forms.Form):
    name = forms.CharField(max_length=100, label="Reason")
    needs_detail = forms.BooleanField(
        required=False,
        label="Asks for a detail",
        help_text="Like “Other”: a deal lost for it needs a few words more.",
    )


class TokenForm(forms.Form):
    """A new API token: what it is for, and how long it may be used."""

    name = forms.CharField(max_length=100, label="What it is for", help_text="e.g. “zapier”")
    expires_in = forms.TypedChoiceField(
        label="Expires",
        choices=[("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("", "never")],
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
    )
