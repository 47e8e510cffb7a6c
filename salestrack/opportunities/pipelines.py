"""Pipelines and their stages, as sales ops set them up.

Every pipeline keeps at least one open stage, one won stage and one lost stage: a deal must
always have somewhere to go, and somewhere to end.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salestrack.access import visibility
from salestrack.audit import records
from salestrack.lib.errors import Forbidden
from salestrack.opportunities.models import ForecastCategory, Opportunity, Pipeline, Stage
from salestrack.teams.models import User

# What a new pipeline starts with: PRODUCT.md section 2's default, to rename and adjust.
DEFAULT_STAGES = [
    # name, probability, forecast category, rotting days, won, lost
    ("Prospecting", 10, ForecastCategory.PIPELINE, 30, False, False),
    ("Qualification", 20, ForecastCategory.PIPELINE, 21, False, False),
    ("Needs analysis", 40, ForecastCategory.PIPELINE, 21, False, False),
    ("Proposal", 60, ForecastCategory.BEST_CASE, 14, False, False),
    ("Negotiation", 80, ForecastCategory.COMMIT, 14, False, False),
    ("Closed won", 100, ForecastCategory.CLOSED, None, True, False),
    ("Closed lost", 0, ForecastCategory.OMITTED, None, False, True),
]
STAGE_FIELDS = {"name", "probability", "forecast_category", "rotting_days", "is_won", "is_lost"}


def _lock(pipeline_id: int, by: User) -> list[Stage]:
    """Lock the pipeline and return its stages in order: changes to one pipeline queue up.

    Pipelines are the company's settings: only an admin changes them (access.writable).
    """
    records.lock(Pipeline(pk=pipeline_id), among=visibility.writable(by, Pipeline))
    return list(Stage.objects.filter(pipeline_id=pipeline_id).order_by("position", "pk"))


def _check_stage(stage: Stage, stages: list[Stage]) -> None:
    name = (stage.name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the stage a name."]})
    if any(s.name.lower() == name.lower() and s.pk != stage.pk for s in stages):
        raise ValidationError({"name": [f"This pipeline already has a stage named {name!r}."]})
    stage.name = name
    if not 0 <= stage.probability <= 100:
        raise ValidationError({"probability": ["A probability is between 0 and 100."]})
    if stage.forecast_category not in ForecastCategory.values:
        raise ValidationError(
            {"forecast_category": [f"Must be one of {', '.join(ForecastCategory.values)}."]}
        )
    if stage.rotting_days is not None and stage.rotting_days < 1:
        raise ValidationError({"rotting_days": ["At least 1 day, or empty for never."]})
    if stage.is_won and stage.is_lost:
        raise ValidationError({"is_lost": ["A stage is won or lost, not both."]})
    # The constraints were just checked above, in words a person can act on.
    stage.full_clean(
        exclude=["pipeline", "position"], validate_unique=False, validate_constraints=False
    )


def _incomplete(stages: list[Stage]) -> str | None:
    """What the pipeline lacks among an open, a won and a lost stage, if anything."""
    if not any(not s.is_closed for s in stages):
        return "The pipeline needs at least one open stage."
    if not any(s.is_won for s in stages):
        return "The pipeline needs at least one won stage."
    if not any(s.is_lost for s in stages):
        return "The pipeline needs at least one lost stage."
    return None


@transaction.atomic
def pipeline_create(*, name: str, by: User, at: datetime.datetime | None = None) -> Pipeline:
    """A new pipeline with the default stages."""
    if not by.is_admin:
        raise Forbidden("Only an admin can add a pipeline.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the pipeline a name."]})
    if Pipeline.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"A pipeline named {name!r} already exists."]})
    at = at or timezone.now()
    pipeline = records.insert(Pipeline(name=name), by=by, action="deals.pipeline.created", at=at)
    for position, (stage_name, probability, category, rotting, won, lost) in enumerate(
        DEFAULT_STAGES, start=1
    ):
        stage = Stage(
            pipeline=pipeline,
            name=stage_name,
            position=position,
            probability=probability,
            forecast_category=category,
            rotting_days=rotting,
            is_won=won,
            is_lost=lost,
        )
        records.insert(stage, by=by, action="deals.stage.created", at=at)
    return pipeline


@transaction.atomic
def stage_create(
    *,
    pipeline: Pipeline,
    by: User,
    name: str,
    probability: int,
    forecast_category: str,
    rotting_days: int | None = None,
    is_won: bool = False,
    is_lost: bool = False,
    at: datetime.datetime | None = None,
) -> Stage:
    """Add a stage: an open one goes just before the closed stages, a closed one at the end."""
    at = at or timezone.now()
    stages = _lock(pipeline.pk, by)
    stage = Stage(
        pipeline=pipeline,
        name=name,
        probability=probability,
        forecast_category=forecast_category,
        rotting_days=rotting_days,
        is_won=is_won,
        is_lost=is_lost,
    )
    _check_stage(stage, stages)
    if not stage.is_closed:
        closed = [s for s in stages if s.is_closed]
        stages.insert(stages.index(closed[0]) if closed else len(stages), stage)
    else:
        stages.append(stage)
    _renumber(stages, by=by, at=at)
    return stage


@transaction.atomic
def stage_update(
    *, stage: Stage, by: User, at: datetime.datetime | None = None, **changes
) -> Stage:
    """Change a stage's name, defaults, rotting limit or won/lost flags.

    Deals already in the stage keep their probability and category (defaults apply on entry),
    but a stage with deals cannot become won, lost or open: those deals would be neither.
    """
    records.check_fields(Stage, STAGE_FIELDS, changes)
    stages = _lock(stage.pipeline_id, by)
    current = next(s for s in stages if s.pk == stage.pk)
    before = records.snapshot(current)
    changed = {k: v for k, v in changes.items() if getattr(current, k) != v}
    records.apply(current, STAGE_FIELDS, changed)
    _check_stage(current, stages)
    flags = [f for f in ("is_won", "is_lost") if f in changed]
    if flags and Opportunity.objects.filter(stage=current).exists():
        message = "Deals are in this stage: move them out before changing won or lost."
        raise ValidationError({flags[0]: [message]})
    if flags and (missing := _incomplete(stages)):
        raise ValidationError({flags[0]: [missing]})
    at = at or timezone.now()
    records.save_changes(current, before, by=by, action="deals.stage.changed", at=at)
    # A stage that became won or lost goes to the end, one that reopened before the closed ones.
    ordered = [s for s in stages if not s.is_closed] + [s for s in stages if s.is_closed]
    if ordered != stages:
        _renumber(ordered, by=by, at=at, moved=current)
    return current


@transaction.atomic
def stage_move(
    *, stage: Stage, by: User, direction: str, at: datetime.datetime | None = None
) -> Stage:
    """Swap a stage with the one before ("up") or after it ("down")."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": ["Move a stage up or down."]})
    stages = _lock(stage.pipeline_id, by)
    index = next(i for i, s in enumerate(stages) if s.pk == stage.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(stages):
        where = "first" if direction == "up" else "last"
        raise ValidationError({"direction": [f"{stages[index].name} is already {where}."]})
    moved = stages[index]
    if moved.is_closed != stages[other].is_closed:
        # Won and lost stages stay at the end: a deal walks the open ones, then closes.
        where = "after the won and lost stages" if not moved.is_closed else "among the open ones"
        raise ValidationError({"direction": [f"{moved.name} cannot move {where}."]})
    stages[index], stages[other] = stages[other], stages[index]
    _renumber(stages, by=by, at=at or timezone.now(), moved=moved)
    return moved


@transaction.atomic
def stage_delete(*, stage: Stage, by: User, at: datetime.datetime | None = None) -> None:
    """Delete a stage no deal uses, as long as the pipeline stays complete."""
    stages = _lock(stage.pipeline_id, by)
    current = next(s for s in stages if s.pk == stage.pk)
    if Opportunity.objects.filter(stage=current).exists():
        raise ValidationError(f"Deals are in {current.name}: move them to another stage first.")
    if missing := _incomplete([s for s in stages if s.pk != current.pk]):
        raise ValidationError(f"{current.name} cannot be deleted. {missing}")
    # For good: the trash keeps records people own, and a stage is the company's setting.
    records.remove(current, by=by, action="deals.stage.deleted", at=at, keep=False)


def _renumber(
    stages: list[Stage], *, by: User, at: datetime.datetime, moved: Stage | None = None
) -> None:
    """Give the stages positions 1, 2, 3... in list order; insert the new one, save the moved.

    The stage the admin moved is logged as moved; the ones that shift to make room for it
    (or for a new stage) as renumbered.
    """
    for position, stage in enumerate(stages, start=1):
        if stage.pk is None:
            stage.position = position
            records.insert(stage, by=by, action="deals.stage.created", at=at)
        elif stage.position != position:
            before = records.snapshot(stage)
            stage.position = position
            action = "deals.stage.moved" if stage is moved else "deals.stage.renumbered"
            records.save_changes(stage, before, by=by, action=action, at=at)
