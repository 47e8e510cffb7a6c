import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from salestrack.access.visibility import DIRECTORY, Rule
from salestrack.audit.models import AppendOnly
from salestrack.company.money import Money
from salestrack.lib.models import OwnedRecord, now


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", "Pipeline"
    BEST_CASE = "best_case", "Best case"
    COMMIT = "commit", "Commit"
    CLOSED = "closed", "Closed"
    OMITTED = "omitted", "Omitted"


class Pipeline(models.Model):
    name = models.CharField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)

    # The company's pipelines: everyone reads them, admins shape them.
    access = DIRECTORY

    class Meta:
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField()
    probability = models.PositiveSmallIntegerField()  # percent, 0..100
    forecast_category = models.CharField(max_length=10, choices=ForecastCategory.choices)
    rotting_days = models.PositiveIntegerField(null=True, blank=True)
    is_won = models.BooleanField(default=False)
    is_lost = models.BooleanField(default=False)

    # Stages belong to the directory with their pipeline.
    access = DIRECTORY

    class Meta:
        ordering = ["pipeline", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name"),
            models.CheckConstraint(
                condition=~(models.Q(is_won=True) & models.Q(is_lost=True)),
                name="stage_not_won_and_lost",
            ),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="stage_probability_max_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


class LostReason(models.Model):
    """Why deals are lost, from a list the admin keeps, so that losses can be counted.

    A retired reason stays on the deals lost for it but is no longer offered; one that asks
    for a detail ("Other") takes the rest in the deal's free text.
    """

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    needs_detail = models.BooleanField(default=False)

    # The company's list: everyone reads it, admins keep it.
    access = DIRECTORY

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="lost_reason_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Opportunity(OwnedRecord):
    class Type(models.TextChoices):
        NEW_BUSINESS = "new_business", "New business"
        EXISTING_BUSINESS = "existing_business", "Existing business"

    name = models.CharField(max_length=200)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="opportunities"
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="opportunities")
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD")
    close_date = models.DateField()
    probability = models.PositiveSmallIntegerField()
    forecast_category = models.CharField(max_length=10, choices=ForecastCategory.choices)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.NEW_BUSINESS)
    source = models.CharField(max_length=50, blank=True)
    next_step = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    # Only a lost deal has a reason; the detail is required when the reason asks for one.
    lost_reason = models.ForeignKey(
        LostReason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lost_reason_detail = models.CharField(max_length=200, blank=True)
    closed_date = models.DateField(null=True, blank=True)
    # The close date planned before closing made it the day of closing; reopening restores it.
    planned_close_date = models.DateField(null=True, blank=True)
    is_closed = models.BooleanField(default=False)
    is_won = models.BooleanField(default=False)
    # When the deal entered its current stage: the clock for rotting and time in stage.
    stage_entered_at = models.DateTimeField()
    # A rep may snooze a rotting deal until a date, saying why.
    snoozed_until = models.DateField(null=True, blank=True)
    snooze_reason = models.CharField(max_length=200, blank=True)

    # Seen by its owner and whoever manages them; it makes its account and contact seen.
    access = Rule()
    # Its amount is in its currency, converted at the rate in force on its close date.
    money = Money()

    class Meta:
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="opp_owner_idx"),
            models.Index(fields=["stage", "-updated_at"], name="opp_stage_idx"),
            models.Index(fields=["close_date", "id"], name="opp_close_idx"),
            models.Index(fields=["name", "id"], name="opp_name_idx"),
            models.Index(fields=["updated_at", "id"], name="opp_updated_idx"),
            models.Index(fields=["owner", "id"], name="opp_owner_id_idx"),
            models.Index(fields=["account", "is_closed"], name="opp_account_idx"),
            models.Index(fields=["amount", "id"], name="opp_amount_idx"),
            # The board: each stage's column, a page of cards by close date.
            models.Index(fields=["stage", "close_date", "id"], name="opp_board_idx"),
            # Closed columns: cards by when they closed (then id, as keyset pages go), and the
            # totals of the closed window read from this index alone (the columns after id are
            # what a total converts and adds, and whose deal it is).
            models.Index(
                fields=[
                    "stage",
                    "closed_date",
                    "id",
                    "owner",
                    "amount",
                    "probability",
                    "currency",
                    "close_date",
                ],
                name="opp_closed_totals_idx",
            ),
            # The board's column totals of open deals, read from this index alone rather than
            # from rows scattered over the table; the currency and close date convert each
            # amount to the company's currency (company/money.py). SQLite takes a partial index
            # as covering only if it holds the column of its condition too.
            models.Index(
                fields=[
                    "stage",
                    "owner",
                    "amount",
                    "probability",
                    "currency",
                    "close_date",
                    "is_closed",
                ],
                condition=models.Q(is_closed=False),
                name="opp_open_totals_idx",
            ),
            # The forecast roll-up (forecasting/rollup.py): an owner's open deals of a period by
            # category, and their past-due deals, from this index alone; the company's through
            # it too, owner by owner. is_closed is a column so that SQLite reads no rows.
            models.Index(
                fields=[
                    "owner",
                    "close_date",
                    "forecast_category",
                    "amount",
                    "probability",
                    "currency",
                    "is_closed",
                ],
                condition=models.Q(is_closed=False),
                name="opp_open_owner_close_idx",
            ),
            # The roll-up's deals won in a period, with when each closed (whose it was then:
            # the id finds the deal's state at that moment).
            models.Index(
                fields=[
                    "close_date",
                    "owner",
                    "amount",
                    "currency",
                    "stage_entered_at",
                    "is_won",
                    "id",
                ],
                condition=models.Q(is_won=True),
                name="opp_won_close_idx",
            ),
            # A team sees the accounts and contacts its deals are on: a list or a search
            # checks each row it reads for such a deal, from these indexes alone.
            models.Index(fields=["account", "owner"], name="opp_account_owner_idx"),
            models.Index(fields=["contact", "owner"], name="opp_contact_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("opportunity-detail", args=[self.pk])


class OpportunityHistory(AppendOnly):
    """One change of one tracked field. Append-only: never updated, never deleted.

    History is what forecasts, waterfalls and time travel are computed from, so it outlives
    its deal: deleting a deal (to the trash, audit/trash.py) keeps these rows and adds one
    that marks the deletion, and a restore one that marks the restore.
    """

    # What forecasts read as of a past moment (OpportunityState); the currency converts amounts.
    TRACKED = [
        "stage",
        "amount",
        "currency",
        "close_date",
        "probability",
        "forecast_category",
        "owner",
    ]
    # Not a field of the deal: "False" -> "True" when it was deleted, the reverse when restored.
    DELETED = "deleted"

    # DO_NOTHING without a database constraint: the rows stay when their deal goes.
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.DO_NOTHING, db_constraint=False, related_name="history"
    )
    field = models.CharField(max_length=30)
    old_value = models.CharField(max_length=100, blank=True, null=True)
    new_value = models.CharField(max_length=100, blank=True, null=True)
    # As AuditEntry.actor: who made the change stays said, even if the user row went.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    changed_at = models.DateTimeField(db_index=True)
    # Why a value changed when no one typed it: "closing" set the close date to the day the
    # deal closed, "reopening" put the planned one back. Slip figures skip these. Null, not "",
    # for a change someone made: SQLite adds a nullable column in place, where a NOT NULL one
    # would copy the whole history table (millions of rows) on migrating.
    cause = models.CharField(max_length=20, null=True, blank=True)

    class Meta(AppendOnly.Meta):
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["opportunity", "changed_at"], name="opp_history_idx")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} -> {self.new_value}"

    @classmethod
    def mark_trashed(cls, opportunity_id: int, *, deleted: bool, by, at) -> None:
        """Mark the deal's deletion (or restore) in its history; the trash calls this.

        A rebuild of the pipeline as of a moment then knows the deal existed until here.
        """
        cls.objects.create(
            opportunity_id=opportunity_id,
            field=cls.DELETED,
            old_value=str(not deleted),
            new_value=str(deleted),
            changed_by=by if getattr(by, "pk", None) else None,
            changed_at=at,
        )
        if deleted:
            OpportunityState.end(opportunity_id, at)
        else:  # the trash has put the row back
            OpportunityState.record(Opportunity.objects.get(pk=opportunity_id), at)


# The end of a state that still holds: a date rather than null, so that "held at t" is two
# plain comparisons on one index.
FOREVER = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


class OpportunityState(models.Model):
    """The tracked values an opportunity held from `valid_from` until `valid_to`: one row per
    interval between two of its changes, so that the pipeline as of any moment is one query
    (opportunities.selectors.pipeline_as_of) rather than a replay of the history.

    Kept by the one write path with every change of a tracked field (`OpportunityState.record`
    from the services and the trash) and rebuilt exactly from the history by
    `salestrack forecast rebuild-states`. A deal in the trash holds no state until restored.
    """

    FIELDS = [
        "stage_id",
        "amount",
        "currency",
        "close_date",
        "probability",
        "forecast_category",
        "owner_id",
        "is_closed",
    ]

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(default=FOREVER)
    stage = models.ForeignKey(
        Stage, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    close_date = models.DateField()
    probability = models.PositiveSmallIntegerField()
    forecast_category = models.CharField(max_length=10, choices=ForecastCategory.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The stage's, kept so that the open pipeline as of a moment is read from its own index.
    is_closed = models.BooleanField()

    class Meta:
        indexes = [
            # The states that hold at a moment: those that end after it, started before it.
            models.Index(fields=["valid_to", "valid_from"], name="opp_state_held_idx"),
            models.Index(
                fields=["valid_to", "valid_from"],
                condition=models.Q(is_closed=False),
                name="opp_state_open_idx",
            ),
            # A deal's states; with valid_from and owner, whose the deal was at a moment (the
            # roll-up's closer of a won deal) is read from the index alone.
            models.Index(
                fields=["opportunity", "valid_to", "valid_from", "owner"],
                name="opp_state_opp_owner_idx",
            ),
            # The forecast chart (forecasting/trend.py): the states of deals due in a period,
            # with all it reads, from this index alone. Through opp_state_held_idx SQLite read
            # every state holding since the period began, row by row (docs/benchmarks.md).
            models.Index(
                fields=[
                    "close_date",
                    "valid_to",
                    "valid_from",
                    "stage",
                    "is_closed",
                    "forecast_category",
                    "amount",
                    "currency",
                    "owner",
                ],
                name="opp_state_close_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} from {self.valid_from:%Y-%m-%d %H:%M}"

    @classmethod
    def record(cls, opportunity: Opportunity, at: datetime.datetime, *, new: bool = False) -> None:
        """The deal's values from `at` on: end the state that held until now, start a new one
        (a `new` deal has none to end).

        A second change at the same moment replaces the state it started, as the rebuild,
        which reads the history's rows of one moment as one change, would.
        """
        values = {name: getattr(opportunity, name) for name in cls.FIELDS}
        if not new:
            held = cls.objects.filter(opportunity_id=opportunity.pk, valid_to=FOREVER)
            if held.filter(valid_from=at).update(**values):
                return
            held.update(valid_to=at)
        cls.objects.create(opportunity_id=opportunity.pk, valid_from=at, **values)

    @classmethod
    def end(cls, opportunity_id: int, at: datetime.datetime) -> None:
        """The deal went to the trash at `at`: its state ends there."""
        cls.objects.filter(opportunity_id=opportunity_id, valid_to=FOREVER).update(valid_to=at)
