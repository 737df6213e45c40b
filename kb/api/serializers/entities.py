"""One serializer per entity. References are by slug (or natural key) where the entity
has one, by id otherwise; figures read as ``{"value", "qualifier", "sources", …}`` and
are written as the claim behind a value (``{"value", "qualifier"/"precision", "source",
"quote", "note"}``); a related record the reader may not see reads as null (or is left
out of a list) and its field is listed in ``restricted``."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.figures import event_date_figure
from incidents.models import (
    Account,
    AccountCluster,
    Actor,
    Campaign,
    Capability,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
    Relationship,
    Source,
    Technique,
)
from incidents.timeline_selectors import origins_attach as timeline_origins_attach
from incidents.visibility import can_see
from kb.api.serializers.base import (
    EntitySerializer,
    StrictCharField,
    VisiblePrimaryKeyRelatedField,
    VisibleSlugRelatedField,
    field_viewer,
    string_list,
    withhold,
)
from kb.api.serializers.figures import FigureField, figure_data, figure_of
from kb.api.serializers.letters import AddresseeSerializer, LetterBodyField, letter_addressing

COMMON = ["id", "marking", "created_at", "updated_at"]
ONE_OBJECT_MESSAGE = str(next(
    c.violation_error_message for c in Relationship._meta.constraints
    if c.name == "relationship_exactly_one_object"
))
READ_ONLY = ["id", "created_at", "updated_at"]


def slug_ref(model: Any, *, many: bool = False, required: bool = False,
             slug_field: str = "slug", **kwargs: Any) -> Any:
    if not many:
        kwargs.setdefault("allow_null", not required)
    field: Any = VisibleSlugRelatedField(
        slug_field=slug_field, queryset=model._default_manager.all(), many=many,
        required=required, **kwargs,
    )
    return field


def count_figure(claim_field: str, *, required: bool = False,
                 help_text: str = "") -> FigureField:
    return FigureField(kind="count", claim_field=claim_field, required=required,
                       help_text=help_text)


def date_figure(claim_field: str, *, required: bool = False,
                help_text: str = "") -> FigureField:
    return FigureField(kind="date", claim_field=claim_field, required=required,
                       help_text=help_text)


def withheld_list(field: serializers.Field, obj: Any, attr: str,
                  name: str) -> list[str]:
    """Slugs of the records a selector prefetched into ``attr`` (visible ones only),
    noting ``name`` as restricted when the ``withheld_<name>`` annotation says some
    were left out."""
    rows = getattr(obj, attr, None) or []
    viewer = field_viewer(field)
    shown = [r for r in rows if can_see(viewer, r)]
    if len(shown) < len(rows) or getattr(obj, f"withheld_{name}", False):
        withhold(field, name)
    return [r.slug for r in shown]


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
    campaigns = serializers.SerializerMethodField(
        help_text="Slugs of the incident's visible top-level campaigns."
    )

    class Meta:
        model = Incident
        fields = [*COMMON, "slug", "title", "status", "target_provider", "target_system",
                  "disclosed_on", "summary", "campaigns"]
        read_only_fields = READ_ONLY

    def get_campaigns(self, obj: Incident) -> list[str]:
        return withheld_list(self.fields["campaigns"], obj, "visible_campaigns", "campaigns")


class CampaignSerializer(EntitySerializer):
    incident = slug_ref(Incident)
    parent = slug_ref(Campaign, help_text="The cluster this campaign is part of.")
    operators = slug_ref(Actor, many=True)
    capabilities = slug_ref(Capability, many=True)
    techniques = slug_ref(Technique, many=True)
    exchanges = count_figure("exchanges", help_text="Total exchanges (a figure).")
    accounts = count_figure("accounts", help_text="Fraudulent accounts (a figure).")
    start_date = date_figure("start_date", help_text="First day of the period (a figure).")
    end_date = date_figure("end_date", help_text="Last day of the period (a figure).")
    period_days = serializers.SerializerMethodField(
        help_text="Days in the period, both ends included (22 April – 5 June = 45); "
        "null while either end is unknown."
    )
    children = serializers.SerializerMethodField(help_text="Slugs of the cluster's campaigns.")

    class Meta:
        model = Campaign
        fields = [*COMMON, "slug", "name", "incident", "parent", "operators", "start_date",
                  "end_date", "period_days", "exchanges", "accounts", "capabilities",
                  "techniques", "description", "children"]
        read_only_fields = READ_ONLY

    def get_period_days(self, obj: Campaign) -> int | None:
        from incidents.crossref import inclusive_days

        # The shown figures (this reader's), never the stored dates.
        return inclusive_days(figure_of(obj, "start_date").value,
                              figure_of(obj, "end_date").value)

    def get_children(self, obj: Campaign) -> list[str]:
        return withheld_list(self.fields["children"], obj, "visible_children", "children")

    # Parent cycles: ``Campaign.clean`` (through the services' ``full_clean``) says so on
    # "parent", with the same message as the admin's and the loader's.


class AccountClusterSerializer(EntitySerializer):
    campaign = slug_ref(Campaign, required=True)
    count = count_figure("count", help_text="Accounts in the cluster (a figure).")
    detection_signals = string_list()

    class Meta:
        model = AccountCluster
        fields = [*COMMON, "campaign", "label", "count", "detection_signals",
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
    count = count_figure("count", required=True, help_text="Exchanges (a figure).")
    capability = slug_ref(Capability)
    account_cluster = VisiblePrimaryKeyRelatedField(
        queryset=AccountCluster.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = ExchangeVolume
        fields = [*COMMON, "campaign", "count", "granularity", "period_start",
                  "period_end", "capability", "account_cluster"]
        read_only_fields = READ_ONLY


class LetterSerializer(EntitySerializer):
    sender = slug_ref(Actor)
    recipients = slug_ref(Actor, many=True)
    incidents = slug_ref(Incident, many=True)
    date = date_figure("date", help_text="Date of the letter (a figure).")
    body = LetterBodyField()
    corrects = VisibleSlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True,
        help_text="Slug of the sent letter this one corrects (read-only: POST "
                  "/letters/{slug}/correct/ makes a correction).")
    salutation = serializers.SerializerMethodField(help_text=(
        "\"Dear Chairman Scott and Ranking Member Warren:\", naming only the recipients "
        "this credential may see."))
    addressees = serializers.SerializerMethodField(help_text=(
        "The address blocks of the recipients this credential may see, most senior "
        "title first."))

    class Meta:
        model = Letter
        fields = [*COMMON, "slug", "subject", "sender", "recipients", "date", "summary",
                  "body", "signer_name", "signer_title", "status", "sent_on", "live",
                  "corrects", "incidents", "salutation", "addressees"]
        read_only_fields = [*READ_ONLY, "status", "sent_on", "live"]

    def get_salutation(self, obj: Letter) -> str:
        return letter_addressing(obj, field_viewer(self.fields["salutation"]))[1]

    @extend_schema_field(AddresseeSerializer(many=True))
    def get_addressees(self, obj: Letter) -> list[dict[str, Any]]:
        return letter_addressing(obj, field_viewer(self.fields["addressees"]))[0]

    def create(self, validated_data: dict[str, Any]) -> Any:
        # A new letter is an unpublished draft: it becomes live through the workflow.
        return self._after_write(super().create({**validated_data, "live": False}))

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        return self._after_write(super().update(instance, validated_data))

    def _after_write(self, letter: Letter) -> Letter:
        """The citations of its fact blocks, and a revision: what the review workflow
        publishes is what was last written, whichever door wrote it."""
        from kb.letters.services import letter_citations_sync

        user = self._user()
        letter_citations_sync(letter=letter)
        letter.save_revision(user=user if getattr(user, "is_authenticated", False) else None)
        return letter


class CoverageSerializer(EntitySerializer):
    outlet = slug_ref(Actor)
    incidents = slug_ref(Incident, many=True)
    quotes = string_list()

    class Meta:
        model = Coverage
        fields = [*COMMON, "url", "outlet", "title", "published_on", "language", "region",
                  "lens", "summary", "quotes", "content_hash", "incidents"]
        read_only_fields = READ_ONLY


class EventDateField(FigureField):
    """An event's date as a figure. A derived event's reads as the figure of the date
    it derives from, with that date's sources (a campaign's start or end, a letter's
    date, a coverage item's publication: ``incidents.figures.event_date_figure``), from
    the origins ``origins_attach`` loaded for the whole page."""

    def to_representation(self, value: Any) -> dict[str, Any]:
        return figure_data(event_date_figure(value))


class EventSerializer(EntitySerializer):
    actors = slug_ref(Actor, many=True)
    incidents = slug_ref(Incident, many=True)
    date = EventDateField(kind="date", claim_field="date", required=True, help_text=(
        "A figure. A derived event's date is the figure of the date it derives from, "
        "with that date's sources."))
    value = FigureField(
        kind="number", claim_field="value", required=False,
        help_text="A measured value, e.g. -4.9 for a 4.9 % share fall (a figure).",
    )
    derived = serializers.BooleanField(source="is_derived", read_only=True, help_text=(
        "Derived from another record (campaign period, letter, coverage); "
        "edit that record instead."))
    origin = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [*COMMON, "slug", "title", "kind", "date", "value", "unit",
                  "description", "actors", "incidents", "derived", "origin"]
        read_only_fields = READ_ONLY
        extra_kwargs = {"slug": {"allow_null": True, "required": False}}

    def get_origin(self, obj: Event) -> str | None:
        """``<model>:<id>`` of the record a derived event comes from (null, and
        restricted, when the reader may not see it)."""
        if not obj.origin_type_id:
            return None
        if not origin_visible(obj, field_viewer(self.fields["origin"])):
            withhold(self.fields["origin"], "origin")
            return None
        model = ContentType.objects.get_for_id(obj.origin_type_id).model
        return f"{model}:{obj.origin_id}"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and self.instance.is_derived:
            raise serializers.ValidationError(
                "This event is derived from another record; edit that record instead."
            )
        return attrs


def origins_attach(events: list[Any], viewer: Any) -> None:
    """Whether each derived event's origin is visible to ``viewer``
    (``_origin_visible``): one query per kind of origin, for a whole page."""
    from incidents.visibility import ORDER, clearance_for

    # The origins themselves, with what their dates' sources need (``date``).
    timeline_origins_attach(events, viewer)
    derived = [e for e in events if e.origin_type_id]
    if clearance_for(viewer) == ORDER[-1]:
        for event in derived:
            event._origin_visible = True
        return
    by_type: dict[int, set[int]] = {}
    for event in derived:
        by_type.setdefault(event.origin_type_id, set()).add(event.origin_id)
    shown: set[tuple[int, int]] = set()
    for type_id, ids in by_type.items():
        model: Any = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        rows: Any = model._default_manager.filter(pk__in=ids)
        shown |= {(type_id, pk) for pk in rows.visible_to(viewer).values_list("pk", flat=True)}
    for event in derived:
        event._origin_visible = (event.origin_type_id, event.origin_id) in shown


def origin_visible(event: Event, viewer: Any) -> bool:
    """Whether ``viewer`` may see the record ``event`` is derived from."""
    if not hasattr(event, "_origin_visible"):
        origins_attach([event], viewer)
    return bool(event._origin_visible)  # type: ignore[attr-defined]


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
            # The model's own words (its check constraint), as the admin gives them.
            raise serializers.ValidationError({"object_actor": ONE_OBJECT_MESSAGE})
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
