"""Global search: leads, contacts, accounts and opportunities the user may see, by kind.

One query per kind, each a case-insensitive substring match. Every word of the query must match
one of the kind's fields, so "ada initech" finds Ada Lovelace of Initech. The page and the API can
both call `search()`; a full-text index can later replace its insides without changing callers.
"""

from django.db.models import Q

from salestrack.accounts.models import Account, Contact
from salestrack.deals.models import Opportunity
from salestrack.leads.models import Lead
from salestrack.teams.visibility import visible

MIN_LENGTH = 2

# kind -> (model, fields searched, related rows shown with each result)
KINDS = {
    "leads": (Lead, ["first_name", "last_name", "email", "company", "phone"], ["owner"]),
    "contacts": (Contact, ["first_name", "last_name", "email", "phone"], ["owner", "account"]),
    "accounts": (Account, ["name", "website", "phone"], ["owner"]),
    "opportunities": (Opportunity, ["name", "account__name"], ["owner", "account", "stage"]),
}


MAX_WORDS = 5


def search(user, q: str, limit: int = 10) -> dict[str, list]:
    """Up to `limit` matches of each kind, most recently updated first.

    A query shorter than MIN_LENGTH finds nothing: it would match (and scan) nearly everything.
    """
    q = normalise(q)
    if len(q) < MIN_LENGTH:
        return {kind: [] for kind in KINDS}
    words = q.split()[:MAX_WORDS]  # more only make the query slower
    results = {}
    for kind, (model, fields, related) in KINDS.items():
        match = Q()
        for word in words:
            match &= _any_field(fields, word)
        rows = visible(user, model).filter(match).select_related(*related)
        results[kind] = list(rows.order_by("-updated_at", "-id")[:limit])
    return results


def normalise(q: str) -> str:
    """The query as searched: PostgreSQL refuses NUL in text, and outer spaces mean nothing."""
    return q.replace("\x00", "").strip()


def _any_field(fields: list[str], word: str) -> Q:
    q = Q()
    for field in fields:
        q |= Q(**{f"{field}__icontains": word})
    return q
