from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from wagtail.models import RevisionMixin

from incidents.models.base import MarkedModel, revisions_relation
from incidents.models.validation import TEXT_MAX, StringList, StringMap


class ActorKind(models.TextChoices):
    COMPANY = "company", "company"
    AI_LAB = "ai_lab", "AI lab"
    AI_SYSTEM = "ai_system", "AI system"
    GOVERNMENT_BODY = "government_body", "government body"
    LEGISLATOR = "legislator", "legislator"
    COMMITTEE = "committee", "committee"
    MEDIA_OUTLET = "media_outlet", "media outlet"
    PERSON = "person", "person"
    OTHER = "other", "other"


class Chamber(models.TextChoices):
    SENATE = "senate", "Senate"
    HOUSE = "house", "House"
    JOINT = "joint", "joint"


class Actor(RevisionMixin, MarkedModel):
    """A company, lab, AI system, government body, legislator, committee, outlet or person."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=ActorKind.choices, db_index=True)
    country = models.CharField(max_length=64, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The organisation this one belongs to (the Qwen lab → Alibaba).",
    )
    aliases = models.JSONField(
        default=list, blank=True, validators=[StringList(max_items=50, max_length=200)],
        help_text="Other names: a list of at most 50 strings of at most 200 characters.",
    )
    external_ids = models.JSONField(
        default=dict, blank=True,
        validators=[StringMap(max_items=50, key_length=50, max_length=200)],
        help_text='Identifiers elsewhere, scheme → identifier, e.g. {"bioguide": "S001184"}.',
    )
    region = models.CharField(max_length=64, blank=True, help_text="For outlets: their region.")
    language = models.CharField(max_length=16, blank=True, help_text="For outlets: ISO 639-1.")
    url = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    # Members of Congress and committees (``manage.py import_legislators``): the natural
    # keys of the congress-legislators files, unique when present.
    bioguide_id = models.CharField(
        max_length=16, unique=True, null=True, blank=True,
        help_text="For members of Congress: the Bioguide id, e.g. S001184.",
    )
    committee_code = models.CharField(
        max_length=16, unique=True, null=True, blank=True,
        help_text="For committees: the Thomas code, e.g. SSBK; subcommittees add theirs (SSBK13).",
    )
    party = models.CharField(max_length=64, blank=True, help_text="For members: their party.")
    state = models.CharField(max_length=8, blank=True,
                             help_text="For members: the state or territory they represent.")
    chamber = models.CharField(max_length=8, choices=Chamber.choices, blank=True,
                               help_text="For members and committees: Senate, House or joint.")
    term_start = models.DateField(null=True, blank=True, help_text="For members: current term.")
    term_end = models.DateField(null=True, blank=True)

    claims = GenericRelation("incidents.Claim", related_query_name="actor")
    _revisions = revisions_relation("actor")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def revisions(self):  # type: ignore[override]
        return self._revisions


class PartySide(models.TextChoices):
    MAJORITY = "majority", "majority"
    MINORITY = "minority", "minority"


class CommitteeMembership(models.Model):
    """The title, side and rank of one ``member_of`` relationship (member → committee).

    The edge itself stays a ``Relationship`` so the entity graph and every reader of
    relationships see it (and apply its visibility); this row only adds what a seat on
    a committee has. Written by ``incidents.services.legislators``.
    """

    relationship = models.OneToOneField(
        "incidents.Relationship", on_delete=models.CASCADE, related_name="committee_membership",
    )
    title = models.CharField(max_length=64, blank=True,
                             help_text='"Chairman", "Ranking Member", "Ex Officio" …')
    party_side = models.CharField(max_length=16, choices=PartySide.choices, blank=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True,
                                            help_text="Seniority on the side, 1 = first.")

    class Meta:
        ordering = ["relationship__object_actor__name", "party_side", "rank"]

    def __str__(self) -> str:
        return f"{self.relationship} ({self.title or self.party_side})"
