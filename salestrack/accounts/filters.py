import django_filters

from salestrack.api.filters import AccountFilter, ContactFilter
from salestrack.web.filters import RecordListFilter


class AccountListFilter(AccountFilter, RecordListFilter):
    """The API's account filters (type, search) plus owner, team and created dates."""


class ContactListFilter(ContactFilter, RecordListFilter):
    # The contacts of one account: by id from the account's page, or by name from the filters.
    account_name = django_filters.CharFilter(field_name="account__name", lookup_expr="icontains")
