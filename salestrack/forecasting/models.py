from django.db import models
from django.db.models import F, Q

from salestrack.lib.models import now
from salestrack.teams.models import Team, User


class Quota(models.Model):
    """What a user or a team is to close in a month or a fiscal quarter, in the company's
    currency (docs/forecasting.md, "Quotas").

    The period is kept as its kind and first day, not its name: a quarter's name depends on
    the fiscal year start, which an admin may change.

    No `access = Rule(...)`: a rule names one owner field, and a quota belongs to a user or a
    team, which managers set for their subtree but not for themselves. quotas.py says who sees
    (`visible_quotas`) and who sets (`settable_users`, `settable_teams`) them.
    """

    class Kind(models.TextChoices):
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="quotas"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="quotas"
    )
    kind = models.CharField(max_length=7, choices=Kind.choices)
    start = models.DateField()  # the period's first day
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    set_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="quota_user_or_team",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=["month", "quarter"]), name="quota_kind"),
            models.UniqueConstraint(fields=["user", "kind", "start"], name="quota_user_period"),
            models.UniqueConstraint(fields=["team", "kind", "start"], name="quota_team_period"),
        ]

    def __str__(self) -> str:
        whose = self.user.username if self.user_id else self.team.name
        return f"{whose}'s {self.kind} quota from {self.start:%Y-%m-%d}"


class ForecastCall(models.Model):
    """A call on a period's forecast: what a person (or a team's manager, for the team) says
    they will close, or a manager's override of a call below them (docs/forecasting.md, "Calls
    and overrides").

    Append-only: each setting is a new row, so the table is its own history (who, when, the
    figures, why); the current call of a setter on a subject is their latest row, and a row
    without figures withdraws it. The subject is a user or a team; whose call it is follows
    from the setter (calls.py).
    """

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="forecast_calls"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="forecast_calls"
    )
    kind = models.CharField(max_length=7, choices=Quota.Kind.choices)
    start = models.DateField()  # the period's first day, as for quotas
    set_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=now)
    is_override = models.BooleanField()  # a manager's figure for someone else's number
    commit_forecast = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    best_case_forecast = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["set_at", "id"]
        indexes = [
            models.Index(fields=["kind", "start", "set_at"], name="forecast_call_period_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="forecast_call_user_or_team",
            ),
            models.CheckConstraint(
                condition=Q(commit_forecast__isnull=True, best_case_forecast__isnull=True)
                | Q(commit_forecast__gte=0, best_case_forecast__gte=F("commit_forecast")),
                name="forecast_call_figures",
            ),
        ]

    def __str__(self) -> str:
        whose = self.user.username if self.user_id else self.team.name
        return f"{'Override' if self.is_override else 'Call'} on {whose} from {self.start:%Y-%m-%d}"


class Calibration(models.Model):
    """The win and slip probabilities fitted from the company's closed history
    (forecasting/calibration.py, probability.py), kept so that a forecast reads them rather
    than fitting on every request; refreshed in the background once the history has grown.
    The newest row is the one read."""

    fitted_at = models.DateTimeField(default=now)
    history_upto = models.BigIntegerField()  # the newest OpportunityHistory id it had seen
    refresh_asked_at = models.DateTimeField(null=True, blank=True)
    win = models.JSONField()  # WinModel's arrays as lists
    slip = models.JSONField()  # SlipModel's arrays as lists
    visits = models.PositiveIntegerField()  # closed stage visits it learned from

    class Meta:
        ordering = ["-fitted_at", "-id"]

    def __str__(self) -> str:
        return f"Calibration of {self.fitted_at:%Y-%m-%d %H:%M}"


class BacktestRun(models.Model):
    """A backtest run in the background (forecasting/backtest.py) and kept for its page: the
    periods asked for, and the result once done (as backtest.as_json gives it)."""

    periods = models.CharField(max_length=40)  # like 2025-Q1..2026-Q4
    asked_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    asked_at = models.DateTimeField(default=now)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-asked_at", "-id"]

    def __str__(self) -> str:
        return f"Backtest of {self.periods} asked {self.asked_at:%Y-%m-%d %H:%M}"
