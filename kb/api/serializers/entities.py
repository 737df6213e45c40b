"""One serializer per entity. References are by slug (or natural key) where the entity
has one, by id otherwise; figures read as ``{"value", "qualifier", "sources", …}``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from incidents.models import (
    Account,
    AccountCluster,
    Actor,
    Campaign,
    Capability,
    Coverage,
    DatePrecision,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
    Relationship,
    Source,
    Technique,
)
from kb.api.serializers.base import (
    EntitySerializer,
    StrictCharField,
    StrictDecimalField,
    StrictIntegerField,
    VisiblePrimaryKeyRelatedField,
    VisibleSlugRelatedField,
    string_list,
)
from kb.api.serializers.figures import FigureField, qualifier_field

COMMON = ["id", "marking", "created_at", "updated_at"]
READ_ONLY = ["id", "created_at", "updated_at"]


def slug_ref(model: type, *, many: bool = False, required: bool = False,
             slug_field: str = "slug", **kwargs: Any) -> VisibleSlugRelatedField:
    if not many:
        kwargs.setdefault("allow_null", not required)
    return VisibleSlugRelatedField(
        slug_field=slug_field, queryset=model.objects.all(), many=many, required=required,
        **kwargs,
    )


def count_figure(claim_field: str, *, required: bool = False, allow_null: bool = True,
                 help_text: str = "") -> FigureField:
    return FigureField(
        kind="count", claim_field=claim_field,
        inner=StrictIntegerField(
            min_value=0, max_value=2**63 - 1, allow_null=allow_null, required=required
        ),
        help_text=help_text,
    )


def date_figure(claim_field: str, *, required: bool = False, allow_null: bool = True,
                help_text: str = "") -> FigureField:
    return FigureField(
        kind="date", claim_field=claim_field,
        inner=serializers.DateField(allow_null=allow_null, required=required),
        help_text=help_text,
    )


def precision_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=DatePrecision.choices, write_only=True, required=False,
        help_text="Precision of the date written with it (day, month, year).",
    )


class ActorSerializer(EntitySerializer):
    parent = slug_ref(Actor)
    aliases = string_list()
    external_ids = serializers.DictField(
        child=StrictCharField(max_length=200, trim_whitespace=False), required=False,
        help_text='Identifiers elsewhere, e.g. {"bioguide": "S001184"}.',
    )

    class Meta:
        model = Actor
        fields = [*COMMON, "slug", "name", "kind", "country", "parent", "aliases",
                  "external_ids", "region", "language", "url", "description"]
        read_only_fields = READ_ONLY


class VocabularySerializer(EntitySerializer):
    class Meta:
        fields = [*COMMON, "slug", "name", "description", "external_id"]
        read_only_fields = READ_ONLY


class CapabilitySerializer(VocabularySerializer):
    class Meta(VocabularySerializer.Meta):
        model = Capability


class TechniqueSerializer(VocabularySerializer):
    class Meta(VocabularySerializer.Meta):
        model = Technique


class IncidentSerializer(EntitySerializer):
    target_provider = slug_ref(Actor)
    target_system = slug_ref(Actor)
    disclosed_on = date_figure("disclosed_on", help_text="Disclosure date (a figure).")
    disclosed_precision = precision_field()
    campaigns = serializers.SerializerMethodField(
        help_text="Slugs of the incident's visible campaigns."
    )

    class Meta:
        model = Incident
        fields = [*COMMON, "slug", "title", "status", "target_provider", "target_system",
                  "disclosed_on", "disclosed_precision", "summary", "campaigns"]
        read_only_fields = READ_ONLY

    def get_campaigns(self, obj: Incident) -> list[str]:
        campaigns = getattr(obj, "visible_campaigns", None)
        return [c.slug for c in campaigns] if campaigns is not None else []


class CampaignSerializer(EntitySerializer):
    incident = slug_ref(Incident)
    parent = slug_ref(Campaign, help_text="The cluster this campaign is part of.")
    operators = slug_ref(Actor, many=True)
    capabilities = slug_ref(Capability, many=True)
    techniques = slug_ref(Technique, many=True)
    exchanges = count_figure("exchanges", help_text="Total exchanges (a figure).")
    exchanges_qualifier = qualifier_field()
    accounts = count_figure("accounts", help_text="Fraudulent accounts (a figure).")
    accounts_qualifier = qualifier_field()
    start_date = date_figure("start_date", help_text="First day of the period (a figure).")
    start_precision = precision_field()
    end_date = date_figure("end_date", help_text="Last day of the period (a figure).")
    end_precision = precision_field()
    period_days = serializers.SerializerMethodField(
        help_text="Days in the period, both ends included (22 April – 5 June = 45); "
        "null while either end is unknown."
    )
    children = serializers.SerializerMethodField(help_text="Slugs of the cluster's campaigns.")

    class Meta:
        model = Campaign
        fields = [*COMMON, "slug", "name", "incident", "parent", "operators", "start_date",
                  "start_precision", "end_date", "end_precision", "period_days", "exchanges",
                  "exchanges_qualifier", "accounts", "accounts_qualifier", "capabilities",
                  "techniques", "description", "children"]
        read_only_fields = READ_ONLY

    def get_period_days(self, obj: Campaign) -> int | None:
        from incidents.crossref import inclusive_days

        return inclusive_days(obj.start_date, obj.end_date)

    def get_children(self, obj: Campaign) -> list[str]:
        children = getattr(obj, "visible_children", None)
        return [c.slug for c in children] if children is not None else []

    def validate_parent(self, value: Campaign | None) -> Campaign | None:
        if value is not None and self.instance is not None:
            node: Campaign | None = value
            while node is not None:  # parents are few; the chain is short
                if node.pk == self.instance.pk:
                    raise serializers.ValidationError("A campaign cannot be its own ancestor.")
                node = node.parent
        return value


class AccountClusterSerializer(EntitySerializer):
    campaign = slug_ref(Campaign, required=True)
    count = count_figure("count", help_text="Accounts in the cluster (a figure).")
    qualifier = qualifier_field()
    detection_signals = string_list()

    class Meta:
        model = AccountCluster
        fields = [*COMMON, "campaign", "label", "count", "qualifier", "detection_signals",
                  "first_seen", "last_seen"]
        read_only_fields = READ_ONLY


class AccountSerializer(EntitySerializer):
    cluster = VisiblePrimaryKeyRelatedField(queryset=AccountCluster.objects.all())

    class Meta:
        model = Account
        fields = [*COMMON, "cluster", "external_id_hash", "created_on", "banned_on"]
        read_only_fields = READ_ONLY
        extra_kwargs = {"external_id_hash": {"min_length": 64}}


class ExchangeVolumeSerializer(EntitySerializer):
    campaign = slug_ref(Campaign, required=True)
    count = count_figure("count", required=True, allow_null=False,
                         help_text="Exchanges (a figure).")
    qualifier = qualifier_field()
    capability = slug_ref(Capability)
    account_cluster = VisiblePrimaryKeyRelatedField(
        queryset=AccountCluster.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = ExchangeVolume
        fields = [*COMMON, "campaign", "count", "qualifier", "granularity", "period_start",
                  "period_end", "capability", "account_cluster"]
        read_only_fields = READ_ONLY


class LetterSerializer(EntitySerializer):
    sender = slug_ref(Actor)
    recipients = slug_ref(Actor, many=True)
    incidents = slug_ref(Incident, many=True)
    date = date_figure("date", help_text="Date of the letter (a figure).")
    date_precision = precision_field()

    class Meta:
        model = Letter
        fields = [*COMMON, "slug", "subject", "sender", "recipients", "date",
                  "date_precision", "body", "status", "sent_on", "incidents"]
        read_only_fields = READ_ONLY


class CoverageSerializer(EntitySerializer):
    outlet = slug_ref(Actor)
    incidents = slug_ref(Incident, many=True)
    quotes = string_list()

    class Meta:
        model = Coverage
        fields = [*COMMON, "url", "outlet", "title", "published_on", "language", "region",
                  "lens", "summary", "quotes", "content_hash", "incidents"]
        read_only_fields = READ_ONLY


class EventSerializer(EntitySerializer):
    actors = slug_ref(Actor, many=True)
    incidents = slug_ref(Incident, many=True)
    date = date_figure("date", required=True, allow_null=False, help_text="A figure.")
    precision = precision_field()
    value = FigureField(
        kind="number", claim_field="value",
        inner=StrictDecimalField(max_digits=20, decimal_places=4, allow_null=True,
                                       required=False, coerce_to_string=False),
        help_text="A measured value, e.g. -4.9 for a 4.9 % share fall (a figure).",
    )
    derived = serializers.BooleanField(source="is_derived", read_only=True, help_text=(
        "Derived from another record (campaign period, letter, coverage); "
        "edit that record instead."))
    origin = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [*COMMON, "slug", "title", "kind", "date", "precision", "value", "unit",
                  "description", "actors", "incidents", "derived", "origin"]
        read_only_fields = READ_ONLY
        extra_kwargs = {"slug": {"allow_null": True, "required": False}}

    def get_origin(self, obj: Event) -> str | None:
        """``<model>:<id>`` of the record a derived event comes from."""
        if not obj.origin_type_id:
            return None
        from django.contrib.contenttypes.models import ContentType

        model = ContentType.objects.get_for_id(obj.origin_type_id).model
        return f"{model}:{obj.origin_id}"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and self.instance.is_derived:
            raise serializers.ValidationError(
                "This event is derived from another record; edit that record instead."
            )
        return attrs


class RelationshipSerializer(EntitySerializer):
    subject = slug_ref(Actor, required=True)
    object_actor = slug_ref(Actor)
    object_incident = slug_ref(Incident)
    sources = slug_ref(Source, many=True, slug_field="key")

    class Meta:
        model = Relationship
        fields = [*COMMON, "kind", "subject", "object_actor", "object_incident", "start_date",
                  "end_date", "precision", "description", "sources"]
        read_only_fields = READ_ONLY
        validators: list = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        merged = {
            name: attrs.get(name, getattr(self.instance, name, None))
            for name in ("object_actor", "object_incident")
        }
        if (merged["object_actor"] is None) == (merged["object_incident"] is None):
            raise serializers.ValidationError(
                {"object_actor": "Give exactly one object: object_actor or object_incident."}
            )
        return attrs


class SourceSerializer(EntitySerializer):
    publisher = slug_ref(Actor)
    coverage = VisiblePrimaryKeyRelatedField(
        queryset=Coverage.objects.all(), allow_null=True, required=False
    )
    letter = slug_ref(Letter)

    class Meta:
        model = Source
        fields = [*COMMON, "key", "title", "kind", "url", "publisher", "coverage", "letter",
                  "published_on", "reliability", "text", "sha256", "retrieved_at"]
        read_only_fields = READ_ONLY
