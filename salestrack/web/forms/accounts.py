from django import forms

from salestrack.accounts.models import Account, Contact
from salestrack.lib.models import ADDRESS_FIELDS
from salestrack.web.forms import RecordForm


class AccountForm(RecordForm):
    class Meta:
        model = Account
        fields = [
            "name",
            "website",
            "phone",
            "industry",
            "parent",
            "type",
            "owner",
            *ADDRESS_FIELDS,
            "description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Customer comes from a won deal; only sales ops mark one as former (or back).
        if not self.user.is_admin:
            del self.fields["type"]
        if self.instance.pk:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(
                pk=self.instance.pk
            )

    def clean_parent(self):
        parent = self.cleaned_data["parent"]
        # Walk up from the new parent: meeting this account again would make a loop.
        ancestor, seen = parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.instance.pk and ancestor.pk == self.instance.pk:
                raise forms.ValidationError("An account cannot be its own parent or ancestor.")
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        return parent


class ContactForm(RecordForm):
    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "title",
            "email",
            "phone",
            "account",
            "owner",
            *ADDRESS_FIELDS,
            "description",
        ]
