import json

from django.core.management.base import BaseCommand, CommandError

from salestrack.company.models import Company
from salestrack.company.money import company_currency
from salestrack.forecasting import backtest, periods, probability
from salestrack.forecasting.rollup import rollup
from salestrack.opportunities import states
from salestrack.opportunities.models import (
    FOREVER,
    Opportunity,
    OpportunityHistory,
    OpportunityState,
    Stage,
)
from salestrack.teams.models import Team, User

COLUMNS = [
    ("quota", "Quota"),
    ("closed_won", "Closed won"),
    ("commit_forecast", "Commit fc."),
    ("best_case_forecast", "Best case fc."),
    ("open_pipeline", "Open pipeline"),
    ("weighted", "Weighted"),
    ("attainment", "Attain."),
    ("coverage", "Coverage"),
]
FIGURES = [
    "quota",
    "closed_won",
    "commit",
    "best_case",
    "pipeline",
    "weighted",
    "commit_forecast",
    "best_case_forecast",
    "open_pipeline",
    "coverage",
    "attainment",
    "gap",
    "past_due",
    "past_due_count",
]


def figures_json(figures) -> dict:
    return {name: _plain(getattr(figures, name)) for name in FIGURES}


def _plain(value):
    return None if value is None else str(value) if not isinstance(value, int) else value


class Command(BaseCommand):
    help = (
        "Print a period's forecast roll-up (`--period 2026-Q4 [--team NAME] [--json]`), or "
        "`rebuild-states`: rebuild the opportunities' states over time from their history, or "
        "`calibrate`: fit the win and slip probabilities from the closed history now."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action", nargs="?", choices=["rebuild-states", "calibrate", "backtest"]
        )
        parser.add_argument("--periods", help="backtest: a span of periods like 2025-Q1..2026-Q4")
        parser.add_argument("--period", help="a quarter like 2026-Q4 or a month like 2026-11")
        parser.add_argument("--team", help="a team's name: that team and its subtree")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, action=None, period=None, team=None, **options):
        if action == "rebuild-states":
            count = states.rebuild(
                OpportunityState,
                OpportunityHistory,
                Opportunity,
                Stage,
                forever=FOREVER,
                default_currency=company_currency(),
            )
            self.stdout.write(f"{count:,} states rebuilt from the history.")
            return
        if action == "backtest":
            self._backtest(options["periods"], as_json=options["json"])
            return
        if action == "calibrate":
            kept = probability.calibrate()
            self.stdout.write(f"Calibrated from {kept.visits:,} closed stage visits.")
            return
        if not period:
            raise CommandError("Give --period (a quarter like 2026-Q4 or a month like 2026-11).")
        try:
            chosen = periods.parse(period, Company.load().fiscal_year_start)
        except ValueError as error:
            raise CommandError(str(error)) from None
        found = None
        if team:
            found = Team.objects.filter(name__iexact=team).first()
            if found is None:
                raise CommandError(f"No team is named {team!r}.")
        # The command line speaks for the company: an admin's view.
        admin = User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("There is no admin to read the forecast as: create one first.")
        result = rollup(chosen, viewer=admin, team=found)
        spread = probability.forecast_range(chosen, viewer=admin, team=found)
        commit, best = result.adjusted
        if options["json"]:
            body = {
                "period": chosen.name,
                "start": chosen.start.isoformat(),
                "end": chosen.end.isoformat(),
                "currency": company_currency(),
                "scope": result.scope,
                "name": result.name,
                "rows": [
                    {"kind": r.kind, "id": r.id, "name": r.name, **figures_json(r.figures)}
                    for r in result.rows
                ],
                "total": figures_json(result.total),
                "adjusted": {"commit_forecast": str(commit), "best_case_forecast": str(best)},
                "range": {
                    name: str(getattr(spread, name))
                    for name in ("p10", "p50", "p90", "expected", "closed_won")
                },
            }
            self.stdout.write(json.dumps(body, indent=2))
            return
        self.stdout.write(f"{result.name}, {chosen.name}, in {company_currency()}")
        head = f"{'':24}" + "".join(f"{title:>15}" for _, title in COLUMNS)
        self.stdout.write(head)
        for name, figures in [*((r.name, r.figures) for r in result.rows), ("Total", result.total)]:
            cells = "".join(f"{_cell(f, getattr(figures, f)):>15}" for f, _ in COLUMNS)
            self.stdout.write(f"{name[:24]:24}{cells}")
        self.stdout.write(
            f"With calls and overrides: commit forecast {commit:,.0f}, "
            f"best case forecast {best:,.0f}"
        )
        self.stdout.write(
            f"Likely range of closed revenue: P10 {spread.p10:,.0f}, P50 {spread.p50:,.0f}, "
            f"P90 {spread.p90:,.0f} (expected {spread.expected:,.0f})"
        )
        if result.total.past_due_count:
            self.stdout.write(
                f"Past due: {result.total.past_due_count} open deals "
                f"({_cell('past_due', result.total.past_due)}) should have closed already."
            )

    def _backtest(self, text: str | None, *, as_json: bool) -> None:
        if not text:
            raise CommandError("Give --periods, a span like 2025-Q1..2026-Q4.")
        try:
            spans = periods.span(text, Company.load().fiscal_year_start)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if len(spans) > 40:
            raise CommandError("At most 40 periods at a time.")
        result = backtest.run(spans)
        if as_json:
            self.stdout.write(json.dumps(backtest.as_json(result), indent=2))
            return
        methods = backtest.METHODS
        self.stdout.write(
            f"{'period':10}{'actual':>14}"
            + "".join(f"{m + ' @start':>24}" for m in methods)
            + "".join(f"{'acc ' + m:>22}" for m in methods)
        )
        for row in result.periods:
            start = row.start
            forecasts = "".join(f"{start.forecasts[m]:>24,.0f}" for m in methods)
            accuracy = "".join(f"{_share(row.mean_accuracy(m)):>22}" for m in methods)
            self.stdout.write(f"{row.period:10}{row.actual:>14,.0f}{forecasts}{accuracy}")
        self.stdout.write(
            "acc: mean accuracy over the period's weekly forecasts "
            "(1 - |actual - forecast| / actual)."
        )
        for method in ("stage_defaults", "calibrated"):
            scores = [p.brier[method] for r in result.periods for p in r.points]
            scores = [s for s in scores if s is not None]
            mean = sum(scores) / len(scores) if scores else float("nan")
            self.stdout.write(f"Brier score, {method}: {mean:.4f}")
        self.stdout.write(f"{result.seconds:.1f} s")


def _share(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _cell(name: str, value) -> str:
    if value is None:
        return "—"
    if name == "attainment":
        return f"{value * 100:.0f}%"
    if name == "coverage":
        return f"{value}x"
    return f"{value:,.0f}"
