"""When someone leaves: their open work goes to someone else, then they can no longer sign in.

Above the record apps (it moves every kind of record through that kind's own service), so
that teams, below them, knows nothing about records.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_update, contact_update
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_update
from salestrack.audit import records
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_update
from salestrack.lib.errors import Forbidden
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import opportunity_update
from salestrack.teams.models import ApiToken, Team, User
from salestrack.teams.services import token_revoke


def open_work(user: User) -> dict[str, QuerySet]:
    """What a user still owns that someone must carry on when they leave."""
    return {
        "leads": Lead.objects.filter(owner=user, status__in=Lead.OPEN_STATUSES),
        "opportunities": Opportunity.objects.filter(owner=user, is_closed=False),
        "accounts": Account.objects.filter(owner=user),
        "contacts": Contact.objects.filter(owner=user),
        "tasks": Activity.objects.filter(owner=user, kind=Activity.Kind.TASK, done=False),
    }


@transaction.atomic
def user_deactivate(*, user: User, by: User, reassign_to: User) -> dict[str, int]:
    """Stop a user signing in and hand their open work to someone else.

    1. Refuse deactivating yourself or an inactive user, or handing work to an inactive one,
       or a manager still named on a team (their people would answer to nobody).
    2. Move their open leads, open opportunities, accounts, contacts and open tasks to
       `reassign_to` through each record's own service, so every move is audited (and an
       opportunity's new owner is in its history).
    3. Revoke their API tokens, then mark them inactive.
    Returns how many records of each kind moved.
    """
    if not by.is_admin:
        raise Forbidden("Only an admin can deactivate a user.")
    if user.pk == by.pk:
        raise ValidationError("You cannot deactivate yourself; ask another admin.")
    current = records.lock(user)
    if not current.is_active:
        raise ValidationError(f"{current.username} is already inactive.")
    if reassign_to.pk == current.pk or not reassign_to.is_active:
        raise ValidationError({"reassign_to": ["Choose another active user."]})
    managed = sorted(Team.objects.filter(manager=current).values_list("name", flat=True))
    if managed:
        raise ValidationError(
            f"{current.username} manages {', '.join(managed)}: give "
            f"{'that team' if len(managed) == 1 else 'those teams'} another manager first."
        )
    updates = {
        "leads": lambda r: lead_update(lead=r, by=by, owner=reassign_to),
        "opportunities": lambda r: opportunity_update(opportunity=r, by=by, owner=reassign_to),
        "accounts": lambda r: account_update(account=r, by=by, owner=reassign_to),
        "contacts": lambda r: contact_update(contact=r, by=by, owner=reassign_to),
        "tasks": lambda r: activity_update(activity=r, by=by, owner=reassign_to),
    }
    moved = {}
    for kind, queryset in open_work(current).items():
        rows = list(queryset.order_by("pk"))
        for row in rows:
            updates[kind](row)
        moved[kind] = len(rows)
    tokens = list(ApiToken.objects.filter(user=current).order_by("pk"))
    for token in tokens:
        token_revoke(token=token, by=by)
    before = records.snapshot(current)
    current.is_active = False
    note = {"reassigned_to": reassign_to.pk, "tokens_revoked": len(tokens), **moved}
    records.save_changes(current, before, by=by, action="teams.user.deactivated", note=note)
    return moved
