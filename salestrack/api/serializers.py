"""What the API reads and writes. Foreign keys are `<name>_id`; writes go to the services."""

from django.db import models
from rest_framework import serializers

from salestrack.access import visibility
from salestrack.accounts.models import Account, Contact
from salestrack.activities.models import Activity
from salestrack.audit.models import Deleted
from salestrack.leads.models import Lead
from salestrack.lib.models import ADDRESS_FIELDS
from salestrack.opportunities.models import (
    ForecastCategory,
    LostReason,
    Opportunity,
    OpportunityHistory,
    Pipeline,
    Stage,
)
from salestrack.teams.models import Team, User

RECORD_META = ["version", "created_at", "updated_at"]


class Text(serializers.CharField):
    """A string field that takes only a JSON string: DRF's would store 5 as "5", and the
    schema says string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Email(serializers.EmailField, Text):
    pass


class Integer(serializers.IntegerField):
    """A JSON number that is whole: not "5", not true (which DRF would read as 1)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class Boolean(serializers.BooleanField):
    """true or false, as the schema says: not "yes", 1 or "on" (DRF reads those as true)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ModelSerializer(serializers.ModelSerializer):
    """DRF's, with the strict string fields above for the models' text columns."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: Text,
        models.TextField: Text,
        models.EmailField: Email,
        models.IntegerField: Integer,
        models.PositiveIntegerField: Integer,
        models.PositiveSmallIntegerField: Integer,
        models.SmallIntegerField: Integer,
        models.BigIntegerField: Integer,
        models.BooleanField: Boolean,
    }


class VisibleIdField(serializers.PrimaryKeyRelatedField):
    """A `<name>_id` that only accepts records the requesting user may see.

    Another team's id answers like an unknown one: 400 "does not exist", nothing revealed.
    """

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        return visibility.visible(self.context["request"].user, self.model)


class OwnerIdField(serializers.PrimaryKeyRelatedField):
    """An owner the requesting user may assign: themselves, their subtree, anyone for admins."""

    def __init__(self, **kwargs):
        super().__init__(source="owner", queryset=User.objects.none(), required=False, **kwargs)

    def get_queryset(self):
        return visibility.assignable_owners(self.context["request"].user)


class RecordSerializer(ModelSerializer):
    owner_id = OwnerIdField()


class LeadSerializer(RecordSerializer):
    converted_account_id = serializers.IntegerField(read_only=True, allow_null=True)
    converted_contact_id = serializers.IntegerField(read_only=True, allow_null=True)
    converted_opportunity_id = serializers.IntegerField(read_only=True, allow_null=True)
    score = Integer(min_value=0, max_value=100, required=False)

    class Meta:
        model = Lead
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "title",
            "company",
            "website",
            "industry",
            "source",
            *ADDRESS_FIELDS,
            "description",
            "owner_id",
            "status",
            "score",
            "disqualified_reason",
            "converted_at",
            "converted_account_id",
            "converted_contact_id",
            "converted_opportunity_id",
            *RECORD_META,
        ]
        read_only_fields = ["disqualified_reason", "converted_at", *RECORD_META]


class AccountSerializer(RecordSerializer):
    parent_id = VisibleIdField(Account, source="parent", required=False, allow_null=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "website",
            "phone",
            "industry",
            *ADDRESS_FIELDS,
            "description",
            "owner_id",
            "parent_id",
            "type",
            "customer_since",
            *RECORD_META,
        ]
        read_only_fields = ["customer_since", *RECORD_META]


class ContactSerializer(RecordSerializer):
    account_id = VisibleIdField(Account, source="account", required=False, allow_null=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "title",
            "account_id",
            *ADDRESS_FIELDS,
            "description",
            "owner_id",
            *RECORD_META,
        ]
        read_only_fields = RECORD_META


class OpportunitySerializer(RecordSerializer):
    account_id = VisibleIdField(Account, source="account")
    contact_id = VisibleIdField(Contact, source="contact", required=False, allow_null=True)
    stage_id = VisibleIdField(Stage, source="stage", required=False)
    pipeline_id = serializers.IntegerField(read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    probability = Integer(min_value=0, max_value=100, required=False)
    # Like probability, the category defaults to the stage's (opportunity_create sets it).
    forecast_category = serializers.ChoiceField(choices=ForecastCategory.choices, required=False)
    lost_reason_id = VisibleIdField(
        LostReason,
        source="lost_reason",
        required=False,
        allow_null=True,
        help_text="Why it was lost (/lost-reasons): required with a lost stage, null otherwise.",
    )
    lost_reason_detail = Text(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="A few words more; required when the reason asks for them (Other).",
    )

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "account_id",
            "contact_id",
            "owner_id",
            "pipeline_id",
            "stage_id",
            "amount",
            "currency",
            "close_date",
            "probability",
            "forecast_category",
            "type",
            "source",
            "next_step",
            "description",
            "lost_reason_id",
            "lost_reason_detail",
            "closed_date",
            "planned_close_date",
            "is_closed",
            "is_won",
            "stage_entered_at",
            *RECORD_META,
        ]
        read_only_fields = [
            "type",
            "closed_date",
            "planned_close_date",
            "is_closed",
            "is_won",
            "stage_entered_at",
            *RECORD_META,
        ]


class OpportunityHistorySerializer(ModelSerializer):
    changed_by_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = OpportunityHistory
        fields = ["id", "field", "old_value", "new_value", "changed_by_id", "changed_at", "cause"]


class OpportunityHistoryPageSerializer(serializers.Serializer):
    """A deal's whole history in the shape of a list page, with no next page."""

    results = OpportunityHistorySerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="Always null: one page holds it all.")


class ActivitySerializer(RecordSerializer):
    lead_id = VisibleIdField(Lead, source="lead", required=False, allow_null=True)
    contact_id = VisibleIdField(Contact, source="contact", required=False, allow_null=True)
    account_id = VisibleIdField(Account, source="account", required=False, allow_null=True)
    opportunity_id = VisibleIdField(
        Opportunity, source="opportunity", required=False, allow_null=True
    )
    done = Boolean(required=False, allow_null=True, default=None)
    occurred_at = serializers.DateTimeField(required=False)  # activity_log says now when absent

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "owner_id",
            "lead_id",
            "contact_id",
            "account_id",
            "opportunity_id",
            "occurred_at",
            "due_date",
            "done",
            "done_at",
            *RECORD_META,
        ]
        read_only_fields = ["done_at", *RECORD_META]


class ActivityUpdateSerializer(ActivitySerializer):
    """Once logged, an activity stays on its record: only its content and state change."""

    FIXED = ("kind", "lead_id", "contact_id", "account_id", "opportunity_id")
    lead_id = serializers.IntegerField(read_only=True, allow_null=True)
    contact_id = serializers.IntegerField(read_only=True, allow_null=True)
    account_id = serializers.IntegerField(read_only=True, allow_null=True)
    opportunity_id = serializers.IntegerField(read_only=True, allow_null=True)

    def validate(self, attrs):
        # Said rather than ignored: a client moving an activity should know it did not move.
        given = [name for name in self.FIXED if name in self.initial_data]
        if given:
            message = "An activity stays on its record and kind: log a new one instead."
            raise serializers.ValidationError({name: [message] for name in given})
        return attrs

    class Meta(ActivitySerializer.Meta):
        read_only_fields = [
            "kind",
            "lead_id",
            "contact_id",
            "account_id",
            "opportunity_id",
            "done_at",
            *RECORD_META,
        ]


class UserSerializer(ModelSerializer):
    team_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "team_id",
            "is_active",
        ]


class TeamSerializer(ModelSerializer):
    parent_id = serializers.IntegerField(read_only=True, allow_null=True)
    manager_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Team
        fields = ["id", "name", "parent_id", "manager_id"]


class StageSerializer(ModelSerializer):
    class Meta:
        model = Stage
        fields = [
            "id",
            "name",
            "position",
            "probability",
            "forecast_category",
            "rotting_days",
            "is_won",
            "is_lost",
        ]


class LostReasonSerializer(ModelSerializer):
    class Meta:
        model = LostReason
        fields = ["id", "name", "position", "is_active", "needs_detail"]
        read_only_fields = ["position"]
        extra_kwargs = {
            "is_active": {"help_text": "False: retired, kept on old deals but no longer offered."},
            "needs_detail": {"help_text": "A deal lost for it needs `lost_reason_detail` (Other)."},
        }


class PipelineSerializer(ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "is_default", "stages"]


class DisqualifySerializer(serializers.Serializer):
    reason = Text(max_length=200)


class ConvertOpportunitySerializer(serializers.Serializer):
    name = Text(max_length=200)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, default=0)
    close_date = serializers.DateField()
    stage_id = serializers.PrimaryKeyRelatedField(
        source="stage",
        queryset=Stage.objects.filter(is_won=False, is_lost=False),
        required=False,
        allow_null=True,
    )


class ConvertSerializer(serializers.Serializer):
    account_id = VisibleIdField(Account, source="account", required=False, allow_null=True)
    contact_id = VisibleIdField(Contact, source="contact", required=False, allow_null=True)
    opportunity = ConvertOpportunitySerializer(required=False, allow_null=True)


class MatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="record.pk")
    name = serializers.CharField(source="record")
    reason = serializers.CharField()
    read_only = serializers.BooleanField(
        help_text="Seen through someone's deal: a conversion links it and fills none of its fields."
    )


class MatchesSerializer(serializers.Serializer):
    accounts = MatchSerializer(many=True)
    contacts = MatchSerializer(many=True)


class DeletedSerializer(ModelSerializer):
    """A record in the trash: what it was, who deleted it and when."""

    kind = serializers.CharField(read_only=True, help_text='The kind of record: "opportunity".')
    deleted_by_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Deleted
        fields = ["id", "kind", "model", "object_id", "name", "deleted_by_id", "deleted_at"]
        read_only_fields = fields


class RestoredSerializer(serializers.Serializer):
    """The record a restore put back, under its original id."""

    kind = serializers.CharField()
    model = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
