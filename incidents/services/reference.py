"""Loading the bundled reference data (``incidents/reference/reference.yaml``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction

from incidents.models import (
    AccountCluster,
    Actor,
    Campaign,
    Capability,
    ClaimStatus,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
    Relationship,
    Source,
    Technique,
)
from incidents.provenance.registry import claim_subject_model, claim_subject_names
from incidents.services.claims import claim_upsert, facts_refresh
from incidents.services.timeline import derived_events_refresh
from incidents.signals import reference_data_loaded

REFERENCE_FILE = Path(__file__).resolve().parent.parent / "reference" / "reference.yaml"


class ReferenceDataError(Exception):
    """The reference file is malformed; the message says where and why."""


class _Loader:
    def __init__(self, progress: Callable[[str], None] | None = None) -> None:
        self.stats: Counter[str] = Counter()
        self.progress = progress or (lambda _msg: None)
        self.actors: dict[str, Actor] = {}

    # -- helpers ----------------------------------------------------------------------
    def upsert(self, model: type[models.Model], lookup: dict[str, Any],
               fields: dict[str, Any], m2m: dict[str, Iterable[Any]] | None = None) -> Any:
        """Create or update one row; save only when something differs (idempotent)."""
        found = model._default_manager.filter(**lookup).first()
        created = found is None
        instance = model(**lookup) if found is None else found
        dirty = created
        for name, value in fields.items():
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                dirty = True
        label = model._meta.verbose_name
        if dirty:
            try:
                instance.full_clean()
            except ValidationError as exc:
                raise ReferenceDataError(f"{label} {lookup}: {exc.message_dict}") from exc
            instance.save()
            self.stats[f"{label} {'created' if created else 'updated'}"] += 1
        for name, values in (m2m or {}).items():
            wanted = {v.pk for v in values}
            manager = getattr(instance, name)
            if set(manager.values_list("pk", flat=True)) != wanted:
                manager.set(list(wanted))
                self.stats[f"{label} links updated"] += 1
        return instance

    def actor(self, slug: str | None) -> Actor | None:
        if not slug:
            return None
        if slug not in self.actors:
            actor = Actor.objects.filter(slug=slug).first()
            if actor is None:
                raise ReferenceDataError(f"unknown actor {slug!r}")
            self.actors[slug] = actor
        return self.actors[slug]

    def by_slug(self, model: type[models.Model], slug: str | None, key: str = "slug") -> Any:
        if not slug:
            return None
        obj = model._default_manager.filter(**{key: slug}).first()
        if obj is None:
            raise ReferenceDataError(f"unknown {model._meta.verbose_name} {slug!r}")
        return obj

    def many(self, model: type[models.Model], slugs: Iterable[str], key: str = "slug") -> list:
        return [self.by_slug(model, slug, key) for slug in slugs or []]

    # -- sections ---------------------------------------------------------------------
    def load(self, data: dict[str, Any]) -> Counter[str]:
        steps = [
            ("actors", self.load_actors),
            ("capabilities", lambda rows: self.load_vocabulary(Capability, rows)),
            ("techniques", lambda rows: self.load_vocabulary(Technique, rows)),
            ("incidents", self.load_incidents),
            ("campaigns", self.load_campaigns),
            ("account_clusters", self.load_account_clusters),
            ("exchange_volumes", self.load_volumes),
            ("letters", self.load_letters),
            ("coverage", self.load_coverage),
            ("sources", self.load_sources),
            ("events", self.load_events),
            ("relationships", self.load_relationships),
            ("claims", self.load_claims),
        ]
        for section, step in steps:
            rows = data.get(section) or []
            self.progress(f"{section}: {len(rows)}")
            step(rows)
        self.refresh_derived()
        return self.stats

    def load_actors(self, rows: list[dict]) -> None:
        # Two passes: parents may come after their children in the file.
        for row in rows:
            fields = {k: row.get(k, d) for k, d in (
                ("name", ""), ("kind", "other"), ("country", ""), ("aliases", []),
                ("external_ids", {}), ("region", ""), ("language", ""), ("url", ""),
                ("description", ""), ("marking", "CLEAR"))}
            self.actors[row["slug"]] = self.upsert(Actor, {"slug": row["slug"]}, fields)
        for row in rows:
            if row.get("parent"):
                self.upsert(Actor, {"slug": row["slug"]}, {"parent": self.actor(row["parent"])})

    def load_vocabulary(self, model: type[models.Model], rows: list[dict]) -> None:
        for row in rows:
            self.upsert(model, {"slug": row["slug"]}, {
                "name": row["name"], "description": row.get("description", ""),
                "external_id": row.get("external_id", ""),
            })

    def load_incidents(self, rows: list[dict]) -> None:
        for row in rows:
            self.upsert(Incident, {"slug": row["slug"]}, {
                "title": row["title"], "status": row.get("status", "alleged"),
                "target_provider": self.actor(row.get("target_provider")),
                "target_system": self.actor(row.get("target_system")),
                "summary": row.get("summary", ""), "marking": row.get("marking", "CLEAR"),
            })

    def load_campaigns(self, rows: list[dict]) -> None:
        for row in rows:
            self.upsert(Campaign, {"slug": row["slug"]}, {
                "name": row["name"],
                "incident": self.by_slug(Incident, row.get("incident")),
                "description": row.get("description", ""),
                "marking": row.get("marking", "CLEAR"),
            }, {
                "operators": [self.actor(s) for s in row.get("operators", [])],
                "capabilities": self.many(Capability, row.get("capabilities", [])),
                "techniques": self.many(Technique, row.get("techniques", [])),
            })
        for row in rows:
            if row.get("parent"):
                self.upsert(Campaign, {"slug": row["slug"]},
                            {"parent": self.by_slug(Campaign, row["parent"])})

    def load_account_clusters(self, rows: list[dict]) -> None:
        for row in rows:
            campaign = self.by_slug(Campaign, row["campaign"])
            self.upsert(AccountCluster, {"campaign": campaign, "label": row["label"]}, {
                "count": row.get("count"), "qualifier": row.get("qualifier", "exact"),
                "detection_signals": row.get("detection_signals", []),
            })

    def load_volumes(self, rows: list[dict]) -> None:
        for row in rows:
            campaign = self.by_slug(Campaign, row["campaign"])
            self.upsert(ExchangeVolume, {
                "campaign": campaign, "granularity": row.get("granularity", "total"),
                "period_start": row.get("period_start"), "period_end": row.get("period_end"),
            }, {"count": row["count"], "qualifier": row.get("qualifier", "exact")})

    def load_letters(self, rows: list[dict]) -> None:
        for row in rows:
            self.upsert(Letter, {"slug": row["slug"]}, {
                "subject": row["subject"], "sender": self.actor(row.get("sender")),
                "status": row.get("status", "draft"), "summary": row.get("summary", ""),
                "marking": row.get("marking", "CLEAR"),
            }, {
                "recipients": [self.actor(s) for s in row.get("recipients", [])],
                "incidents": self.many(Incident, row.get("incidents", [])),
            })

    def load_coverage(self, rows: list[dict]) -> None:
        for row in rows:
            self.upsert(Coverage, {"url": row["url"]}, {
                "outlet": self.actor(row.get("outlet")), "title": row["title"],
                "published_on": row.get("published_on"), "language": row.get("language", ""),
                "region": row.get("region", ""), "lens": row.get("lens", ""),
                "summary": row.get("summary", ""), "quotes": row.get("quotes", []),
            }, {"incidents": self.many(Incident, row.get("incidents", []))})

    def load_sources(self, rows: list[dict]) -> None:
        for row in rows:
            coverage = self.by_slug(Coverage, row.get("coverage"), key="url")
            retrieved = row.get("retrieved_at")
            self.upsert(Source, {"key": row["key"]}, {
                "title": row["title"], "kind": row.get("kind", "other"),
                "url": row.get("url") or (coverage.url if coverage else ""),
                "publisher": self.actor(row.get("publisher"))
                or (coverage.outlet if coverage else None),
                "coverage": coverage,
                "published_on": row.get("published_on")
                or (coverage.published_on if coverage else None),
                "reliability": row.get("reliability", "F"),
                "sha256": row.get("sha256", ""),
                "retrieved_at": dt.datetime.fromisoformat(retrieved.replace("Z", "+00:00"))
                if retrieved else None,
            })

    def load_events(self, rows: list[dict]) -> None:
        from decimal import Decimal

        for row in rows:
            value = row.get("value")
            self.upsert(Event, {"slug": row["slug"]}, {
                "title": row["title"], "kind": row["kind"], "date": row["date"],
                "precision": row.get("precision", "day"),
                "value": Decimal(str(value)) if value is not None else None,
                "unit": row.get("unit", ""), "description": row.get("description", ""),
            }, {
                "actors": [self.actor(s) for s in row.get("actors", [])],
                "incidents": self.many(Incident, row.get("incidents", [])),
            })

    def load_relationships(self, rows: list[dict]) -> None:
        for row in rows:
            lookup = {
                "kind": row["kind"], "subject": self.actor(row["subject"]),
                "object_actor": self.actor(row.get("object_actor")),
                "object_incident": self.by_slug(Incident, row.get("object_incident")),
            }
            self.upsert(Relationship, lookup, {
                "start_date": row.get("start_date"), "end_date": row.get("end_date"),
                "precision": row.get("precision", "day"),
            }, {"sources": self.many(Source, row.get("sources", []), key="key")})

    def load_claims(self, rows: list[dict]) -> None:
        touched: dict[tuple[str, int], models.Model] = {}
        for row in rows:
            model_name, _, slug = row["subject"].partition(":")
            model = claim_subject_model(model_name)
            if model is None:
                known = ", ".join(claim_subject_names())
                raise ReferenceDataError(
                    f"claim subject {row['subject']!r}: unknown type (one of {known})"
                )
            if not any(f.name == "slug" for f in model._meta.fields):
                raise ReferenceDataError(
                    f"claim subject {row['subject']!r}: {model_name} has no slug to name it by"
                )
            subject = self.by_slug(model, slug)
            value = row["value"]
            if isinstance(value, dt.date):
                value = value.isoformat()
            try:
                _, created = claim_upsert(
                    subject=subject, field=row["field"], value=value,
                    source=self.by_slug(Source, row["source"], key="key"),
                    qualifier=row.get("qualifier", "exact"),
                    precision=row.get("precision", ""), quote=row.get("quote", ""),
                    credibility=row.get("credibility", 6), kind=row.get("kind", "fact"),
                    status=row.get("status", ClaimStatus.ACCEPTED), refresh=False,
                )
            except ValidationError as exc:
                raise ReferenceDataError(f"claim {row}: {exc.message_dict}") from exc
            if created:
                self.stats["claim created"] += 1
            touched[(subject._meta.label_lower, subject.pk)] = subject
        for subject in touched.values():
            if facts_refresh(subject=subject):
                self.stats["figures refreshed"] += 1

    def refresh_derived(self) -> None:
        for queryset in (
            Campaign.objects.select_related("parent"),
            Letter.objects.all(),
            Coverage.objects.select_related("outlet"),
        ):
            for obj in queryset:
                derived_events_refresh(obj=obj)


def reference_data_load(*, path: Path | None = None,
                        progress: Callable[[str], None] | None = None) -> Counter[str]:
    """Load the reference file into the database in one transaction.

    Idempotent: a second run finds every row in place and changes nothing (the returned
    counter of created / updated rows is empty). Malformed data raises
    ``ReferenceDataError`` and stores nothing.
    """
    source = path or REFERENCE_FILE
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceDataError(f"cannot read {source}: {exc}") from exc
    if not isinstance(data, dict):
        raise ReferenceDataError(f"{source}: expected a mapping of sections at the top")
    with transaction.atomic():
        stats = _Loader(progress).load(data)
        for _receiver, added in reference_data_loaded.send(sender=Incident,
                                                           bundled=path is None):
            if isinstance(added, Counter):
                stats.update(added)
        return stats


def table_row_counts() -> dict[str, int]:
    """Rows per table of every installed model (used to prove idempotency)."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}
