"""Global search: leads, contacts, accounts and opportunities the user may see, by kind.

One query per kind, through the search indexes (salestrack/search/). Every word of the query
must match one of the kind's fields, so "ada initech" finds Ada Lovelace of Initech. The page
and the API can both call `search()`.
"""

from salestrack.accounts.models import Account, Contact
from salestrack.deals.models import Opportunity
from salestrack.leads.models import Lead
from salestrack.search import index
from salestrack.teams.visibility import owner_ids, searchable

MIN_LENGTH = 2

# kind -> (model, related rows, the fields shown with each result; the searched fields are in
# index.FIELDS). Reading only what is shown skips a few hundred values per search.
KINDS = {
    "leads": (
        Lead,
        ["owner"],
        ["first_name", "last_name", "company", "email", "phone", "status"],
    ),
    "contacts": (
        Contact,
        ["owner", "account"],
        ["first_name", "last_name", "email", "phone", "account__name"],
    ),
    "accounts": (Account, ["owner"], ["name", "website", "phone", "type"]),
    "opportunities": (
        Opportunity,
        ["owner", "account", "stage"],
        ["name", "amount", "currency", "account__name", "stage__name"],
    ),
}
OWNER = ["owner__first_name", "owner__last_name", "owner__username"]


def search(user, q: str, limit: int = 10) -> dict[str, list]:
    """Up to `limit` matches of each kind, newest first.

    A query shorter than MIN_LENGTH finds nothing: it would match (and scan) nearly everything.
    """
    q = normalise(q)
    if len(q) < MIN_LENGTH:
        return {kind: [] for kind in KINDS}
    results = {}
    # Where nothing but the words narrows the rows (an admin), PostgreSQL is told how far to
    # walk them (see index.newest).
    everyone = owner_ids(user) is None
    cutoffs = index.recent_cutoffs([model for model, _, _ in KINDS.values()]) if everyone else {}
    for kind, (model, related, shown) in KINDS.items():
        rows = searchable(user, model).select_related(*related).only(*shown, *OWNER)
        results[kind] = index.newest(rows, q, limit, cutoff=cutoffs.get(model))
    return results


def normalise(q: str) -> str:
    """The query as searched: PostgreSQL refuses NUL in text, and outer spaces mean nothing."""
    return q.replace("\x00", "").strip()
