"""The one visibility rule: who may see which record, by TLP marking.

Every reader (selectors, the API, pages, the Wagtail admin, search, exports, derived
events) asks this module, through ``Model.objects.visible_to(viewer)`` for rows and
``can_see(viewer, obj)`` for a related record already loaded. "Most restrictive wins":

* a record is visible when its own marking is within the viewer's clearance;
* a *part* of another record (an account cluster or exchange volume of a campaign, an
  account of a cluster) is visible only when what it belongs to is visible too;
* a *link* (a relationship) is visible only when both its ends are;
* a claim is visible only when the claim, its source and its subject are.

A viewer is a user, an API token (anything with ``clearance_level`` and ``user``), or
``None`` (anonymous). A token never reads above its user's *current* clearance.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q

from incidents.provenance.registry import claim_subject_models

#: TLP 2.0 markings from least to most restricted (``incidents.models.base.Marking``).
ORDER: tuple[str, ...] = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
#: What a signed-in user without a ``Clearance`` row may see.
DEFAULT_CLEARANCE = "GREEN"
#: The word pages, exports and the API show in place of a record the reader may not see.
RESTRICTED = "restricted"


def rank(marking: str) -> int:
    """Position of ``marking`` in ``ORDER`` (0 = CLEAR); ``ValueError`` if unknown."""
    try:
        return ORDER.index(marking)
    except ValueError:
        raise ValueError(f"unknown marking {marking!r}") from None


def markings_up_to(clearance: str) -> list[str]:
    """Markings a holder of ``clearance`` may see (its own and every less restricted one)."""
    return list(ORDER[: rank(clearance) + 1])


def strictest(*markings: str) -> str:
    """The most restricted of ``markings`` (TLP:CLEAR for none)."""
    return max(markings, key=rank, default=ORDER[0])


def lowest(*markings: str) -> str:
    """The least restricted of ``markings``."""
    return min(markings, key=rank)


def _user_clearance(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ORDER[0]
    if not getattr(user, "is_active", True):
        return ORDER[0]
    if getattr(user, "is_superuser", False):
        return ORDER[-1]
    try:
        return str(user.clearance.level)
    except ObjectDoesNotExist:  # no Clearance row
        return DEFAULT_CLEARANCE


def clearance_for(viewer: Any) -> str:
    """The most restricted marking ``viewer`` may see.

    Superusers see everything; anonymous viewers only TLP:CLEAR; other users their
    ``Clearance`` row (TLP:GREEN without one). A token sees the lower of its own level
    and its user's current clearance, so downgrading a user downgrades their tokens.
    """
    if viewer is None:
        return ORDER[0]
    token_level = getattr(viewer, "clearance_level", None)
    if token_level:
        return lowest(str(token_level), _user_clearance(getattr(viewer, "user", None)))
    return _user_clearance(viewer)


def can_see(viewer: Any, obj: Any) -> bool:
    """Whether ``viewer`` may see ``obj`` by its own marking (``None``: nothing to see).

    For a related record already loaded; rows to list come from ``visible_to``.
    """
    if obj is None:
        return False
    marking = getattr(obj, "marking", None)
    if marking is None:
        return True  # unmarked models (users, content types) carry no marking
    return rank(marking) <= rank(clearance_for(viewer))


def may_mark(viewer: Any, marking: str) -> bool:
    """Whether ``viewer`` may give a record ``marking`` (never above their clearance)."""
    return rank(marking) <= rank(clearance_for(viewer))


class MarkedQuerySet(models.QuerySet[Any]):
    """``visible_to(viewer)``: the rows ``viewer`` may see. Subclasses add the parts,
    links and subjects a record's visibility also depends on (``extra_visibility``)."""

    def visible_to(self, viewer: Any) -> MarkedQuerySet:
        clearance = clearance_for(viewer)
        if clearance == ORDER[-1]:
            return self.all()
        return self.filter(self.visibility_q(markings_up_to(clearance), viewer))

    def visibility_q(self, markings: list[str], viewer: Any) -> Q:
        """The condition a visible row meets; ``markings`` are those the viewer may see."""
        return Q(marking__in=markings)


class PartQuerySet(MarkedQuerySet):
    """Rows that belong to another record through ``owner_path`` (a campaign's account
    clusters …): visible only with their owner."""

    owner_paths: tuple[str, ...] = ()

    def visibility_q(self, markings: list[str], viewer: Any) -> Q:
        q = Q(marking__in=markings)
        for path in self.owner_paths:
            q &= Q(**{f"{path}__marking__in": markings})
        return q


class CampaignPartQuerySet(PartQuerySet):
    owner_paths = ("campaign",)


class AccountQuerySet(PartQuerySet):
    owner_paths = ("cluster", "cluster__campaign")


class RelationshipQuerySet(MarkedQuerySet):
    """A relationship is visible only with both its ends: a link between two visible
    actors that is itself restricted stays hidden, and so does a visible link to a
    hidden record."""

    def visibility_q(self, markings: list[str], viewer: Any) -> Q:
        return (
            Q(marking__in=markings, subject__marking__in=markings)
            & (Q(object_actor__isnull=True) | Q(object_actor__marking__in=markings))
            & (Q(object_incident__isnull=True) | Q(object_incident__marking__in=markings))
        )


class ClaimQuerySet(MarkedQuerySet):
    """A claim is visible only when the claim, its source and its subject are."""

    def visibility_q(self, markings: list[str], viewer: Any) -> Q:
        subjects = Q()
        for model in claim_subject_models():
            rows: Any = model._default_manager.all()
            subjects |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=rows.visible_to(viewer).values("pk"),
            )
        return Q(marking__in=markings, source__marking__in=markings) & subjects

    def visible_about_visible(self, viewer: Any) -> ClaimQuerySet:
        """Claims the viewer may see *of subjects already known to be visible* (a
        prefetch under a visible queryset): claim and source checked, not the subject."""
        clearance = clearance_for(viewer)
        if clearance == ORDER[-1]:
            return self.all()
        markings = markings_up_to(clearance)
        return self.filter(marking__in=markings, source__marking__in=markings)


def hidden_rows(model: type[models.Model], viewer: Any) -> models.QuerySet[Any]:
    """Rows of ``model`` the viewer may *not* see (kept untouched by their writes)."""
    manager = model._default_manager
    rows: Any = manager.all()
    return manager.exclude(pk__in=rows.visible_to(viewer).values("pk"))
