from django.db import models
from django.db.models import Q

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
