"""The visibility matrix (PRODUCT.md section 1), generated from the URL configuration and the API
schema, so that a new route is covered without anyone remembering to add it.

Every route that takes a record id is tried as each role against a record that is the user's
own, a teammate's, another team's, the admin's, and one seen read-only through a deal:
- a read answers 200 for what the role sees, else 404 (ids cannot be probed);
- a write answers 404 for what the role does not see and 403 for what it only reads, and
  changes nothing (the row and the count of every kind of record are compared);
- no answer (pages, htmx partials, API JSON, lists, search, pickers, the board) shows the name
  of a record the role cannot see.

A route whose kind of record cannot be told from its view's model, its URL name or its path
fails `test_every_id_route_is_mapped`: add it to KIND_OF or NON_RECORD below.

The expectations are written here from PRODUCT.md (OWNERS_SEEN, sees(), changes()), not read
from salestrack.access, so that the two are checked against each other.
"""

import datetime
import inspect
import re
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_update,
)
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log
from salestrack.audit.models import Deleted
from salestrack.company.models import ExchangeRate
from salestrack.company.services import rate_create
from salestrack.forecasting.models import Quota
from salestrack.forecasting.quotas import quota_set
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create, lead_delete
from salestrack.opportunities.models import LostReason, Opportunity, Pipeline, Stage
from salestrack.opportunities.services import opportunity_create
from salestrack.teams.models import ApiToken, Team, User
from salestrack.teams.services import token_create
from tests.conftest import client_for, signed_in

TODAY = datetime.date.today()
SOON = TODAY + datetime.timedelta(days=30)
ROLES = ["rep", "teammate", "other_rep", "manager", "region_manager", "admin"]

# Whose records each role sees and changes (PRODUCT.md section 1); None: everyone's. The
# manager manages Boston (rep, teammate and the manager); the region manager manages East,
# which holds Boston.
OWNERS_SEEN = {
    "rep": {"rep"},
    "teammate": {"teammate"},
    "other_rep": {"other_rep"},
    "manager": {"manager", "rep", "teammate"},
    "region_manager": {"region_manager", "manager", "rep", "teammate"},
    "admin": None,
}

MODELS = {
    "lead": Lead,
    "account": Account,
    "contact": Contact,
    "opportunity": Opportunity,
    "activity": Activity,
}
KIND_OF_MODEL = {model: kind for kind, model in MODELS.items()}
# How a page route's kind is told from its URL name or path, when its view names no model.
NAME_PREFIXES = {
    "lead-": "lead",
    "account-": "account",
    "contact-": "contact",
    "opportunity-": "opportunity",
    "activity-": "activity",
    "task-": "activity",
}
PATH_PREFIXES = {
    "leads/": "lead",
    "accounts/": "account",
    "contacts/": "contact",
    "opportunities/": "opportunity",
    "activities/": "activity",
    "tasks/": "activity",
}

# Explicit mappings: routes whose kind neither their view, name nor path says.
KIND_OF = {
    ("page", "board-move"): "opportunity",
    ("page", "forecast-push"): "opportunity",
}

# Routes with ids that are not records, and what each role may do there:
# - "admin only": everyone but admins gets 404, reading or writing, and nothing changes;
# - "directory": every signed-in user reads it (users, teams, pipelines, stages);
# - "own only": a user's own (API tokens); anyone else's answers 404 but to admins.
ADMIN_ONLY, DIRECTORY, OWN_ONLY = "admin only", "directory", "own only"
# - "quota of": the teammate's quota, seen as their records are and set only by those above
#   them (a manager, the region manager, an admin): the teammate reads but may not delete it.
QUOTA_OF = "quota of"
NON_RECORD = {
    ("page", "settings-user-edit"): ("user", ADMIN_ONLY),
    ("page", "settings-user-deactivate"): ("user", ADMIN_ONLY),
    ("page", "settings-user-reactivate"): ("user", ADMIN_ONLY),
    ("page", "settings-team-edit"): ("team", ADMIN_ONLY),
    ("page", "settings-team-delete"): ("team", ADMIN_ONLY),
    ("page", "settings-stage-new"): ("pipeline", ADMIN_ONLY),
    ("page", "settings-stage-edit"): ("stage", ADMIN_ONLY),
    ("page", "settings-stage-move"): ("stage", ADMIN_ONLY),
    ("page", "settings-stage-delete"): ("stage", ADMIN_ONLY),
    ("page", "settings-deleted-restore"): ("deleted", ADMIN_ONLY),
    ("page", "settings-lost-reason-edit"): ("lost_reason", ADMIN_ONLY),
    ("page", "settings-lost-reason-move"): ("lost_reason", ADMIN_ONLY),
    ("page", "settings-lost-reason-retire"): ("lost_reason", ADMIN_ONLY),
    ("page", "settings-lost-reason-delete"): ("lost_reason", ADMIN_ONLY),
    ("page", "token-revoke"): ("token", OWN_ONLY),
    ("page", "board-column"): ("stage", DIRECTORY),
    ("api", "user-detail"): ("user", DIRECTORY),
    ("api", "team-detail"): ("team", DIRECTORY),
    ("api", "pipeline-detail"): ("pipeline", DIRECTORY),
    ("api", "lostreason-detail"): ("lost_reason", DIRECTORY),
    ("api", "deleted-restore"): ("deleted", ADMIN_ONLY),
    ("api", "quota-detail"): ("quota", QUOTA_OF),
    ("page", "settings-rate-edit"): ("rate", ADMIN_ONLY),
    ("page", "settings-rate-delete"): ("rate", ADMIN_ONLY),
    ("api", "exchangerate-detail"): ("rate", DIRECTORY),
}
NON_RECORD_MODELS = {
    "user": User,
    "team": Team,
    "pipeline": Pipeline,
    "stage": Stage,
    "lost_reason": LostReason,
    "deleted": Deleted,
    "token": ApiToken,
    "quota": Quota,
    "rate": ExchangeRate,
}

# Routes without an id that show no records: not read for names.
NO_RECORDS = {"api-schema", "api-docs", "api-ping", "healthz", "login", "logout"}
NO_RECORDS |= {"password_change", "password_change_done"}
# Routes with other parameters than ids, and the values they are read with.
PARAMETERS = {"pick": [{"kind": "accounts"}, {"kind": "contacts"}]}
# The query strings each list is read with, besides none.
QUERIES = {
    "search": ["?q=Zq", "?q=zq-"],
    "pick": ["?q=Zq", "?q=zq-"],
    "home": ["?view=team"],
    "task-list": ["?view=team", "?status=all&view=team"],
    "board": ["?view=team", "?closed=all"],
    "lead-list": ["?q=Zq", "?view=team"],
    "account-list": ["?q=Zq", "?view=team"],
    "contact-list": ["?q=Zq", "?view=team"],
    "opportunity-list": ["?q=Zq", "?view=team"],
}

# Routes that take a record's id in their query string or their form rather than their path:
# read for names with the id of every record of the kind; a form posted with an id it may not
# see answers 404 and changes nothing.
QUERY_IDS = {
    ("page", "opportunity-new"): [({}, "account", "account"), ({}, "contact", "contact")],
    ("page", "contact-new"): [({}, "account", "account")],
    ("page", "pick"): [
        ({"kind": "accounts"}, "account", "account"),
        ({"kind": "contacts"}, "contact", "contact"),
    ],
}
BODY_IDS = {("page", "activity-log"): ["lead", "account", "contact", "opportunity"]}

# A plausible change for every form and API write; the status is what is asserted.
PAGE_POST = {
    "name": "Zq-changed",
    "first_name": "Zq",
    "last_name": "Zq-changed",
    "company": "Zq-changed",
    "subject": "Zq-changed",
    "reason": "no_budget",
    "lost_reason": "price",
    "until": (TODAY + datetime.timedelta(days=3)).isoformat(),
    "done": "1",
    "account": "new",
    "contact": "new",
    "close_date": SOON.isoformat(),
    "amount": "10",
    "version": "1",
}
API_BODY = {
    "lead": {"last_name": "Zq-changed"},
    "account": {"name": "Zq-changed"},
    "contact": {"last_name": "Zq-changed"},
    "opportunity": {"name": "Zq-changed"},
    "activity": {"subject": "Zq-changed"},
}

# The one exception to come: a duplicate warning may name a matching record (its name, domain
# and owner, nothing else). List here the routes (surface, name) that show one; there the name
# of a hidden account or contact is allowed, every other hidden name still fails.
DUPLICATE_WARNING_ROUTES: set[tuple[str, str]] = set()
MATCHABLE = {"account", "contact"}

# Failures of known defects, keyed as the matrix names them, e.g.
#   "page GET contact-detail [stray-contact] as rep: shows other-account": "reason",
# so the matrix passes around them; test_known_defect checks each still fails (strict xfail),
# so an entry must go once its defect is fixed. None fails today.
KNOWN_DEFECTS: dict[str, str] = {}


# The routes


@dataclass
class Route:
    surface: str  # "page" or "api"
    name: str
    template: str  # the path, with {name} for each parameter
    params: list[str]
    methods: list[str]
    view: object
    model: type | None = None
    htmx: bool = False  # the view answers HX-Request: true otherwise
    write_form: bool = False  # its GET is a form that changes the record (write=True)
    id_params: list[str] = field(default_factory=list)  # the parameters that are ids

    @property
    def key(self) -> tuple[str, str]:
        return (self.surface, self.name)

    def url(self, **values) -> str:
        return "/" + self.template.format(**values)


ID_GROUP = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _page_methods(view) -> list[str]:
    """What require_GET / require_POST / require_http_methods let through."""
    function = view
    while function is not None:
        for cell in function.__closure__ or ():
            value = cell.cell_contents
            if isinstance(value, list) and value and all(isinstance(m, str) for m in value):
                if all(m.isupper() for m in value):
                    return value
        function = getattr(function, "__wrapped__", None)
    return ["GET", "POST"]


def _source(view) -> str:
    """The view's source and that of the functions of its module it calls (`_list(...)`)."""
    function = inspect.unwrap(view)
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return ""
    module = inspect.getmodule(function)
    for name in set(re.findall(r"\b(\w+)\(", source)):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == function.__module__:
            if helper is not function:
                source += inspect.getsource(helper)
    return source


def all_routes() -> list[Route]:
    routes = []
    for raw, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        cls = getattr(callback, "cls", None)
        surface = "api" if raw.startswith("api/") else "page"
        params = [(m.group(2) or m.group(3), m.group(1)) for m in ID_GROUP.finditer(raw)]
        template = ID_GROUP.sub(lambda m: "{" + (m.group(2) or m.group(3)) + "}", raw)
        template = template.replace("^", "").replace("$", "")
        if cls is not None and getattr(callback, "actions", None):
            methods = [m.upper() for m in callback.actions]
            model = getattr(cls, "model", None)
            if model is None and getattr(cls, "serializer_class", None) is not None:
                model = getattr(getattr(cls.serializer_class, "Meta", None), "model", None)
            source = ""
        elif cls is not None:
            methods = [m.upper() for m in cls.http_method_names if hasattr(cls, m)]
            model, source = None, ""
        else:
            methods, model, source = _page_methods(callback), None, _source(callback)
        routes.append(
            Route(
                surface=surface,
                name=pattern.name or raw,
                template=template,
                params=[name for name, _ in params],
                methods=[m for m in methods if m not in ("HEAD", "OPTIONS")],
                view=callback,
                model=model,
                htmx="htmx" in source,
                write_form="write=True" in source,
                id_params=[
                    name
                    for name, converter in params
                    if converter == "int" or name in ("pk", "id") or name.endswith(("_id", "_pk"))
                ],
            )
        )
    return routes


def kind_of(route: Route) -> str | None:
    """The kind of record a route takes, or None when nothing says."""
    if route.key in KIND_OF:
        return KIND_OF[route.key]
    if route.model in KIND_OF_MODEL:
        return KIND_OF_MODEL[route.model]
    if route.surface == "page":
        for prefix, kind in NAME_PREFIXES.items():
            if route.name.startswith(prefix):
                return kind
        for prefix, kind in PATH_PREFIXES.items():
            if route.template.startswith(prefix):
                return kind
    return None


def id_routes() -> tuple[list[tuple[Route, str]], list[Route], list[str]]:
    """Record routes with their kind, non-record routes, and what nothing maps."""
    records, others, unmapped = [], [], []
    for route in all_routes():
        if not route.id_params:
            continue
        if route.key in NON_RECORD:
            others.append(route)
        elif (kind := kind_of(route)) is not None:
            records.append((route, kind))
        else:
            unmapped.append(
                f"{route.surface} route {route.name!r} (/{route.template}) takes an id but "
                f"its kind of record is unknown: add {route.key!r} to KIND_OF (a record) or "
                f"NON_RECORD (anything else) in tests/test_visibility_matrix.py"
            )
    return records, others, unmapped


# The world: one of each kind of record per owner, and what a rep reads through a deal


@dataclass
class Record:
    tag: str
    kind: str
    obj: object
    owner: str  # the role that owns it
    through: set[str] = field(default_factory=set)  # the roles whose deals show it
    names: list[str] = field(default_factory=list)
    seen_with: list["Record"] = field(default_factory=list)  # an activity, with its record


def sees(role: str, record: Record) -> bool:
    owners = OWNERS_SEEN[role]
    if owners is None or record.owner in owners or owners & record.through:
        return True
    return any(sees(role, other) for other in record.seen_with)


def changes(role: str, record: Record) -> bool:
    owners = OWNERS_SEEN[role]
    return owners is None or record.owner in owners


OWNER_TAGS = {"own": "rep", "teammate": "teammate", "other": "other_rep", "admin": "admin"}
NEXT_OWNER = {"own": "other", "teammate": "admin", "other": "own", "admin": "teammate"}


def build_world(org):
    """Every record is made by the admin on its owner's behalf: the services refuse links
    their writer cannot see."""
    records: list[Record] = []
    by_tag = {}

    def add(kind, tag, obj, owner, names, through=(), seen_with=()):
        record = Record(f"{tag}-{kind}", kind, obj, owner, set(through), names, list(seen_with))
        records.append(record)
        by_tag[record.tag] = record
        return obj

    admin = org.admin
    for tag, role in OWNER_TAGS.items():
        owner = getattr(org, role)
        lead = lead_create(
            by=admin,
            owner=owner,
            first_name="Lee",
            last_name=f"Zq-{tag}-lead",
            company=f"Zq-{tag}-firm",
            # At the next owner's domain: a match a conversion may suggest, if it may see it.
            email=f"lee@{NEXT_OWNER[tag]}.test",
        )
        add("lead", tag, lead, role, [lead.last_name, lead.company])
        account = account_create(
            by=admin, owner=owner, name=f"Zq-{tag}-account", website=f"{tag}.test"
        )
        add("account", tag, account, role, [account.name])
        contact = contact_create(
            by=admin, owner=owner, account=account, first_name="Cy", last_name=f"Zq-{tag}-contact"
        )
        add("contact", tag, contact, role, [contact.last_name])
        deal = opportunity_create(
            by=admin,
            owner=owner,
            account=account,
            contact=contact,
            name=f"Zq-{tag}-deal",
            close_date=SOON,
        )
        add("opportunity", tag, deal, role, [deal.name])
        task = activity_log(
            by=admin, owner=owner, kind="task", subject=f"Zq-{tag}-task", lead=lead, due_date=TODAY
        )
        add("activity", tag, task, role, [task.subject], seen_with=[by_tag[f"{tag}-lead"]])

    # Another team's account and contact, read-only for the rep (and their managers) since
    # the rep's deal is on them; a task of their owner's on that account, seen with it.
    account = account_create(by=admin, owner=org.other_rep, name="Zq-ro-account")
    add("account", "ro", account, "other_rep", [account.name], through={"rep"})
    contact = contact_create(
        by=admin, owner=org.other_rep, account=account, first_name="Cy", last_name="Zq-ro-contact"
    )
    add("contact", "ro", contact, "other_rep", [contact.last_name], through={"rep"})
    deal = opportunity_create(
        by=admin,
        owner=org.rep,
        account=account,
        contact=contact,
        name="Zq-bridge-deal",
        close_date=SOON,
    )
    add("opportunity", "bridge", deal, "rep", [deal.name])
    task = activity_log(
        by=admin,
        owner=org.other_rep,
        kind="task",
        subject="Zq-ro-task",
        account=account,
        due_date=TODAY,
    )
    add("activity", "ro", task, "other_rep", [task.subject], seen_with=[by_tag["ro-account"]])

    # Links to records their reader may not see: the rep's account has another team's as its
    # parent, the rep has a contact and a task at another team's account.
    other_account = by_tag["other-account"].obj
    account_update(account=by_tag["own-account"].obj, by=admin, parent=other_account)
    contact = contact_create(
        by=admin, owner=org.rep, account=by_tag["own-account"].obj, last_name="Zq-stray-contact"
    )
    contact = contact_update(contact=contact, by=admin, account=other_account)  # in its timeline
    add("contact", "stray", contact, "rep", [contact.last_name])
    task = activity_log(
        by=admin,
        owner=org.rep,
        kind="task",
        subject="Zq-stray-task",
        account=other_account,
        due_date=TODAY,
    )
    # Seen with the account it is on, read-only, by whoever sees that.
    add("activity", "stray", task, "rep", [task.subject], seen_with=[by_tag["other-account"]])

    # What the routes that take no record's id take.
    trashed = lead_create(by=admin, last_name="Trashed")
    lead_delete(lead=trashed, by=admin)
    token_create(user=org.teammate, by=org.teammate, name="teammate's")
    pipeline = Pipeline.objects.get(is_default=True)
    others = {
        "user": org.teammate,
        "team": org.team_b,
        "pipeline": pipeline,
        "stage": pipeline.stages.order_by("position").first(),
        "lost_reason": LostReason.objects.get_or_create(name="Zq-reason", position=1)[0],
        "deleted": Deleted.objects.latest("deleted_at"),
        "token": ApiToken.objects.filter(user=org.teammate).latest("created_at"),
        "quota": quota_set(by=admin, period="2026-Q4", amount="10", user=org.teammate),
        "rate": rate_create(
            by=admin, currency="EUR", rate="1.1", valid_from=datetime.date(2026, 1, 1)
        ),
    }
    return records, others


def snapshot(obj) -> tuple:
    model = type(obj)
    row = model.objects.filter(pk=obj.pk).values().first()
    counts = {
        model: model.objects.count() for model in [*MODELS.values(), *NON_RECORD_MODELS.values()]
    }
    return row, counts


# The checks


@dataclass
class Request:
    label: str  # what failures are named by; a known defect is this label plus ": shows ..."
    route: tuple[str, str]
    surface: str
    method: str
    url: str
    expected: int | None  # None: any status below 500, read for names if 200
    htmx: bool = False
    body: dict | None = None
    changed: object = None  # the row a write must leave alone
    shows: list[str] = field(default_factory=list)  # names a 200 must show (the check checks)


def record_requests(role: str, records: list[Record], mapped) -> list[Request]:
    requests = []
    for route, kind in mapped:
        for record in records:
            if record.kind != kind:
                continue
            url = route.url(**{name: record.obj.pk for name in route.params})
            for method in route.methods:
                if method == "GET":
                    if not sees(role, record):
                        expected = 404
                    elif route.write_form and not changes(role, record):
                        expected = 403
                    else:
                        expected = 200
                else:
                    if changes(role, record):
                        continue  # successful writes are other tests'
                    expected = 403 if sees(role, record) else 404
                for htmx in (False, True) if route.htmx else (False,):
                    label = f"{route.surface} {method} {route.name}{' htmx' if htmx else ''}"
                    body = API_BODY[kind] if route.surface == "api" else PAGE_POST
                    requests.append(
                        Request(
                            route=route.key,
                            label=f"{label} [{record.tag}] as {role}",
                            surface=route.surface,
                            method=method,
                            url=url,
                            expected=expected,
                            htmx=htmx,
                            body=None if method == "GET" else body,
                            changed=None if method == "GET" else record.obj,
                            shows=record.names[:1]
                            if expected == 200 and route.name.endswith("-detail")
                            else [],
                        )
                    )
    return requests


def other_requests(role: str, routes: list[Route], others: dict, org) -> list[Request]:
    requests = []
    for route in routes:
        what, rule = NON_RECORD[route.key]
        obj = others[what]
        url = route.url(**{name: obj.pk for name in route.params})
        for method in route.methods:
            if rule == DIRECTORY:
                if method != "GET":
                    continue  # the settings routes above are the directory's writes
                expected = 200
            elif rule == ADMIN_ONLY:
                if role == "admin" and method != "GET":
                    continue
                expected = 200 if role == "admin" else 404
            elif rule == QUOTA_OF:
                seen = OWNERS_SEEN[role] is None or "teammate" in OWNERS_SEEN[role]
                if method != "GET" and role in ("manager", "region_manager", "admin"):
                    continue  # successful writes are tests/test_quotas.py's
                expected = (200 if method == "GET" else 403) if seen else 404
            else:  # OWN_ONLY, of the teammate's token
                if role in ("admin", "teammate") and method != "GET":
                    continue
                expected = 404 if method != "GET" else None
            for htmx in (False, True) if route.htmx else (False,):
                label = f"{route.surface} {method} {route.name}{' htmx' if htmx else ''}"
                requests.append(
                    Request(
                        route=route.key,
                        label=f"{label} [{what}] as {role}",
                        surface=route.surface,
                        method=method,
                        url=url,
                        expected=expected,
                        htmx=htmx,
                        body=None if method == "GET" else PAGE_POST,
                        changed=None if method == "GET" else obj,
                    )
                )
    return requests


def list_requests(role: str, routes: list[Route]) -> list[Request]:
    """Every route without parameters (or with PARAMETERS) that answers GET: read for names."""
    requests = []
    for route in routes:
        if route.name in NO_RECORDS or "GET" not in route.methods or route.id_params:
            continue
        if route.params and route.name not in PARAMETERS:
            continue  # the API's catch-all 404
        for values in PARAMETERS.get(route.name, [{}]):
            base = route.url(**values)
            for query in ["", *QUERIES.get(route.name, [])]:
                for htmx in (False, True) if route.htmx else (False,):
                    requests.append(
                        Request(
                            route=route.key,
                            label=f"{route.surface} GET {base}{query}"
                            f"{' htmx' if htmx else ''} as {role}",
                            surface=route.surface,
                            method="GET",
                            url=base + query,
                            expected=None,
                            htmx=htmx,
                        )
                    )
    return requests


def id_elsewhere_requests(role: str, routes: list[Route], records: list[Record]) -> list[Request]:
    """The routes of QUERY_IDS and BODY_IDS, with every record of their kinds."""
    by_key = {route.key: route for route in routes}
    requests = []
    for key, uses in QUERY_IDS.items():
        route = by_key[key]
        for params, name, kind in uses:
            for record in (r for r in records if r.kind == kind):
                query = f"?{name}={record.obj.pk}"
                if route.name == "pick":
                    query += f"&field={name}"
                url = route.url(**params) + query
                requests.append(
                    Request(
                        route=key,
                        label=f"page GET {route.name} ?{name}= [{record.tag}] as {role}",
                        surface="page",
                        method="GET",
                        url=url,
                        expected=None,
                    )
                )
    for key, kinds in BODY_IDS.items():
        route = by_key[key]
        for record in (r for r in records if r.kind in kinds and not sees(role, r)):
            body = {record.kind: record.obj.pk, "kind": "call", "subject": "Zq-logged"}
            for htmx in (False, True) if route.htmx else (False,):
                requests.append(
                    Request(
                        route=key,
                        label=f"page POST {route.name}{' htmx' if htmx else ''} "
                        f"{record.kind}= [{record.tag}] as {role}",
                        surface="page",
                        method="POST",
                        url=route.url(),
                        expected=404,
                        htmx=htmx,
                        body=body,
                        changed=record.obj,
                    )
                )
    return requests


def matrix(org, role: str, only: str | None = None) -> list[tuple[str, str]]:
    """Run the matrix for one role; the failures as (key, what happened)."""
    records, others = build_world(org)
    mapped, non_record, unmapped = id_routes()
    assert not unmapped, "\n".join(unmapped)
    routes = all_routes()
    requests = [
        *record_requests(role, records, mapped),
        *other_requests(role, non_record, others, org),
        *list_requests(role, routes),
        *id_elsewhere_requests(role, routes, records),
    ]
    if only is not None:
        requests = [r for r in requests if only.startswith(r.label + ":")]
        assert requests, f"no request is named by {only!r}"
    user = getattr(org, role)
    clients = {"page": signed_in(user), "api": client_for(user)}
    hidden = [
        (record, name) for record in records if not sees(role, record) for name in record.names
    ]
    failures = []
    for request in requests:
        client = clients[request.surface]
        before = snapshot(request.changed) if request.changed is not None else None
        headers = {"HTTP_HX_REQUEST": "true"} if request.htmx else {}
        call = getattr(client, request.method.lower())
        if request.surface == "api" and request.body is not None:
            response = call(request.url, request.body, format="json", **headers)
        else:
            response = call(request.url, request.body, **headers)
        status = response.status_code
        if request.expected is not None and status != request.expected:
            failures.append(
                (
                    f"{request.label}: status",
                    f"{request.url} answered {status}, not {request.expected}",
                )
            )
        elif status >= 500:
            failures.append((f"{request.label}: status", f"{request.url} answered {status}"))
        if before is not None and snapshot(request.changed) != before:
            failures.append(
                (f"{request.label}: changed", f"{request.url} ({status}) changed the database")
            )
        if status == 200:
            body = response.content.decode()
            for name in request.shows:
                if name not in body:
                    failures.append((f"{request.label}: blank", f"{request.url} lacks {name!r}"))
            for record, name in hidden:
                if request.route in DUPLICATE_WARNING_ROUTES and record.kind in MATCHABLE:
                    if name == record.names[0]:
                        continue
                if name in body:
                    failures.append(
                        (f"{request.label}: shows {record.tag}", f"{request.url} shows {name!r}")
                    )
    return failures


def _report(failures) -> str:
    return "\n".join(f"{key}\n    {what}" for key, what in failures)


# The tests


def test_every_id_route_is_mapped():
    mapped, non_record, unmapped = id_routes()
    assert not unmapped, "\n".join(unmapped)
    assert {kind for _, kind in mapped} == set(MODELS)
    stale = set(NON_RECORD) - {route.key for route in non_record}
    stale |= set(KIND_OF) - {route.key for route, _ in mapped}
    stale |= (set(QUERY_IDS) | set(BODY_IDS)) - {route.key for route in all_routes()}
    assert not stale, f"mapped routes that no longer exist: {sorted(stale)}"


def test_the_schema_and_the_url_configuration_agree():
    """Every API path of the schema that takes an id is a route of the matrix, same methods."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    mapped, non_record, _ = id_routes()
    covered = {}
    for route in [*(r for r, _ in mapped), *non_record]:
        if route.surface == "api":
            covered[re.sub(r"\{\w+\}", "{}", "/" + route.template)] = set(route.methods)
    missing = []
    for path, operations in schema["paths"].items():
        if "{" not in path:
            continue
        methods = {m.upper() for m in operations if m != "parameters"}
        key = re.sub(r"\{\w+\}", "{}", path)
        if covered.get(key) != methods:
            missing.append(f"{path} {sorted(methods)}: matrix has {covered.get(key)}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("role", ROLES)
def test_visibility_matrix(org, role):
    failures = [(key, what) for key, what in matrix(org, role) if key not in KNOWN_DEFECTS]
    assert not failures, f"{len(failures)} failures:\n{_report(failures)}"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=reason))
        for key, reason in KNOWN_DEFECTS.items()
    ],
)
def test_known_defect(org, key):
    role = key.split(" as ", 1)[1].split(":", 1)[0]
    failures = matrix(org, role, only=key)
    assert key not in {k for k, _ in failures}, _report(failures)


@pytest.mark.parametrize("kind", list(MODELS))
def test_an_owner_may_change_their_record(org, kind):
    """The one successful write per kind: the 403s and 404s above are not a broken API."""
    records, _ = build_world(org)
    record = next(r for r in records if r.kind == kind and r.tag == f"own-{kind}")
    endpoint = {"opportunity": "opportunities", "activity": "activities"}.get(kind, f"{kind}s")
    before = type(record.obj).objects.get(pk=record.obj.pk).version
    response = client_for(org.rep).patch(
        f"/api/v1/{endpoint}/{record.obj.pk}", API_BODY[kind], format="json"
    )
    assert response.status_code == 200, response.json()
    assert type(record.obj).objects.get(pk=record.obj.pk).version == before + 1
    read = client_for(org.rep).get(f"/api/v1/{endpoint}/{record.obj.pk}")
    assert "Zq-changed" in read.content.decode()
