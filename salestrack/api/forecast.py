"""The forecast: a period's roll-up for a scope, with its calls and overrides (GET), and
setting a call or an override (POST calls). The rules are forecasting/rollup.py and calls.py;
docs/forecasting.md says what each figure adds."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from salestrack.api.quotas import PERIOD_HELP
from salestrack.api.serializers import Text
from salestrack.company.models import Company
from salestrack.forecasting import calls, periods, probability, quotas, rollup
from salestrack.forecasting.models import ForecastCall
from salestrack.lib.ids import LARGEST, parse_id
from salestrack.teams.models import Team, User

MONEY = {"max_digits": 20, "decimal_places": 2, "read_only": True}


def _money(**extra):
    return serializers.DecimalField(**MONEY, **extra)


class CallSerializer(serializers.Serializer):
    commit_forecast = _money()
    best_case_forecast = _money()
    set_by_id = serializers.IntegerField(source="by.pk", read_only=True)
    set_at = serializers.DateTimeField(source="at", read_only=True)
    note = serializers.CharField(read_only=True)
    is_override = serializers.BooleanField(read_only=True)


class AdjustedSerializer(serializers.Serializer):
    commit_forecast = _money()
    best_case_forecast = _money()


class FiguresSerializer(serializers.Serializer):
    quota = _money(allow_null=True)
    closed_won = _money()
    commit = _money()
    best_case = _money()
    pipeline = _money()
    weighted = _money(help_text="Each open deal's amount x probability, added.")
    commit_forecast = _money(help_text="Closed won + commit.")
    best_case_forecast = _money(help_text="Closed won + commit + best case.")
    open_pipeline = _money()
    coverage = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Open pipeline / (quota - closed won); null once nothing is left to close.",
    )
    attainment = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        read_only=True,
        allow_null=True,
        help_text="Closed won / quota, a fraction.",
    )
    gap = _money(allow_null=True, help_text="Quota - closed won.")
    past_due = _money(help_text="Open deals whose close date has passed; counted nowhere else.")
    past_due_count = serializers.IntegerField(read_only=True)


class RowSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True, help_text='"user" or "team".')
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    figures = FiguresSerializer(read_only=True)
    call = CallSerializer(read_only=True, allow_null=True, help_text="The row's own call.")
    override = CallSerializer(
        read_only=True,
        allow_null=True,
        help_text="The override of the highest manager at or below the caller.",
    )
    adjusted = serializers.SerializerMethodField(
        help_text="What the caller reads: the override, else the call, else the computed."
    )

    @extend_schema_field(AdjustedSerializer)
    def get_adjusted(self, row) -> dict:
        commit, best = row.adjusted
        return AdjustedSerializer({"commit_forecast": commit, "best_case_forecast": best}).data


class DriverSerializer(serializers.Serializer):
    opportunity_id = serializers.IntegerField(source="deal.pk", read_only=True)
    name = serializers.CharField(source="deal.name", read_only=True)
    amount = _money()
    probability = serializers.FloatField(
        read_only=True, help_text="Of closing won within the period, 0 to 1."
    )


class RangeSerializer(serializers.Serializer):
    p10 = _money()
    p50 = _money()
    p90 = _money()
    expected = _money(help_text="Closed won + each open deal's amount x its probability.")
    closed_won = _money()
    deals = serializers.IntegerField(read_only=True, help_text="Open deals weighed.")
    drivers = DriverSerializer(many=True, read_only=True)
    calibrated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    seed = serializers.IntegerField(read_only=True)
    draws = serializers.IntegerField(read_only=True)


class ForecastSerializer(serializers.Serializer):
    period = serializers.CharField(read_only=True)
    start = serializers.DateField(read_only=True, help_text="The period's first day.")
    end = serializers.DateField(read_only=True, help_text="The day after its last.")
    currency = serializers.CharField(read_only=True, help_text="Every amount is in it.")
    scope = serializers.CharField(read_only=True, help_text='"company", "team" or "user".')
    name = serializers.CharField(read_only=True)
    rows = RowSerializer(many=True, read_only=True)
    total = FiguresSerializer(read_only=True)
    call = CallSerializer(read_only=True, allow_null=True)
    override = CallSerializer(read_only=True, allow_null=True)
    adjusted = AdjustedSerializer(read_only=True)
    range = RangeSerializer(
        read_only=True, help_text="P10, P50 and P90 of the period's closed revenue."
    )


class CallWriteSerializer(serializers.Serializer):
    period = Text(help_text=PERIOD_HELP)
    user_id = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        source="user",
        required=False,
        allow_null=True,
        help_text="Whose number (or give team_id): yourself for your own call.",
    )
    team_id = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        source="team",
        required=False,
        allow_null=True,
        help_text="The team whose number it is (or give user_id).",
    )
    commit_forecast = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True
    )
    best_case_forecast = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True
    )
    note = Text(
        required=False,
        allow_blank=True,
        max_length=calls.MAX_NOTE,
        help_text="Why; required for an override.",
    )


ID = {"type": "integer", "minimum": 1, "maximum": LARGEST}


class ForecastView(APIView):
    """A period's forecast for a scope: a row per member or sub-team with every figure, its own
    call and the override the caller reads, and the total. Without team_id or user_id: all the
    caller sees (an admin: the company; a manager: their teams; a rep: themselves)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period", str, description=f"The current quarter if not given. {PERIOD_HELP}"
            ),
            OpenApiParameter("team_id", ID, description="A team and its subtree."),
            OpenApiParameter("user_id", ID, description="One person."),
        ],
        responses=ForecastSerializer,
    )
    def get(self, request):
        params = request.query_params
        company = Company.load()
        if "period" in params:
            try:
                period = quotas.period_check(params["period"], company.fiscal_year_start)
            except DjangoValidationError as error:
                raise ValidationError(error.message_dict) from None
        else:
            period = periods.quarter_of(timezone.localdate(), company.fiscal_year_start)
        whose = {}
        for name, model, key in (("team_id", Team, "team"), ("user_id", User, "user")):
            if name in params:
                pk = parse_id(params[name])
                found = model.objects.filter(pk=pk).first() if pk is not None else None
                if found is None:
                    raise ValidationError({name: ["No such id."]})
                whose[key] = found
        if len(whose) > 1:
            raise ValidationError({"team_id": ["Give team_id or user_id, not both."]})
        result = rollup.rollup(period, viewer=request.user, **whose)
        commit, best = result.adjusted
        body = {
            "period": period.name,
            "start": period.start,
            "end": period.end,
            "currency": company.currency,
            "scope": result.scope,
            "name": result.name,
            "rows": result.rows,
            "total": result.total,
            "call": result.call,
            "override": result.override,
            "adjusted": {"commit_forecast": commit, "best_case_forecast": best},
            "range": probability.forecast_range(period, viewer=request.user, **whose),
        }
        return Response(ForecastSerializer(body).data)


class ForecastCallView(APIView):
    """Set a call or an override (201): your own number's, a team you manage's, or, with a
    note, an override of someone below you. Both figures null withdraw it."""

    permission_classes = [permissions.IsAuthenticated]
    model = ForecastCall  # error fields named as the API does: user_id, team_id

    @extend_schema(request=CallWriteSerializer, responses={201: CallSerializer})
    def post(self, request):
        given = CallWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        whose = {k: data.pop(k) for k in ("user", "team") if data.get(k) is not None}
        call = calls.Call.of(calls.call_set(by=request.user, **data, **whose))
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED)
