"""Pipelines and their stages, as sales ops set them up.

Every pipeline keeps at least one open stage, one won stage and one lost stage: a deal must
always have somewhere to go, and somewhere to end.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from salestrack.audit.services import audit_log
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


def _lock(pipeline_id: int) -> list[Stage]:
    """Lock the pipeline and return its stages in order: changes to one pipeline queue up."""
    Pipeline.objects.select_for_update().get(pk=pipeline_id)
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
def pipeline_create(*, name: str, by: User) -> Pipeline:
    """A new pipeline with the default stages."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the pipeline a name."]})
    if Pipeline.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"A pipeline named {name!r} already exists."]})
    pipeline = Pipeline(name=name)
    pipeline.full_clean(validate_unique=False)
    pipeline.save()
    Stage.objects.bulk_create(
        Stage(
            pipeline=pipeline,
            name=stage_name,
            position=position,
            probability=probability,
            forecast_category=category,
            rotting_days=rotting,
            is_won=won,
            is_lost=lost,
        )
        for position, (stage_name, probability, category, rotting, won, lost) in enumerate(
            DEFAULT_STAGES, start=1
        )
    )
    audit_log(instance=pipeline, action="deals.pipeline.created", by=by, data={"name": name})
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
) -> Stage:
    """Add a stage: an open one goes just before the closed stages, a closed one at the end."""
    stages = _lock(pipeline.pk)
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
    _renumber(stages)
    audit_log(
        instance=stage,
        action="deals.stage.created",
        by=by,
        data={f: getattr(stage, f) for f in sorted(STAGE_FIELDS | {"pipeline", "position"})},
    )
    return stage


@transaction.atomic
def stage_update(*, stage: Stage, by: User, **changes) -> Stage:
    """Change a stage's name, defaults, rotting limit or won/lost flags.

    Deals already in the stage keep their probability and category (defaults apply on entry),
    but a stage with deals cannot become won, lost or open: those deals would be neither.
    """
    unknown = set(changes) - STAGE_FIELDS
    if unknown:
        raise TypeError(f"cannot set {sorted(unknown)} of a stage")
    stages = _lock(stage.pipeline_id)
    current = next(s for s in stages if s.pk == stage.pk)
    changed = {k: v for k, v in changes.items() if getattr(current, k) != v}
    for name, value in changed.items():
        setattr(current, name, value)
    _check_stage(current, stages)
    flags = [f for f in ("is_won", "is_lost") if f in changed]
    if flags and Opportunity.objects.filter(stage=current).exists():
        message = "Deals are in this stage: move them out before changing won or lost."
        raise ValidationError({flags[0]: [message]})
    if flags and (missing := _incomplete(stages)):
        raise ValidationError({flags[0]: [missing]})
    if changed:
        current.save()
        audit_log(instance=current, action="deals.stage.changed", by=by, data=changed)
    return current


@transaction.atomic
def stage_move(*, stage: Stage, by: User, direction: str) -> Stage:
    """Swap a stage with the one before ("up") or after it ("down")."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": ["Move a stage up or down."]})
    stages = _lock(stage.pipeline_id)
    index = next(i for i, s in enumerate(stages) if s.pk == stage.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(stages):
        where = "first" if direction == "up" else "last"
        raise ValidationError({"direction": [f"{stages[index].name} is already {where}."]})
    stages[index], stages[other] = stages[other], stages[index]
    _renumber(stages)
    moved = stages[other]
    audit_log(instance=moved, action="deals.stage.moved", by=by, data={"position": moved.position})
    return moved


@transaction.atomic
def stage_delete(*, stage: Stage, by: User) -> None:
    """Delete a stage no deal uses, as long as the pipeline stays complete."""
    stages = _lock(stage.pipeline_id)
    current = next(s for s in stages if s.pk == stage.pk)
    if Opportunity.objects.filter(stage=current).exists():
        raise ValidationError(f"Deals are in {current.name}: move them to another stage first.")
    if missing := _incomplete([s for s in stages if s.pk != current.pk]):
        raise ValidationError(f"{current.name} cannot be deleted. {missing}")
    audit_log(instance=current, action="deals.stage.deleted", by=by, data={"name": current.name})
    current.delete()


def _renumber(stages: list[Stage]) -> None:
    """Give the stages positions 1, 2, 3... in list order; save the new and the moved ones."""
    for position, stage in enumerate(stages, start=1):
        if stage.pk is None or stage.position != position:
            stage.position = position
            stage.save()
