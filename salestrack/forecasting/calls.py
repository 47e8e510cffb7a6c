"""Calls and overrides on a period's forecast (docs/forecasting.md, "Calls and overrides").

- A person calls their own number: the commit forecast and best case forecast they expect for
  the period, with a note. A team's manager calls the team's.
- A manager overrides the call of someone in their subtree, or of a team below one they
  manage, with a reason; an admin overrides anyone's. An override replaces the figures (it is
  not a delta).
- What a viewer reads for a row: the override of the highest manager at or below the viewer,
  else the row's own call, else its computed figures; beside them, the computed and called.

ForecastCall is append-only, so every call and override is kept with who, when and why.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salestrack.access import visibility
from salestrack.audit import records
from salestrack.forecasting import periods
from salestrack.forecasting.models import ForecastCall
from salestrack.forecasting.quotas import amount_check, period_check
from salestrack.lib.errors import Forbidden
from salestrack.teams.models import Team, User

MAX_NOTE = 2000
NOBODY = 1_000  # the rank of someone who manages no team: below every manager


def _is_override(by: User, user: User | None, team: Team | None) -> bool:
    """Whether `by` setting a call on `user` or `team` is an override (else their own call);
    Forbidden when it is neither."""
    if not by.is_authenticated or not by.is_active:
        raise Forbidden("Sign in to call a forecast.")
    if by.is_admin:
        return True
    managed = visibility.managed_team_ids(by)
    if user is not None:
        if user.pk == by.pk:
            return False
        seen = visibility.owner_ids(by)
        if managed and seen is not None and user.pk in seen:
            return True
        raise Forbidden(f"{user.username}'s forecast is not yours to override.")
    if team.manager_id == by.pk:
        return False
    if team.pk in managed:
        return True
    raise Forbidden(f"{team.name}'s forecast is not yours to call or override.")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@transaction.atomic
def call_set(
    *,
    by: User,
    period: str,
    commit_forecast,
    best_case_forecast,
    note: str = "",
    user: User | None = None,
    team: Team | None = None,
    at: datetime.datetime | None = None,
) -> ForecastCall:
    """Set `by`'s call on `user` or `team` for `period`: their own call, or an override (with
    a reason) of someone below them. Both figures empty withdraws it. Kept as a new row."""
    if (user is None) == (team is None):
        message = "Give a user or a team, not both." if user else "Give a user or a team."
        raise ValidationError({"user": [message], "team": [message]})
    override = _is_override(by, user, team)
    if user is not None and (user.is_admin or not user.is_active):
        raise ValidationError({"user": [f"{user.username} carries no forecast."]})
    span = period_check(period)
    note = str(note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": [f"At most {MAX_NOTE} characters."]})
    withdrawing = _blank(commit_forecast) and _blank(best_case_forecast)
    commit = best = None
    if not withdrawing:
        errors = {}
        for name, value in (
            ("commit_forecast", commit_forecast),
            ("best_case_forecast", best_case_forecast),
        ):
            try:
                if _blank(value):
                    raise ValidationError({name: ["Give both figures, or neither to withdraw."]})
                if name == "commit_forecast":
                    commit = amount_check(value, name, "A forecast")
                else:
                    best = amount_check(value, name, "A forecast")
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        if best < commit:
            raise ValidationError(
                {"best_case_forecast": ["A best case forecast is at least the commit forecast."]}
            )
    if override and not note:
        raise ValidationError({"note": ["Say why you override this forecast."]})
    call = ForecastCall(
        user=user,
        team=team,
        kind=span.kind,
        start=span.start,
        set_by=by,
        set_at=at or timezone.now(),
        is_override=override,
        commit_forecast=commit,
        best_case_forecast=best,
        note=note,
    )
    action = "forecasting.call." + ("withdrawn" if withdrawing else "set")
    return records.insert(call, by=by, action=action, at=call.set_at)


# Reading


@dataclass
class Call:
    """A setter's current call on a row (None figures: withdrawn)."""

    by: User
    at: datetime.datetime
    commit_forecast: Decimal
    best_case_forecast: Decimal
    note: str
    is_override: bool

    @classmethod
    def of(cls, row: ForecastCall) -> "Call":
        return cls(
            row.set_by,
            row.set_at,
            row.commit_forecast,
            row.best_case_forecast,
            row.note,
            row.is_override,
        )


class CallBook:
    """The period's calls and overrides, read once; what each row shows to a viewer."""

    def __init__(self, period: periods.Period, viewer: User, ranks: dict[int, int]):
        self.viewer = viewer
        self.ranks = ranks
        rows = ForecastCall.objects.filter(kind=period.kind, start=period.start).select_related(
            "set_by"
        )
        self.latest: dict[tuple[str, int, int], ForecastCall] = {}
        for row in rows.order_by("set_at", "id"):
            subject = ("user", row.user_id) if row.user_id else ("team", row.team_id)
            self.latest[(*subject, row.set_by_id)] = row
        seen = visibility.owner_ids(viewer)
        self.visible_setters = None if seen is None else set(seen) | {viewer.pk}

    def _current(self, kind: str, pk: int) -> list[ForecastCall]:
        return [
            row
            for (k, p, _), row in self.latest.items()
            if (k, p) == (kind, pk) and row.commit_forecast is not None
        ]

    def own(self, kind: str, pk: int) -> Call | None:
        """The row's own call: the person's, or the team manager's for the team."""
        found = [r for r in self._current(kind, pk) if not r.is_override]
        return Call.of(found[-1]) if found else None

    def override(self, kind: str, pk: int) -> Call | None:
        """The override of the highest manager at or below the viewer, if any."""
        found = [
            r
            for r in self._current(kind, pk)
            if r.is_override
            and (self.visible_setters is None or r.set_by_id in self.visible_setters)
        ]
        if not found:
            return None
        top = min(found, key=lambda r: (self.ranks.get(r.set_by_id, NOBODY), -r.set_at.timestamp()))
        return Call.of(top)


def history(period: periods.Period, *, user: User | None = None, team: Team | None = None):
    """Every call and override on `user` or `team` for the period, oldest first, each with the
    figures it replaced from the same setter (None for a first call)."""
    whose = {"user": user} if user is not None else {"team": team}
    rows = ForecastCall.objects.filter(kind=period.kind, start=period.start, **whose)
    before: dict[int, ForecastCall] = {}
    found = []
    for row in rows.select_related("set_by").order_by("set_at", "id"):
        found.append((row, before.get(row.set_by_id)))
        before[row.set_by_id] = row
    return found


def callable_rows(viewer: User, rows) -> dict[tuple[str, int], bool]:
    """The rows (kind, id) on which `viewer` may set a figure, each with whether it is their
    own call (True) or an override (False)."""
    if not viewer.is_authenticated or not viewer.is_active:
        return {}
    teams = [r.id for r in rows if r.kind == "team"]
    managing = set(Team.objects.filter(pk__in=teams, manager=viewer).values_list("pk", flat=True))
    if viewer.is_admin:
        return {(r.kind, r.id): False for r in rows}
    managed = visibility.managed_team_ids(viewer)
    seen = set(visibility.owner_ids(viewer) or [])
    found = {}
    for row in rows:
        if row.kind == "user" and row.id == viewer.pk:
            found[("user", row.id)] = True
        elif row.kind == "user" and managed and row.id in seen:
            found[("user", row.id)] = False
        elif row.kind == "team" and row.id in managed:
            found[("team", row.id)] = row.id in managing
    return found
