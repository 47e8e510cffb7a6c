import django_filters

from salestrack.accounts.models import Account, Contact
from salestrack.lib.filters import IdFilter, RecordFilter


class AccountFilter(RecordFilter):
    type = django_filters.ChoiceFilter(choices=Account.Type.choices)

    class Meta:
        model = Account
        fields = ["owner_id", "type", "updated_since"]


class ContactFilter(RecordFilter):
    account_id = IdFilter(field_name="account_id")

    class Meta:
        model = Contact
        fields = ["owner_id", "account_id", "updated_since"]
