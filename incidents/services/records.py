"""The one write path for domain records: create, update and delete with validation,
the marking rules, hidden links kept, and the domain consequences of the write.

Every door (the API, the Wagtail admin, the loader, imports) goes through here or, where
Wagtail saves the form itself, through the same checks (``marking_check``,
``m2m_with_hidden``, ``delete_check``, ``figure_fields_check``) and ``record_saved``:

* **Markings**: nobody gives a record a marking above their clearance, nor changes a
  record they may not see.
* **Hidden links survive**: setting a many-to-many field keeps the links to records the
  writer may not see (they could not have chosen to remove what they cannot see).
* **No cascade into the unseen**: a delete that would delete or change records the
  writer may not see is refused (``RestrictedCascade``), and nothing changes.
* **Figures are never typed**: a figure field changes only through a claim with a
  source (``figures=`` here, or ``claim_upsert`` and review).

Each function is one transaction and records a Wagtail log entry, so a record's history
shows who changed it whichever door they came in by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import DraftStateMixin, RevisionMixin

from incidents.models import (
    Actor,
    Campaign,
    ClaimStatus,
    Coverage,
    Incident,
    Letter,
    LetterStatus,
    Source,
)
from incidents.provenance.fields import FIELDS
from incidents.services.citations import citations_issue
from incidents.services.claims import claim_upsert, facts_refresh
from incidents.services.timeline import (
    derived_events_follow,
    derived_events_refresh,
    derived_events_remove,
)
from incidents.visibility import can_see, clearance_for, markings_up_to, may_mark

#: Records whose timeline events are derived from them.
DERIVING: tuple[type[models.Model], ...] = (Campaign, Letter, Coverage)


class RestrictedCascade(PermissionDenied):
    """A delete would reach records the writer may not see; nothing was deleted."""


@dataclass(frozen=True)
class FigureInput:
    """A figure written with the claim that backs it: the value, how the source states
    it (qualifier for counts, precision for dates), the source and its words."""

    value: Any
    source: Source
    qualifier: str = "exact"
    precision: str = ""
    quote: str = ""
    note: str = ""


def figure_attrs(model: type[models.Model]) -> dict[str, str]:
    """Stored figure fields of ``model`` (model attribute → claim field), with their
    qualifier or precision attributes: never written by hand."""
    attrs: dict[str, str] = {}
    for spec in FIELDS.get(model._meta.model_name or "", {}).values():
        if spec.value_attr:
            attrs[spec.value_attr] = spec.name
            if spec.detail_attr:
                attrs[spec.detail_attr] = spec.name
    return attrs


def marking_check(*, viewer: Any, marking: str | None,
                  instance: models.Model | None = None) -> None:
    """``ValidationError`` on ``marking`` if it is above the viewer's clearance;
    ``PermissionDenied`` if ``instance`` itself is above it."""
    if instance is not None and instance.pk is not None and not can_see(viewer, instance):
        raise PermissionDenied("This record is above your clearance.")
    if marking and not may_mark(viewer, marking):
        raise ValidationError({"marking": (
            f"Your clearance is {clearance_for(viewer)}; you cannot mark a record {marking}."
        )})


def figure_fields_check(*, model: type[models.Model], data: Mapping[str, Any],
                        instance: models.Model | None = None) -> None:
    """``ValidationError`` for each figure field in ``data`` whose value differs from
    the stored one: a figure changes through a claim with a source, never by typing."""
    errors: dict[str, str] = {}
    for attr, claim_field in figure_attrs(model).items():
        if attr not in data:
            continue
        current = getattr(instance, attr) if instance is not None else None
        if data[attr] != current and data[attr] not in (None, ""):
            errors[attr] = (
                f"A figure: it shows the consensus of its accepted claims. Add a claim "
                f"for {claim_field!r} with a source (an analyst's note with a reason is "
                "one) instead of typing the value."
            )
    if errors:
        raise ValidationError(errors)


def m2m_with_hidden(*, instance: models.Model, name: str, values: Any,
                    viewer: Any) -> list[Any]:
    """The rows ``instance.<name>`` should hold when ``viewer`` sets it to ``values``:
    those, plus the links to records the viewer may not see, which stay."""
    chosen = list(values)
    field: Any = instance._meta.get_field(name)
    related: Any = field.related_model
    for value in chosen:
        obj = value if isinstance(value, models.Model) else None
        if obj is not None and not can_see(viewer, obj):
            raise ValidationError({name: f"Unknown {related._meta.verbose_name}."})
    if instance.pk is None:
        return chosen
    # Through the related model, not ``instance.<name>``: that manager would answer
    # from a prefetch cache, which a reader's visible-only prefetch left hidden rows out of.
    hidden = list(related._default_manager.filter(
        **{field.related_query_name(): instance.pk}
    ).exclude(pk__in=related._default_manager.all().visible_to(viewer).values("pk")))
    return chosen + [h for h in hidden if h not in chosen]


def delete_check(*, instance: models.Model, viewer: Any) -> None:
    """``RestrictedCascade`` if deleting ``instance`` would delete or change a record
    the viewer may not see (a cascade, a ``SET_NULL``, a many-to-many link's other end).
    Runs Django's own deletion collector, so what it checks is what delete would do."""
    if not can_see(viewer, instance):
        raise RestrictedCascade("This record is above your clearance.")
    allowed = set(markings_up_to(clearance_for(viewer)))
    using = router.db_for_write(type(instance), instance=instance)
    collector = Collector(using=using, origin=instance)
    collector.collect([instance])
    hidden = 0

    def count_hidden(rows: Any) -> int:
        if isinstance(rows, models.QuerySet):
            if hasattr(rows.model, "marking"):
                return rows.exclude(marking__in=allowed).count()
            return _through_hidden(rows, allowed, instance)
        return sum(1 for r in rows if getattr(r, "marking", None) not in (None, *allowed))

    for model, objs in collector.data.items():
        if model._meta.auto_created:
            hidden += _through_hidden(
                model._default_manager.filter(pk__in=[o.pk for o in objs]), allowed, instance
            )
        else:
            hidden += count_hidden(objs)
    for qs in collector.fast_deletes:
        hidden += count_hidden(qs)
    for rows in collector.field_updates.values():
        for batch in rows:
            hidden += count_hidden(batch if isinstance(batch, models.QuerySet) else [batch])
    if hidden:
        raise RestrictedCascade(
            f"Deleting this would also delete or change {hidden} record(s) you may not "
            "see; someone cleared to see them must do it (or unlink them first)."
        )


def _through_hidden(rows: models.QuerySet, allowed: set[str], origin: models.Model) -> int:
    """Links in a many-to-many table whose other end (not ``origin``) is hidden."""
    count = 0
    for field in rows.model._meta.fields:
        target = getattr(field, "related_model", None)
        if target is None or not hasattr(target, "marking") or isinstance(origin, target):
            continue
        ids = rows.values(field.attname)
        count += target._default_manager.filter(pk__in=ids).exclude(
            marking__in=allowed).count()
    return count


def _split(model: type[models.Model], data: Mapping[str, Any]) -> tuple[dict, dict]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    fields = {k: v for k, v in data.items() if k not in m2m_names}
    m2m = {k: v for k, v in data.items() if k in m2m_names}
    return fields, m2m


def figures_write(*, instance: models.Model, figures: Mapping[str, FigureInput],
                  user: Any) -> None:
    """Write each figure with its claim: an accepted claim in ``user``'s name (the
    source and quote given), then the stored figures refreshed. Idempotent per claim."""
    specs = FIELDS.get(instance._meta.model_name or "", {})
    for claim_field, fig in figures.items():
        try:
            claim, created = claim_upsert(
                subject=instance, field=claim_field, value=fig.value, source=fig.source,
                qualifier=fig.qualifier, precision=fig.precision, quote=fig.quote,
                status=ClaimStatus.ACCEPTED, marking=None, refresh=False,
            )
        except ValidationError as exc:
            # The claim's own field names ("value", "quote" …) mean the figure here.
            spec = specs.get(claim_field)
            name = (spec.value_attr if spec is not None else None) or claim_field
            raise ValidationError({name: exc.messages}) from None
        # The editor who wrote the figure is its reviewer: the claim is accepted in
        # their name (a claim that existed pending is accepted now).
        if created or claim.status != ClaimStatus.ACCEPTED or fig.note:
            type(claim).objects.filter(pk=claim.pk).update(
                status=ClaimStatus.ACCEPTED, reviewed_by=_real_user(user),
                reviewed_at=timezone.now(), note=fig.note or claim.note,
            )
    if figures:
        facts_refresh(subject=instance)


def _prefill_required_figures(instance: models.Model,
                              figures: Mapping[str, FigureInput]) -> None:
    """A required figure field (an event's date) needs a value before the first save:
    the value of the claim that will back it."""
    specs = FIELDS.get(instance._meta.model_name or "", {})
    for claim_field, fig in figures.items():
        spec = specs.get(claim_field)
        if spec is None or not spec.value_attr:
            continue
        value = fig.value
        if spec.kind == "date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        setattr(instance, spec.value_attr, value)
        if spec.detail_attr:
            detail = fig.precision if spec.kind == "date" else fig.qualifier
            if detail:
                setattr(instance, spec.detail_attr, detail)


@transaction.atomic
def record_create[M: models.Model](
    *, model: type[M], user: Any = None, data: Mapping[str, Any], viewer: Any = None,
    figures: Mapping[str, FigureInput] | None = None, check_figures: bool = True,
) -> M:
    """Validate and create one ``model`` row with ``data`` (m2m values: lists of rows or
    ids) and the claims behind its ``figures``. Raises ``ValidationError`` naming the
    field and the reason; stores nothing then. ``viewer`` (default ``user``) is whose
    clearance the marking rules apply; ``check_figures=False`` is for trusted loaders
    that write claims right after (reference data)."""
    viewer = user if viewer is None else viewer
    figures = figures or {}
    fields, m2m = _split(model, data)
    if check_figures:
        figure_fields_check(model=model, data=fields)
    marking_check(viewer=viewer, marking=fields.get("marking"))
    instance = model(**fields)
    if "marking" not in fields and not may_mark(viewer, instance.marking):  # type: ignore[attr-defined]
        marking_check(viewer=viewer, marking=instance.marking)  # type: ignore[attr-defined]
    _prefill_required_figures(instance, figures)
    instance.full_clean()
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(m2m_with_hidden(instance=instance, name=name,
                                                    values=values, viewer=viewer))
    figures_write(instance=instance, figures=figures, user=user)
    log(instance, "wagtail.create", user=_real_user(user))
    record_saved(instance=instance, created=True)
    return instance


@transaction.atomic
def record_update[M: models.Model](
    *, instance: M, user: Any = None, data: Mapping[str, Any], viewer: Any = None,
    figures: Mapping[str, FigureInput] | None = None, log_action: str = "wagtail.edit",
    log_data: Mapping[str, Any] | None = None,
) -> M:
    """Validate and apply ``data`` to ``instance``; all or nothing. Figure fields in
    ``data`` must equal their stored values (change them through ``figures``); hidden
    many-to-many links are kept. A record with revisions gets one, as an admin edit
    does; the log entry (``log_action``) carries the field changes (``kb.audit``)."""
    viewer = user if viewer is None else viewer
    fields, m2m = _split(type(instance), data)
    marking_check(viewer=viewer, marking=fields.get("marking"), instance=instance)
    figure_fields_check(model=type(instance), data=fields, instance=instance)
    previous_marking = getattr(instance, "marking", None)
    previous_label = stored_label(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    for name, values in m2m.items():
        getattr(instance, name).set(m2m_with_hidden(instance=instance, name=name,
                                                    values=values, viewer=viewer))
    figures_write(instance=instance, figures=figures or {}, user=user)
    revision = None
    if isinstance(instance, RevisionMixin) and not isinstance(instance, DraftStateMixin):
        revision = instance.save_revision(user=_real_user(user), log_action=False)
    log(instance, log_action, user=_real_user(user), revision=revision,
        data=dict(log_data or {}))
    record_saved(instance=instance, previous_marking=previous_marking,
                 previous_label=previous_label)
    return instance


@transaction.atomic
def record_delete(*, instance: models.Model, user: Any = None, viewer: Any = None) -> None:
    """Delete ``instance`` and what cascades from it, logging the deletion. Refused
    (``RestrictedCascade``) when that would reach records the viewer may not see."""
    viewer = user if viewer is None else viewer
    if viewer is not None:
        delete_check(instance=instance, viewer=viewer)
    log(instance, "wagtail.delete", user=_real_user(user))
    if isinstance(instance, DERIVING):
        derived_events_remove(obj=instance)
    instance.delete()


def stored_label(instance: models.Model) -> str | None:
    """How ``instance`` is named in the database now (before a write applies)."""
    if instance.pk is None:
        return None
    stored = type(instance)._default_manager.filter(pk=instance.pk).first()
    return str(stored) if stored is not None else None


def record_saved(*, instance: models.Model, created: bool = False,
                 previous_marking: str | None = None,
                 previous_label: str | None = None) -> None:
    """The domain consequences of a saved record, whichever door saved it (called by the
    services above and by the admin after Wagtail's own save):

    * a record with figures whose marking changed (or that is new) gets its stored
      figures recomputed, since which claims count depends on its marking;
    * events derived from a campaign, letter or coverage item follow it;
    * a letter marked sent snapshots the figures it cites;
    * an actor, incident or campaign renamed or re-marked refreshes the events that
      name or link it, so no event keeps naming a record now more restricted than it.
    """
    marking = getattr(instance, "marking", None)
    marking_changed = previous_marking is not None and previous_marking != marking
    renamed = previous_label is not None and previous_label != str(instance)
    if not created and isinstance(instance, Actor | Incident | Campaign) and (
        marking_changed or renamed
    ):
        derived_events_follow(obj=instance)
    if FIELDS.get(instance._meta.model_name or "") and (
        created or (previous_marking is not None and previous_marking != marking)
    ):
        facts_refresh(subject=instance)
    if isinstance(instance, DERIVING):
        derived_events_refresh(obj=instance)
    if isinstance(instance, Letter) and instance.status == LetterStatus.SENT:
        citations_issue(document=instance)


def _real_user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None
