"""The parts of the letters API beyond a plain entity: the body as a JSON list of
blocks (``incidents.blocks.LetterStreamBlock``), the addressees and salutation as the
reader may read them, the recipients search, and the bodies of the workflow actions.

A block that names a record (a fact's ``record``, a quote's ``coverage``) names it by
id. Written, an id the writer may not see is refused exactly as an id that names
nothing; read, an id the reader may not see reads as ``null`` and ``body`` is listed in
``restricted`` (a writer who sends such a block back unchanged, ``id`` and all, keeps
the reference they could not see).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from wagtail.blocks import CharBlock, ChoiceBlock, IntegerBlock, RichTextBlock, StructBlock
from wagtail.blocks.base import get_error_json_data
from wagtail.snippets.blocks import SnippetChooserBlock

from incidents.models import Actor, ActorKind, Incident, Letter
from incidents.selectors import visible
from incidents.visibility import ORDER, clearance_for
from kb.api.serializers.base import (
    StrictCharField,
    VisibleSlugRelatedField,
    field_viewer,
    withhold,
)
from kb.letters.addressing import addressees, salutation

MAX_BLOCKS = 500
NO_SUCH_RECORD = "No such record."


def stream_block() -> Any:
    field: Any = Letter._meta.get_field("body")
    return field.stream_block


def reference_fields() -> dict[str, tuple[str, type[models.Model]]]:
    """Block type → (the child naming a record, that record's model)."""
    found: dict[str, tuple[str, type[models.Model]]] = {}
    for kind, block in stream_block().child_blocks.items():
        if isinstance(block, StructBlock):
            for name, child in block.child_blocks.items():
                if isinstance(child, SnippetChooserBlock):
                    found[kind] = (name, child.target_model)
    return found


BLOCK_SCHEMA: dict[str, Any] = {
    "type": "array",
    "maxItems": MAX_BLOCKS,
    "description": (
        "The letter's text as a list of blocks, each {\"type\", \"value\", \"id\"}: "
        "heading (text), paragraph (rich text HTML), campaign_fact / incident_fact / "
        "event_fact / cluster_fact / volume_fact ({\"record\": id, \"figure\": field, "
        "\"lead\", \"trail\"}: a live figure, never typed in) and quote "
        "({\"coverage\": id, \"number\": n}). A record this credential may not see reads "
        "as null (and body is listed in restricted)."),
    "items": {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["heading", "paragraph", "campaign_fact",
                                                "incident_fact", "event_fact",
                                                "cluster_fact", "volume_fact", "quote"]},
            "value": {},
            "id": {"type": "string", "maxLength": 64},
        },
        "required": ["type", "value"],
    },
}


def _leaf_problem(block: Any, value: Any) -> str | None:
    """Whether ``value`` has the JSON type ``block`` stores (before Wagtail reads it)."""
    if isinstance(block, SnippetChooserBlock | IntegerBlock):
        if value is None and not block.required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return "Expected an integer id." if isinstance(block, SnippetChooserBlock) \
                else "Expected an integer."
        return None
    if isinstance(block, CharBlock | ChoiceBlock | RichTextBlock):
        if value is None or isinstance(value, str):
            return None if value is None or "\x00" not in value else \
                "Text may not contain NUL characters."
        return "Expected a string."
    return None


def _shape_errors(index: int, item: Any, children: dict[str, Any]) -> Any:
    """The errors of one raw block's shape, or None."""
    if not isinstance(item, dict):
        return ["Expected an object with \"type\" and \"value\"."]
    unknown = sorted(set(item) - {"type", "value", "id"})
    if unknown:
        return {name: ["Unknown key."] for name in unknown}
    kind, value = item.get("type"), item.get("value")
    if not isinstance(kind, str) or kind not in children:
        return {"type": [f"One of: {', '.join(children)}."]}
    if "value" not in item:
        return {"value": ["This field is required."]}
    block_id = item.get("id")
    if block_id is not None and (not isinstance(block_id, str) or not block_id
                                 or len(block_id) > 64 or "\x00" in block_id):
        return {"id": ["Expected a string of 1 to 64 characters."]}
    block = children[kind]
    if isinstance(block, StructBlock):
        if not isinstance(value, dict):
            return {"value": ["Expected an object."]}
        errors: dict[str, list[str]] = {}
        for name in sorted(set(value) - set(block.child_blocks)):
            errors[name] = ["Unknown key."]
        for name, child in block.child_blocks.items():
            problem = _leaf_problem(child, value.get(name))
            if problem:
                errors[name] = [problem]
        return errors or None
    problem = _leaf_problem(block, value)
    return {"value": [problem]} if problem else None


def _block_messages(data: dict[str, Any]) -> Any:
    """Wagtail's error JSON (``messages`` / ``blockErrors``) as DRF error details."""
    nested = {str(k): _block_messages(v) for k, v in (data.get("blockErrors") or {}).items()}
    messages = list(data.get("messages") or [])
    if nested:
        if messages:
            nested["non_field_errors"] = messages
        return nested
    return messages or ["Invalid block."]


def stored_hidden_refs(letter: Letter | None, viewer: Any) -> dict[str, dict[str, Any]]:
    """Block id → stored value of the blocks of ``letter`` naming a record ``viewer``
    may not see."""
    if letter is None or letter.pk is None:
        return {}
    raw = list(letter.body.raw_data)
    shown = visible_refs(raw, viewer)
    refs = reference_fields()
    hidden: dict[str, dict[str, Any]] = {}
    for item in raw:
        ref = refs.get(item.get("type", ""))
        value = item.get("value")
        if ref and isinstance(value, dict) and value.get(ref[0]) is not None and \
                (ref[1], value[ref[0]]) not in shown and item.get("id"):
            hidden[str(item["id"])] = value
    return hidden


def body_from_data(data: Any, *, viewer: Any, instance: Letter | None = None) -> Any:
    """``data`` (a JSON list of blocks) as a clean ``StreamValue``: shapes checked, every
    record named visible to ``viewer`` (a hidden id answers as a missing one), then
    Wagtail's own ``to_python`` and ``clean``. Raises DRF's ``ValidationError``."""
    if not isinstance(data, list):
        raise serializers.ValidationError("Expected a list of blocks.")
    if len(data) > MAX_BLOCKS:
        raise serializers.ValidationError(f"At most {MAX_BLOCKS} blocks.")
    block = stream_block()
    # A block sent back with a null reference the writer could not see keeps it.
    kept = stored_hidden_refs(instance, viewer)
    refs = reference_fields()
    items = []
    for item in data:
        ref = refs.get(str(item.get("type"))) if isinstance(item, dict) else None
        value = item.get("value") if isinstance(item, dict) else None
        block_id = item.get("id") if isinstance(item, dict) else None
        if ref and isinstance(value, dict) and isinstance(block_id, str) \
                and block_id in kept and value.get(ref[0]) is None:
            item = {**item, "value": {**value, ref[0]: kept[block_id][ref[0]]}}
            items.append((item, True))
        else:
            items.append((item, False))
    errors: dict[str, Any] = {}
    for index, (item, _restored) in enumerate(items):
        problem = _shape_errors(index, item, block.child_blocks)
        if problem:
            errors[str(index)] = problem
    if errors:
        raise serializers.ValidationError(errors)
    shown = visible_refs([i for i, _ in items], viewer)
    for index, (item, restored) in enumerate(items):
        ref = refs.get(item["type"])
        if not ref or restored:
            continue
        pk = item["value"].get(ref[0])
        if pk is not None and (ref[1], pk) not in shown:
            errors[str(index)] = {ref[0]: [NO_SUCH_RECORD]}
    if errors:
        raise serializers.ValidationError(errors)
    raw = [item for item, _ in items]
    try:
        value = block.to_python(raw)
        return block.clean(value)
    except DjangoValidationError as exc:
        detail = _block_messages(get_error_json_data(exc))
        raise serializers.ValidationError(detail) from None
    except (TypeError, ValueError, AttributeError, KeyError):
        raise serializers.ValidationError("Not a valid list of blocks.") from None


def visible_refs(raw: list[dict[str, Any]], viewer: Any) -> set[tuple[type, int]]:
    """(model, id) of the records ``raw``'s blocks name that ``viewer`` may see: one
    query per model."""
    refs = reference_fields()
    wanted: dict[type[models.Model], set[int]] = {}
    for item in raw:
        if not isinstance(item, dict):
            continue
        ref = refs.get(item.get("type", ""))
        value = item.get("value")
        if ref and isinstance(value, dict):
            pk = value.get(ref[0])
            if isinstance(pk, int) and not isinstance(pk, bool):
                wanted.setdefault(ref[1], set()).add(pk)
    shown: set[tuple[type, int]] = set()
    for model, pks in wanted.items():
        rows = visible(model._default_manager.filter(pk__in=pks), viewer)
        shown |= {(model, pk) for pk in rows.values_list("pk", flat=True)}
    return shown


def body_refs_attach(letters: list[Letter], viewer: Any) -> None:
    """Load, for a page of letters, which records their bodies name the reader may see
    (``_visible_refs``): one query per model for the whole page."""
    raws = [list(letter.body.raw_data) for letter in letters]
    shown = visible_refs([item for raw in raws for item in raw], viewer)
    for letter in letters:
        letter._visible_refs = shown  # type: ignore[attr-defined]


@extend_schema_field(BLOCK_SCHEMA)
class LetterBodyField(serializers.Field):
    """The body as stored blocks, hidden records read as null."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", BLOCK_SCHEMA["description"])
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return instance

    def to_representation(self, letter: Any) -> list[dict[str, Any]]:
        raw = [dict(item) for item in letter.body.raw_data]
        viewer = field_viewer(self)
        if clearance_for(viewer) == ORDER[-1]:
            return raw
        shown = getattr(letter, "_visible_refs", None)
        if shown is None:
            shown = visible_refs(raw, viewer)
        refs = reference_fields()
        for item in raw:
            ref = refs.get(item.get("type", ""))
            value = item.get("value")
            if ref and isinstance(value, dict) and value.get(ref[0]) is not None and \
                    (ref[1], value[ref[0]]) not in shown:
                item["value"] = {**value, ref[0]: None}
                withhold(self, self.field_name)
        return raw

    def to_internal_value(self, data: Any) -> Any:
        root = self.root if self.parent is not None else self
        return body_from_data(data, viewer=field_viewer(self),
                              instance=getattr(root, "instance", None))


class AddresseeSerializer(serializers.Serializer):
    actor = serializers.CharField(help_text="Slug of the recipient.")
    name = serializers.CharField()
    title = serializers.CharField(help_text='"Chairman", "Ranking Member", "Senator" … '
                                            '("" for a committee).')
    lines = serializers.ListField(child=serializers.CharField(),
                                  help_text="The address block, line by line.")


def letter_addressing(letter: Letter, viewer: Any) -> tuple[list[dict[str, Any]], str]:
    """The addressees and salutation ``letter_view`` gives ``viewer``: the recipients it
    may see (the visible-only prefetch, by name), titled by their committee seats."""
    cache = getattr(letter, "_addressing", None)
    if cache is not None and cache[0] is viewer:
        return cache[1], cache[2]
    recipients = sorted(letter.recipients.all(), key=lambda a: (a.name, a.pk)) \
        if letter.pk else []
    people = addressees(recipients, viewer)
    data = [{"actor": a.actor.slug, "name": a.actor.name, "title": a.title,
             "lines": list(a.lines)} for a in people]
    text = salutation(people)
    letter._addressing = (viewer, data, text)  # type: ignore[attr-defined]
    return data, text


# -- the workflow actions' bodies ---------------------------------------------------------

class WorkflowActionSerializer(serializers.Serializer):
    comment = StrictCharField(required=False, allow_blank=True, max_length=2000,
                              trim_whitespace=False,
                              help_text="A note for the history (approve, reject).")

    def validate_comment(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("Text may not contain NUL characters.")
        return value


class SendSerializer(serializers.Serializer):
    sent_on = serializers.DateField(required=False, help_text=(
        "The day the letter went out (YYYY-MM-DD); today if left out; not in the future."))


def _visible_slug(model: type[models.Model], **kwargs: Any) -> Any:
    return VisibleSlugRelatedField(slug_field="slug", queryset=model._default_manager.all(),
                                   **kwargs)


class FromIncidentSerializer(serializers.Serializer):
    incident = _visible_slug(Incident, help_text="Slug of the incident.")
    recipients = _visible_slug(Actor, many=True, required=False,
                               help_text="Slugs of the recipients (members, committees …).")
    sender = _visible_slug(Actor, required=False, allow_null=True,
                           help_text="Slug of who sends the letter.")


# -- the recipients search ----------------------------------------------------------------

class SeatSerializer(serializers.Serializer):
    committee = serializers.CharField(help_text="Slug of the committee.")
    name = serializers.CharField()
    title = serializers.CharField(help_text='The seat\'s title ("" for a plain member).')


class RecipientSerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(child=serializers.CharField(), read_only=True)
    title = serializers.SerializerMethodField(help_text=(
        "With ?committee=: the member's title on that committee; else \"\"."))
    committees = serializers.SerializerMethodField(help_text=(
        "A member's seats on the committees this credential may see."))

    class Meta:
        model = Actor
        fields = ["slug", "name", "kind", "chamber", "party", "state", "bioguide_id",
                  "committee_code", "aliases", "title", "committees"]
        read_only_fields = fields

    def get_title(self, obj: Actor) -> str:
        return str(getattr(obj, "_seat_title", ""))

    @extend_schema_field(SeatSerializer(many=True))
    def get_committees(self, obj: Actor) -> list[dict[str, str]]:
        return list(getattr(obj, "_seats", []))


RECIPIENT_KINDS = (ActorKind.LEGISLATOR.value, ActorKind.COMMITTEE.value)
