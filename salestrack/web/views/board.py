"""The pipeline board: a column per stage, cards in close-date order, drag and drop to move.

The board costs the same number of queries with 30 deals or 30,000: one aggregate query for
every column's totals, then the first cards of each column (keyset pages), and "Show more"
loads the next cards of one column.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET, require_POST

from salestrack.access.visibility import assignable_owners, get_visible_or_404, visible
from salestrack.activities.rotting import rotting_q
from salestrack.lib import keyset
from salestrack.lib.errors import ServiceError, StaleVersion
from salestrack.opportunities import services
from salestrack.opportunities.models import LostReason, Opportunity, Pipeline, Stage
from salestrack.opportunities.selectors import Sums, add_up, grouped_sums
from salestrack.teams.models import Team
from salestrack.web import pages
from salestrack.web.filters import people_choices, team_choices

CARDS = 20
CARD_FIELDS = [
    "name",
    "amount",
    "currency",
    "close_date",
    "closed_date",
    "is_closed",
    "version",
    "stage_id",
    "account__name",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
]
# Closed columns show recent deals only, so the board stays about what is still moving.
CLOSED_WINDOWS = [("30", "Last 30 days"), ("90", "Last 90 days"), ("all", "All time")]


class BoardFilters(forms.Form):
    pipeline = forms.TypedChoiceField(coerce=int, required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="Anyone")
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="Any team"
    )
    closed = forms.ChoiceField(choices=CLOSED_WINDOWS, required=False, label="Closed deals")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.pipelines = list(Pipeline.objects.all())
        self.fields["pipeline"].choices = [(p.pk, p.name) for p in self.pipelines]
        owner = self.fields["owner"]
        owner.queryset = assignable_owners(user)

    def list_choices(self) -> None:
        """Read the owner and team choices for the page's selects (`select` filter), as plain
        values: no User object per option. Only the whole board shows them."""
        owners = self.fields["owner"].queryset
        self.fields["owner"].plain_choices = [("", "Anyone"), *people_choices(owners)]
        self.fields["team"].plain_choices = [("", "Any team"), *team_choices(Team.objects.all())]

    def pipeline_chosen(self) -> Pipeline | None:
        """The pipeline asked for, else the default one (pipelines sort default first)."""
        chosen = self.is_valid() and self.cleaned_data["pipeline"]
        by_id = {p.pk: p for p in self.pipelines}
        return by_id.get(chosen) or next(iter(self.pipelines), None)

    def closed_days(self) -> int | None:
        window = (self.is_valid() and self.cleaned_data["closed"]) or "30"
        return None if window == "all" else int(window)


class MoveForm(forms.Form):
    stage_id = forms.ModelChoiceField(
        queryset=None,
        label="Stage",
        error_messages={
            "required": "Choose the stage to move the deal to.",
            "invalid_choice": "That stage is not in this deal's pipeline.",
        },
    )
    lost_reason = forms.ModelChoiceField(
        queryset=LostReason.objects.filter(is_active=True),
        required=False,
        label="Lost reason",
        empty_label="Choose a reason",
        error_messages={"invalid_choice": "Choose a reason from the list."},
    )
    lost_reason_detail = forms.CharField(max_length=200, required=False, label="Detail")
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, opportunity: Opportunity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage_id"].queryset = Stage.objects.filter(pipeline_id=opportunity.pipeline_id)


@dataclass
class Column:
    stage: Stage
    count: int = 0
    amount: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    page: keyset.Page | None = None
    options: str = ""  # the stage menu of its cards


def _opportunities(request, filters: BoardFilters) -> tuple[QuerySet, str]:
    """The visible deals the filters select, and the view; see _window for closed deals."""
    opportunities, view = pages.scope(request, visible(request.user, Opportunity, gather=True))
    if not filters.is_valid():
        return opportunities.none(), view  # the page says which filter is wrong
    if filters.cleaned_data["owner"]:
        opportunities = opportunities.filter(owner=filters.cleaned_data["owner"])
    if filters.cleaned_data["team"]:
        opportunities = opportunities.filter(owner__team=filters.cleaned_data["team"])
    return opportunities, view


def _window(opportunities, stages: list[Stage], filters: BoardFilters, *, totals: bool = False):
    """Open deals, and closed ones only within the window: per stage, so that each condition
    is a plain range on the (stage, ...) indexes rather than an OR over the whole table."""
    days = filters.closed_days() if filters.is_valid() else None
    opened = Q(stage__in=[s.pk for s in stages if not s.is_closed])
    if totals:
        # Implied by the stages, but said so that the totals are read from opp_open_totals_idx
        # alone. Not for cards: SQLite then took that index too and sorted a whole column
        # instead of walking opp_board_idx in close-date order and stopping at the page.
        opened &= Q(is_closed=False)
    closed = Q(stage__in=[s.pk for s in stages if s.is_closed])
    if days is not None:
        closed &= Q(closed_date__gte=timezone.localdate() - datetime.timedelta(days=days))
    return opportunities.filter(opened | closed)


def _columns(opportunities, stages: list[Stage], filters: BoardFilters) -> list[Column]:
    """A column per stage with its count, amount and weighted amount, in one query."""
    # Open and closed columns are summed apart: one query with an OR of the two made SQLite
    # read every deal ever closed (300,000 of them) for an admin's board.
    parts = [
        grouped_sums(
            _window(
                opportunities, [s for s in stages if s.is_closed == closed], filters, totals=True
            ),
            "stage",
        )
        for closed in (False, True)
    ]
    sums = add_up(parts[0].union(parts[1], all=True), "stage")
    columns = []
    for stage in stages:
        found = sums.get((stage.pk,), Sums())
        columns.append(
            Column(stage, count=found.count, amount=found.amount, weighted=found.weighted)
        )
    return columns


def _narrow(request, view: str, filters: BoardFilters) -> bool:
    """Whether the board shows a few owners' deals rather than everyone's (an admin's)."""
    data = filters.cleaned_data if filters.is_valid() else {}
    return not request.user.is_admin or view != "all" or bool(data["owner"] or data["team"])


def _cards(
    opportunities, stage: Stage, filters: BoardFilters, after: str = "", *, narrow: bool
) -> keyset.Page:
    # Only what a card shows (web/templatetags opportunity_card): the full rows of 140 deals, their
    # accounts and owners took longer to read and convert than the rest of the board.
    cards = (
        _window(opportunities, [stage], filters)
        .select_related("account", "owner")
        .only(*CARD_FIELDS)
    )
    if narrow and not stage.is_closed:
        # A few owners' open deals of the stage are a few hundred rows of opp_open_totals_idx
        # (stage, owner), sorted: SQLite otherwise read every deal of those owners through
        # their owner index (16,000 for a team of the large org, 40 ms a column). Everyone's
        # are read walking opp_board_idx in close-date order instead, stopping at the page.
        cards = cards.filter(is_closed=False)
    # Open deals by when they should close; closed ones most recent first, which is also the
    # order of the (stage, closed_date) index their window is read from.
    order = "-closed_date" if stage.is_closed else "close_date"
    return keyset.paginate(cards, order=order, size=CARDS, after=after)


def _mark_rotting(cards: list[Opportunity]) -> None:
    """Set `rotting` on each card, asking only about the cards shown."""
    ids = [card.pk for card in cards]
    rotting = set(
        Opportunity.objects.filter(rotting_q(), pk__in=ids).values_list("pk", flat=True)
        if ids
        else []
    )
    for card in cards:
        card.rotting = card.pk in rotting


def _stage_options(stages: list[Stage], current: Stage) -> str:
    """The options of a card's stage menu. The cards of a column share them, so each column
    renders them once: rendered per card, they took a third of the board's time."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((s.pk, " selected" if s == current else "", s.name) for s in stages),
    )


def _card_context(request, filters: BoardFilters) -> dict:
    """What cards and column headers need besides their deals."""
    params = request.GET.copy()
    params.pop("after", None)  # the filters the cards' forms and links carry along
    return {
        "filters_query": f"?{params.urlencode()}" if params else "",
        "closed_days": filters.closed_days(),
        "today": timezone.localdate(),
    }


@login_required
@require_GET
def board(request):
    """The board of one pipeline (?pipeline=, the default first) for the filters in the URL."""
    filters = BoardFilters(request.GET, user=request.user)
    filters.list_choices()
    pipeline = filters.pipeline_chosen()
    stages = list(pipeline.stages.all()) if pipeline else []
    opportunities, view = _opportunities(request, filters)
    columns = _columns(opportunities, stages, filters)
    for column in columns:
        column.page = _cards(
            opportunities, column.stage, filters, narrow=_narrow(request, view, filters)
        )
        column.options = _stage_options(stages, column.stage)
    _mark_rotting([card for column in columns for card in column.page.rows])
    context = _card_context(request, filters) | {
        "section": "board",
        "filters": filters,
        "pipeline": pipeline,
        "columns": columns,
        "total": sum(column.count for column in columns),
        "view": view,
        "views": pages.VIEWS,
    }
    partial = request.htmx and not request.htmx.boosted
    return render(
        request, "opportunities/_board.html" if partial else "opportunities/board.html", context
    )


@login_required
@require_GET
def board_column(request, stage_id):
    """The next cards of one column ("Show more"), after the cursor in ?after=."""
    stage = get_visible_or_404(request.user, Stage, stage_id)
    filters = BoardFilters(request.GET, user=request.user)
    opportunities, view = _opportunities(request, filters)
    after = request.GET.get("after", "")
    page = _cards(opportunities, stage, filters, after, narrow=_narrow(request, view, filters))
    _mark_rotting(page.rows)
    stages = list(Stage.objects.filter(pipeline_id=stage.pipeline_id))
    context = _card_context(request, filters) | {
        "section": "board",
        "stage": stage,
        "page": page,
        "options": _stage_options(stages, stage),
    }
    template = (
        "opportunities/_board_cards.html" if request.htmx else "opportunities/board_column.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def board_move(request, pk):
    """Move a deal to another stage: from a drop on the board or the card's stage menu.

    htmx (the board's script) gets the new card plus the two column headers out of band, or
    an error status with a toast; without JavaScript, a redirect to the board or a page that
    says what is missing (the lost reason) or what changed meanwhile.
    """
    opportunity = get_visible_or_404(request.user, Opportunity, pk, write=True)
    form = MoveForm(request.POST, opportunity=opportunity)
    status = 400
    if form.is_valid():
        try:
            moved = services.opportunity_move_stage(
                opportunity=opportunity,
                by=request.user,
                stage=form.cleaned_data["stage_id"],
                lost_reason=form.cleaned_data["lost_reason"],
                lost_reason_detail=form.cleaned_data["lost_reason_detail"] or None,
                version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            pages.add_errors(form, error)
        except StaleVersion as error:
            form.add_error(
                None,
                f"Someone moved this deal meanwhile: it is in {opportunity.stage} now. "
                "Check the stage and move it again if you still want to.",
            )
            status = error.status
        except ServiceError as error:
            form.add_error(None, error.message)
            status = error.status
        else:
            return _moved(request, moved, from_stage=opportunity.stage)
    message = " ".join(e for errors in form.errors.values() for e in errors)
    if request.htmx:
        toast = pages.toast_header(message, "error")
        return HttpResponse(status=status, headers={"HX-Trigger": toast})
    stages = list(form.fields["stage_id"].queryset)
    context = {"deal": opportunity, "form": form, "stages": stages, "section": "board"}
    return render(request, "opportunities/board_move.html", context, status=status)


def _moved(request, opportunity: Opportunity, *, from_stage: Stage):
    text = f"{opportunity.name} moved to {opportunity.stage}."
    if not request.htmx:
        messages.success(request, text)
        back = request.GET.copy()
        back["pipeline"] = opportunity.pipeline_id
        return redirect(f"{reverse('board')}?{back.urlencode()}")
    filters = BoardFilters(request.GET, user=request.user)
    stages = list(Stage.objects.filter(pipeline_id=opportunity.pipeline_id))
    # The headers count with the board's filters (sent along in the URL) so they stay true.
    changed = [s for s in stages if s.pk in (from_stage.pk, opportunity.stage_id)]
    columns = []
    if filters.is_valid():
        columns = _columns(_opportunities(request, filters)[0], changed, filters)
    opportunity = Opportunity.objects.select_related("account", "owner", "stage").get(
        pk=opportunity.pk
    )
    _mark_rotting([opportunity])
    context = _card_context(request, filters) | {
        "deal": opportunity,
        "columns": columns,
        "options": _stage_options(stages, opportunity.stage),
    }
    response = render(request, "opportunities/_board_moved.html", context)
    response["HX-Trigger"] = pages.toast_header(text)
    return response
