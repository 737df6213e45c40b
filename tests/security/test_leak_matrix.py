"""The leak matrix: every surface × every reader, over one seeded world.

The world (``conftest.seed_world``) links visible (GREEN) records to restricted ones
(mostly RED, some AMBER and AMBER+STRICT). Every record's name or slug carries a marker
of its marking, so a *leak* is, for a reader cleared below it:

* a marker of a level above the reader's in a response body (a name, a slug, a quote, a
  figure only a RED claim gives), or one of a cell's extra names (the far end of a RED
  relationship between two GREEN actors);
* a filter, lookup or search by a hidden slug or name that answers differently from the
  same request with a slug nobody has (status and, outside the admin, body);
* a 500 anywhere.

A RED reader is the control: the cells that say so must show the restricted name to
them, so a surface that shows nothing to anyone does not pass for a safe one.

The matrix is data (``surfaces`` × ``readers_for``); its size is asserted exactly and
from below, and every API route and admin model must have its cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import resolve, reverse

from incidents.urls import urlpatterns as site_urlpatterns
from kb.api.views.entities import VIEWSETS
from tests.security.conftest import LEVELS, Reader, forbidden_for

pytestmark = pytest.mark.django_db

UNKNOWN = "zzunknown"  # stands in for a hidden marker in the comparison request
MISSING_PK = 987654321


@dataclass(frozen=True)
class Surface:
    door: str  # "api", "page", "admin"
    name: str
    path: str
    #: A hidden slug/name typed into ``path``: the same request with it replaced by one
    #: that does not exist must answer the same (for readers below its level).
    typed: str = ""
    typed_unknown: str = ""
    #: A RED reader must see this in the body (the control).
    red_shows: str = ""
    #: More names that must not show below RED (the far end of a RED link).
    extra: tuple[str, ...] = ()


def _level_of(typed: str) -> str:
    for level, marker in (("RED", "zzred"), ("AMBER+STRICT", "zzstr"), ("AMBER", "zzamb"),
                          ("GREEN", "zzgrn")):
        if marker in typed.lower():
            return level
    return "RED"  # a pk of a hidden record: every hidden record in the world is RED-only


def hidden(door: str, name: str, path: str, typed: str, unknown: str = "",
           red_shows: str = "") -> Surface:
    unknown = unknown or re.sub("zz(red|grn|amb|str)", UNKNOWN, typed, flags=re.I)
    return Surface(door, name, path, typed=typed, typed_unknown=unknown, red_shows=red_shows)


# -- the surfaces ------------------------------------------------------------------------------


def api_surfaces(w: SimpleNamespace) -> list[Surface]:  # noqa: PLR0915
    api = "/api/v1"
    # prefix → (carrier lookup, what RED sees on it, hidden lookup)
    details: dict[str, tuple[str, str, str]] = {
        "actors": ("zzgrn-operator", "zzred-operator", "zzred-operator"),
        "incidents": ("zzgrn-incident", "zzred-provider", "zzred-incident"),
        "campaigns": ("zzgrn-campaign", "zzred-parent", "zzred-parent"),
        "account-clusters": (str(w.green_cluster.pk), "ZZGRN Cluster", str(w.part_cluster.pk)),
        "accounts": (str(w.green_account.pk), w.green_account.external_id_hash,
                     str(w.part_account.pk)),
        "exchange-volumes": (str(w.green_volume.pk), "zzred-capability",
                             str(w.part_volume.pk)),
        "capabilities": ("zzgrn-capability", "ZZGRN Capability", "zzred-capability"),
        "techniques": ("zzgrn-technique", "ZZGRN Technique", "zzred-technique"),
        "letters": ("zzgrn-letter", "zzred-sender", "zzred-letter"),
        "coverage": (str(w.coverage.pk), "zzred-outlet", str(w.red_coverage.pk)),
        "events": (str(w.event.pk), "zzred-event-actor", str(w.red_event.pk)),
        "relationships": (str(w.rel_visible.pk), "zzred-source", str(w.red_rel.pk)),
        "sources": ("zzgrn-source", "zzred-publisher", "zzred-source"),
        "claims": (str(w.green_claim.pk), "zzgrn-source", str(w.red_claim.pk)),
    }
    assert sorted(details) == sorted(prefix for prefix, _ in VIEWSETS), \
        "every API route needs its cells in the leak matrix"
    out: list[Surface] = []
    for prefix, (carrier, red_sees, hidden_key) in details.items():
        out += [
            Surface("api", f"{prefix} list", f"{api}/{prefix}/", red_shows=red_sees),
            Surface("api", f"{prefix} csv", f"{api}/{prefix}/?format=csv", red_shows=red_sees),
            Surface("api", f"{prefix} detail", f"{api}/{prefix}/{carrier}/",
                    red_shows=red_sees),
            Surface("api", f"{prefix} detail csv", f"{api}/{prefix}/{carrier}/?format=csv"),
            hidden("api", f"{prefix} search", f"{api}/{prefix}/?search=zzred", "zzred"),
        ]
        if hidden_key.isdigit():
            out.append(hidden("api", f"{prefix} hidden detail", f"{api}/{prefix}/{hidden_key}/",
                              f"/{hidden_key}/", f"/{MISSING_PK}/"))
        else:
            out.append(hidden("api", f"{prefix} hidden detail", f"{api}/{prefix}/{hidden_key}/",
                              hidden_key))
    # More hidden records behind visible ones.
    for name, prefix, pk in [
        ("relationship GREEN→RED actor", "relationships", w.rel_to_red.pk),
        ("claim on a RED subject", "claims", w.claim_on_red_subject.pk),
        ("claim from a RED source", "claims", w.claim_from_red_source.pk),
        ("cluster's account of a RED campaign", "accounts", w.part_account.pk),
    ]:
        out.append(hidden("api", f"{prefix} hidden detail: {name}",
                          f"{api}/{prefix}/{pk}/", f"/{pk}/", f"/{MISSING_PK}/"))
    out += [
        Surface("api", "derived coverage event", f"{api}/events/{w.coverage_event.pk}/"),
        Surface("api", "relationships of actor A", f"{api}/relationships/?actor=zzgrn-actor-a",
                red_shows="zzgrn-secret-partner", extra=("zzgrn-secret-partner",)),
        Surface("api", "relationships of the partner",
                f"{api}/relationships/?actor=zzgrn-secret-partner",
                red_shows="zzgrn-actor-a", extra=("zzgrn-actor-a",)),
        Surface("api", "actor A", f"{api}/actors/zzgrn-actor-a/", extra=("secret-partner",)),
        Surface("api", "partner", f"{api}/actors/zzgrn-secret-partner/",
                extra=("zzgrn-actor-a",)),
    ]
    # Filters by a hidden slug: as if the slug did not exist.
    filters = [
        ("campaigns", "incident", "zzred-incident", "zzgrn-campaign"),
        ("campaigns", "actor", "zzred-operator", "zzgrn-campaign"),
        ("campaigns", "parent", "zzred-parent", "zzgrn-campaign"),
        ("campaigns", "capability", "zzred-capability", "zzgrn-campaign"),
        ("campaigns", "technique", "zzred-technique", "zzgrn-campaign"),
        ("actors", "incident", "zzred-incident", "zzgrn-operator"),
        ("actors", "parent", "zzred-operator", "zzgrn-operator"),
        ("incidents", "actor", "zzred-provider", "zzgrn-incident"),
        ("incidents", "actor", "zzred-operator", "zzgrn-incident"),
        ("capabilities", "campaign", "zzred-parent", "zzgrn-capability"),
        ("techniques", "campaign", "zzred-parent", "zzgrn-technique"),
        ("account-clusters", "campaign", "zzred-parent", "ZZRED-part cluster"),
        ("account-clusters", "incident", "zzred-incident", "ZZGRN Cluster"),
        ("accounts", "campaign", "zzred-parent", w.part_account.external_id_hash),
        ("exchange-volumes", "campaign", "zzred-parent", "zzred-parent"),
        ("exchange-volumes", "capability", "zzred-capability", "zzgrn-campaign"),
        ("exchange-volumes", "incident", "zzred-incident", "zzgrn-campaign"),
        ("letters", "actor", "zzred-sender", "zzgrn-letter"),
        ("letters", "actor", "zzred-recipient", "zzgrn-letter"),
        ("letters", "incident", "zzred-incident", "zzgrn-letter"),
        ("coverage", "actor", "zzred-outlet", "ZZGRN Coverage Story"),
        ("events", "actor", "zzred-event-actor", "ZZGRN Event"),
        ("events", "incident", "zzred-incident", "ZZGRN Event"),
        ("relationships", "actor", "zzred-related-actor", "zzgrn to hidden"),
        ("relationships", "incident", "zzred-incident", "zzgrn-actor-a"),
        ("sources", "actor", "zzred-publisher", "zzgrn-source"),
        ("claims", "source", "zzred-source", "zzred-sourced accounts"),
        ("claims", "subject", "campaign:zzred-parent", "zzred parent three million"),
    ]
    for prefix, param, value, red_sees in filters:
        out.append(hidden("api", f"{prefix}?{param}={value}",
                          f"{api}/{prefix}/?{param}={value}", value, red_shows=red_sees))
    # Related names typed into ?search=.
    for prefix, words in [("coverage", "ZZRED Outlet"), ("relationships", "ZZRED Related"),
                          ("claims", "ZZRED Source"), ("exchange-volumes", "zzred-parent"),
                          ("account-clusters", "zzred-parent"), ("campaigns", "ZZRED Parent")]:
        out.append(hidden("api", f"{prefix}?search={words}",
                          f"{api}/{prefix}/?search={quote_plus(words)}", quote_plus(words)))
    # Cross-references.
    out += [
        Surface("api", "compare", f"{api}/campaigns/compare/?ids=zzgrn-campaign,zzgrn-campaign-b",
                red_shows="zzred-capability"),
        hidden("api", "compare with a hidden campaign",
               f"{api}/campaigns/compare/?ids=zzgrn-campaign,zzred-parent", "zzred-parent"),
        Surface("api", "related", f"{api}/campaigns/zzgrn-campaign/related/"),
        Surface("api", "related B", f"{api}/campaigns/zzgrn-campaign-b/related/"),
        hidden("api", "related of a hidden campaign", f"{api}/campaigns/zzred-parent/related/",
               "zzred-parent"),
        Surface("api", "timeline", f"{api}/incidents/zzgrn-incident/timeline/",
                red_shows="zzred"),
        hidden("api", "timeline of a hidden incident",
               f"{api}/incidents/zzred-incident/timeline/", "zzred-incident"),
        Surface("api", "graph actor A", f"{api}/graph/?root=actor:zzgrn-actor-a",
                red_shows="zzgrn-secret-partner", extra=("zzgrn-secret-partner",)),
        Surface("api", "graph partner", f"{api}/graph/?root=actor:zzgrn-secret-partner",
                red_shows="zzgrn-actor-a", extra=("zzgrn-actor-a",)),
        Surface("api", "graph actor A depth 3", f"{api}/graph/?root=actor:zzgrn-actor-a&depth=3",
                extra=("zzgrn-secret-partner",)),
        Surface("api", "graph campaign", f"{api}/graph/?root=campaign:zzgrn-campaign&depth=3",
                red_shows="zzred"),
        Surface("api", "graph incident", f"{api}/graph/?root=incident:zzgrn-incident&depth=3",
                red_shows="zzred"),
        Surface("api", "graph operator", f"{api}/graph/?root=actor:zzgrn-operator&depth=3",
                red_shows="zzred"),
        hidden("api", "graph hidden root", f"{api}/graph/?root=actor:zzred-operator",
               "zzred-operator"),
        hidden("api", "graph hidden campaign", f"{api}/graph/?root=campaign:zzred-parent",
               "zzred-parent"),
        Surface("api", "conflicts", f"{api}/conflicts/", red_shows="zzred"),
        Surface("api", "conflicts of B", f"{api}/conflicts/?subject=campaign:zzgrn-campaign-b"),
        Surface("api", "conflicts of the incident", f"{api}/conflicts/?incident=zzgrn-incident"),
        hidden("api", "conflicts?incident=hidden", f"{api}/conflicts/?incident=zzred-incident",
               "zzred-incident"),
        hidden("api", "conflicts?subject=hidden",
               f"{api}/conflicts/?subject=campaign:zzred-parent", "zzred-parent"),
        Surface("api", "derived checks", f"{api}/derived-checks/"),
        hidden("api", "derived checks?campaign=hidden",
               f"{api}/derived-checks/?campaign=zzred-parent", "zzred-parent"),
        Surface("api", "alerts", f"{api}/alerts/"),
        # Search: hits, highlights, facets.
        Surface("api", "search (all, facets)", f"{api}/search/"),
        Surface("api", "search campaign", f"{api}/search/?q=campaign", red_shows="zzred"),
        Surface("api", "search operator", f"{api}/search/?q=operator", red_shows="zzred"),
        Surface("api", "search outlet", f"{api}/search/?q=outlet", red_shows="zzred"),
        Surface("api", "search story", f"{api}/search/?q=story", red_shows="zzred"),
        Surface("api", "search partner", f"{api}/search/?q=partner&type=actor"),
        Surface("api", "search by date", f"{api}/search/?q=zz*&sort=date"),
        hidden("api", "search zzred", f"{api}/search/?q=zzred", "zzred"),
        hidden("api", "search actor facet", f"{api}/search/?actor={quote('ZZRED Operator')}",
               quote("ZZRED Operator")),
        hidden("api", "search outlet facet", f"{api}/search/?actor={quote('ZZRED Outlet')}",
               quote("ZZRED Outlet")),
        hidden("api", "search region facet", f"{api}/search/?region=Zzredland", "Zzredland"),
    ]
    return (out + letter_surfaces(w, "api") + ingest_surfaces(w, "api")
            + audit_surfaces(w, "api"))


def page_surfaces(w: SimpleNamespace) -> list[Surface]:
    cov, red_cov = w.coverage.pk, w.red_coverage.pk
    out = [
        Surface("page", "dashboard", "/", red_shows="zzred"),
        Surface("page", "incident list", "/incidents/", red_shows="zzred"),
        Surface("page", "incident page", "/incidents/zzgrn-incident/", red_shows="zzred"),
        hidden("page", "hidden incident page", "/incidents/zzred-incident/", "zzred-incident"),
        Surface("page", "campaign page", "/campaigns/zzgrn-campaign/", red_shows="zzred"),
        Surface("page", "campaign b page", "/campaigns/zzgrn-campaign-b/", red_shows="zzred"),
        hidden("page", "hidden campaign page", "/campaigns/zzred-parent/", "zzred-parent"),
        Surface("page", "letter list", "/letters/", red_shows="zzred"),
        Surface("page", "letter page", "/letters/zzgrn-letter/", red_shows="ZZRED Sender"),
        hidden("page", "hidden letter page", "/letters/zzred-letter/", "zzred-letter"),
        Surface("page", "coverage list", "/coverage/", red_shows="zzred"),
        *(Surface("page", f"coverage by {group}", f"/coverage/?group={group}",
                  red_shows="zzred") for group in ("region", "language", "lens")),
        Surface("page", "coverage page", f"/coverage/{cov}/", red_shows="ZZRED Outlet"),
        hidden("page", "hidden coverage page", f"/coverage/{red_cov}/", f"/{red_cov}/",
               f"/{MISSING_PK}/"),
        Surface("page", "actor list", "/actors/", red_shows="zzred"),
        Surface("page", "actor page", "/actors/zzgrn-actor-a/", red_shows="zzred",
                extra=("ZZGRN Secret Partner",)),
        Surface("page", "operator page", "/actors/zzgrn-operator/", red_shows="zzred"),
        hidden("page", "hidden actor page", "/actors/zzred-operator/", "zzred-operator"),
        Surface("page", "source list", "/sources/", red_shows="zzred"),
        Surface("page", "source page", "/sources/zzgrn-source/", red_shows="ZZRED Publisher"),
        Surface("page", "source page two", "/sources/zzgrn-source-2/", red_shows="zzred"),
        hidden("page", "hidden source page", "/sources/zzred-source/", "zzred-source"),
        Surface("page", "comparison", "/compare/?campaigns=zzgrn-campaign"
                "&campaigns=zzgrn-campaign-b", red_shows="zzred"),
        Surface("page", "comparison form", "/compare/"),
        hidden("page", "comparison with a hidden campaign",
               "/compare/?campaigns=zzgrn-campaign&campaigns=zzred-parent", "zzred-parent"),
        Surface("page", "timeline", "/timeline/", red_shows="zzred"),
        Surface("page", "timeline of an incident", "/timeline/?incident=zzgrn-incident",
                red_shows="zzred"),
        Surface("page", "timeline of an actor", "/timeline/?actor=zzgrn-operator"),
        hidden("page", "timeline of a hidden incident", "/timeline/?incident=zzred-incident",
               "zzred-incident"),
        hidden("page", "timeline of a hidden actor", "/timeline/?actor=zzred-event-actor",
               "zzred-event-actor"),
        Surface("page", "event page", f"/events/{w.event.pk}/", red_shows="ZZRED Event Actor"),
        Surface("page", "coverage event page", f"/events/{w.coverage_event.pk}/"),
        hidden("page", "hidden event page", f"/events/{w.red_event.pk}/",
               f"/{w.red_event.pk}/", f"/{MISSING_PK}/"),
        Surface("page", "search page", "/search/?q=campaign", red_shows="zzred"),
        Surface("page", "search page outlet", "/search/?q=outlet", red_shows="zzred"),
        Surface("page", "search page story", "/search/?q=story", red_shows="zzred"),
        Surface("page", "search page partner", "/search/?q=partner"),
        hidden("page", "search page zzred", "/search/?q=zzred", "zzred"),
        hidden("page", "search page region facet", "/search/?region=Zzredland", "Zzredland"),
        hidden("page", "search page actor facet", f"/search/?actor={quote('ZZRED Operator')}",
               quote("ZZRED Operator")),
    ]
    out += briefing_page_surfaces(w) + letter_surfaces(w, "page")
    site_routes = {p.name for p in site_urlpatterns}
    covered = {resolve(urlsplit(s.path).path).url_name for s in out}
    assert site_routes <= covered, \
        f"every page of the site needs its cells in the leak matrix: {site_routes - covered}"
    return out


def admin_surfaces(w: SimpleNamespace) -> list[Surface]:
    from incidents.wagtail_admin.viewsets import VIEWSETS as ADMIN_VIEWSETS

    # model → (carrier, what RED sees on its edit form, hidden record, a search word)
    rows: dict[str, tuple[Any, str, Any, str]] = {
        "actor": (w.green_operator, "ZZRED Operator", w.red_operator, "Operator"),
        "incident": (w.green_incident, "ZZRED Provider", w.red_incident, "Incident"),
        "campaign": (w.campaign, "ZZRED Parent Campaign", w.red_parent, "Parent"),
        "accountcluster": (w.green_cluster, "ZZGRN Cluster", w.part_cluster, "cluster"),
        "account": (w.green_account, "ZZGRN Cluster", w.part_account, "a"),
        "exchangevolume": (w.green_volume, "ZZRED Capability", w.part_volume, "1"),
        "capability": (w.green_capability, "ZZGRN Capability", w.red_capability, "Capability"),
        "technique": (w.green_technique, "ZZGRN Technique", w.red_technique, "Technique"),
        "letter": (w.letter, "ZZRED Sender", w.red_letter, "Letter"),
        "coverage": (w.coverage, "ZZRED Outlet", w.red_coverage, "Story"),
        "event": (w.event, "ZZRED Event Actor", w.red_event, "Event"),
        "relationship": (w.rel_visible, "ZZRED Source", w.red_rel, "Actor"),
        "source": (w.green_source, "ZZRED Publisher", w.red_source, "Source"),
        "claim": (w.operators_claim, "zzred-operator", w.red_claim, "million"),
    }
    registered = set()
    for item in ADMIN_VIEWSETS:
        for viewset in getattr(item, "items", (item,)):
            registered.add(viewset.model._meta.model_name)
    assert registered - {"clearance"} == set(rows), \
        "every admin snippet model needs its cells in the leak matrix"
    out: list[Surface] = []
    for model, (carrier, red_sees, hidden_row, word) in rows.items():
        ns = f"wagtailsnippets_incidents_{model}"
        chooser = f"wagtailsnippetchoosers_incidents_{model}"
        out += [
            Surface("admin", f"{model} list", reverse(f"{ns}:list"), red_shows="zzred"),
            Surface("admin", f"{model} list search",
                    reverse(f"{ns}:list_results") + f"?q={word}"),
            Surface("admin", f"{model} chooser", reverse(f"{chooser}:choose")),
            Surface("admin", f"{model} chooser search",
                    reverse(f"{chooser}:choose_results") + f"?q={word}"),
        ]
        for view in ("inspect", "edit", "history", "usage"):
            out.append(Surface("admin", f"{model} {view}", reverse(f"{ns}:{view}",
                                                                  args=[carrier.pk]),
                               red_shows=red_sees if view == "edit" else ""))
        for view in ("inspect", "edit", "history", "delete"):
            out.append(hidden("admin", f"{model} {view} of hidden",
                              reverse(f"{ns}:{view}", args=[hidden_row.pk]),
                              f"/{hidden_row.pk}/", f"/{MISSING_PK}/"))
    campaign_ns = "wagtailsnippets_incidents_campaign"
    out += [
        Surface("admin", "dashboard", "/admin/"),
        Surface("admin", "site history", reverse("wagtailadmin_reports:site_history"),
                red_shows="ZZRED Parent Campaign"),
        Surface("admin", "site history results",
                reverse("wagtailadmin_reports:site_history_results")),
        Surface("admin", "campaign revisions compare", reverse(
            f"{campaign_ns}:revisions_compare",
            args=[w.campaign.pk, w.campaign_rev_1.pk, w.campaign_rev_2.pk])),
        Surface("admin", "campaign revisions compare earliest", reverse(
            f"{campaign_ns}:revisions_compare", args=[w.campaign.pk, "earliest", "latest"])),
        Surface("admin", "review queue", "/admin/provenance/", red_shows="zzred"),
        Surface("admin", "review conflicts", "/admin/provenance/conflicts/"),
        Surface("admin", "review alerts", "/admin/provenance/alerts/"),
        Surface("admin", "review source", "/admin/provenance/sources/zzgrn-source/",
                red_shows="zzred"),
        hidden("admin", "review hidden source", "/admin/provenance/sources/zzred-source/",
               "zzred-source"),
    ]
    return (out + briefing_admin_surfaces(w) + letter_surfaces(w, "admin")
            + ingest_surfaces(w, "admin") + audit_surfaces(w, "admin"))


# -- briefings ---------------------------------------------------------------------------------


@pytest.fixture
def world(world: SimpleNamespace) -> SimpleNamespace:
    """The seeded world and two briefings: a RED one (citing a GREEN campaign, relating the
    GREEN incident) and a GREEN one citing the same campaign; the readers' group may edit
    pages below the briefing index, so the admin's page listings have something to hide."""
    from django.contrib.auth.models import Permission
    from wagtail.models import GroupPagePermission

    from kb.briefings.models import BriefingAuthor, BriefingIndexPage, BriefingPage
    from kb.briefings.site import briefing_site_ensure
    from tests.security.conftest import editors_group

    briefing_site_ensure()
    index = BriefingIndexPage.objects.get()
    group = editors_group()
    for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
        GroupPagePermission.objects.get_or_create(group=group, page=index, permission=(
            Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)))

    def briefing(slug: str, title: str, marking: str) -> BriefingPage:
        page = BriefingPage(title=title, slug=slug, summary=f"{title} summary",
                            marking=marking, live=False, body=[
                                {"type": "paragraph", "value": f"<p>{title} briefing text.</p>"},
                                {"type": "campaign_fact", "value": {
                                    "record": world.campaign.pk, "figure": "exchanges",
                                    "lead": "The campaign ran", "trail": "exchanges."}}])
        page.authors.add(BriefingAuthor(name="Analyst"))
        index.add_child(instance=page)
        page.save_revision(user=world.author).publish()
        page.refresh_from_db()
        return page

    world.briefing_index = index
    world.red_briefing = briefing("zzred-briefing", "ZZRED Briefing", "RED")
    world.green_briefing = briefing("zzgrn-briefing", "ZZGRN Briefing", "GREEN")
    # The GREEN letter's body cites a RED campaign (no lead: a reader who may see it
    # reads its name) and a GREEN one: what its page, exports and preview must redact.
    world.letter.body = [
        {"type": "paragraph", "value": "<p>ZZGRN Letter text.</p>"},
        {"type": "campaign_fact", "value": {"record": world.red_parent.pk,
                                            "figure": "exchanges", "lead": "", "trail": ""}},
        {"type": "campaign_fact", "value": {"record": world.campaign_b.pk,
                                            "figure": "exchanges", "lead": "It ran",
                                            "trail": "exchanges."}}]
    world.letter.save()
    # Someone else's ingest job about the RED incident, its result naming a RED source.
    # The audit trail: a GREEN campaign's edit that set its parent to the RED one, and a
    # RED letter export event (issue 13).
    from wagtail.models import ModelLogEntry

    from incidents.models import IngestJob
    from kb.audit.models import AuditEvent

    ModelLogEntry.objects.log_action(world.campaign, "wagtail.edit", user=world.author, data={
        "changes": [{"field": "parent", "old": None, "new": world.red_parent.pk}]})
    for claim in (world.claim_on_red_subject, world.green_claim):
        ModelLogEntry.objects.log_action(claim, "kb.claim.review", user=world.author,
                                         data={"from": "pending", "to": "accepted"})
    AuditEvent.objects.create(action="export", marking="RED", user=world.author,
                              data={"format": "pdf", "file": "zzred-letter.pdf"})
    world.red_job = IngestJob.objects.create(
        state="done", progress=100, input_kind="text", name="zzred-article.txt",
        content="ZZRED article text", incident=world.red_incident, marking="RED",
        clearance="RED", created_by=world.author,
        result={"source": world.red_source.pk, "source_key": "zzred-source",
                "title": "ZZRED Source", "created": True, "duplicate": False})
    return world


def audit_surfaces(w: SimpleNamespace, door: str) -> list[Surface]:
    """The audit trail (issue 13), at the API and in the admin: the whole trail leaves
    out entries and events of hidden records; a hidden record's trail answers like an
    unknown one's; a visible record's diff names a hidden record only to a RED reader."""
    base = "/api/v1/audit/" if door == "api" else reverse("kb_audit:trail")
    return [
        # Unfiltered, the newest entries are the exports the matrix's own cells made.
        Surface(door, "audit trail", base),
        Surface(door, "audit trail of edits", f"{base}?action=wagtail.edit",
                red_shows="ZZRED Parent Campaign"),
        Surface(door, "audit trail of a campaign whose diff names a hidden one",
                f"{base}?object=incidents.campaign:{w.campaign.pk}",
                red_shows="ZZRED Parent Campaign"),
        hidden(door, "audit trail of a hidden campaign",
               f"{base}?object=incidents.campaign:zzred-parent", "zzred-parent"),
        hidden(door, "audit trail of a hidden campaign by id",
               f"{base}?object=incidents.campaign:{w.red_parent.pk}",
               f"campaign:{w.red_parent.pk}", f"campaign:{MISSING_PK}"),
        Surface(door, "audit trail, review decisions only", f"{base}?action=kb.claim.review"),
    ] + ([Surface("admin", "campaign history whose diff names a hidden campaign",
                  reverse("wagtailsnippets_incidents_campaign:history", args=[w.campaign.pk]),
                  red_shows="ZZRED Parent Campaign")] if door == "admin" else [])


def ingest_surfaces(w: SimpleNamespace, door: str) -> list[Surface]:
    """Ingest (issue 12): the form offers only incidents the reader may see; another
    user's job, typed by id, answers like an unknown one at the API and in the admin."""
    unknown = "00000000-0000-4000-8000-000000000000"
    if door == "api":
        return [hidden("api", "ingest task of another user", f"/api/v1/tasks/{w.red_job.pk}/",
                       str(w.red_job.pk), unknown)]
    return [
        Surface("admin", "ingest form", reverse("incidents_ingest:form"),
                red_shows="ZZRED Incident"),
        Surface("admin", "ingest jobs", reverse("incidents_ingest:jobs")),
        hidden("admin", "ingest job of another user",
               reverse("incidents_ingest:jobs") + f"?job={w.red_job.pk}", str(w.red_job.pk),
               unknown),
    ]


def letter_surfaces(w: SimpleNamespace, door: str) -> list[Surface]:
    """The letter's exports at every door (issue 11): Word and PDF, joint, personalised
    and zipped, read back as text by ``readable``; a hidden letter and a hidden
    recipient typed into the URL answer as unknown ones."""
    if door == "page":
        base = "/letters/zzgrn-letter/"
        red = "/letters/zzred-letter/"
        return [
            Surface("page", "letter docx", f"{base}letter.docx", red_shows="ZZRED Sender"),
            Surface("page", "letter pdf", f"{base}letter.pdf", red_shows="ZZRED Parent"),
            Surface("page", "letter zip docx", f"{base}letters.zip?format=docx",
                    red_shows="ZZRED Recipient"),
            Surface("page", "letter zip pdf", f"{base}letters.zip?format=pdf",
                    red_shows="ZZRED Recipient"),
            Surface("page", "letter docx for a recipient",
                    f"{base}letter.docx?recipient=zzgrn-recipient"),
            hidden("page", "letter docx for a hidden recipient",
                   f"{base}letter.docx?recipient=zzred-recipient", "zzred-recipient",
                   red_shows="ZZRED Recipient"),
            hidden("page", "hidden letter docx", f"{red}letter.docx", "zzred-letter"),
            hidden("page", "hidden letter pdf", f"{red}letter.pdf", "zzred-letter"),
            hidden("page", "hidden letter zip", f"{red}letters.zip", "zzred-letter"),
        ]
    if door == "api":
        base, red = "/api/v1/letters/zzgrn-letter/", "/api/v1/letters/zzred-letter/"
        return [
            Surface("api", "letter export docx", f"{base}export.docx",
                    red_shows="ZZRED Sender"),
            Surface("api", "letter export pdf", f"{base}export.pdf", red_shows="ZZRED Parent"),
            Surface("api", "letter export zip", f"{base}export.zip?format=docx",
                    red_shows="ZZRED Recipient"),
            hidden("api", "letter export for a hidden recipient",
                   f"{base}export.pdf?recipient=zzred-recipient", "zzred-recipient",
                   red_shows="ZZRED Recipient"),
            hidden("api", "hidden letter export", f"{red}export.docx", "zzred-letter"),
            Surface("api", "letter recipients", "/api/v1/letters/recipients/",
                    red_shows="zzred-recipient"),
            hidden("api", "letter recipients search", "/api/v1/letters/recipients/?q=zzred",
                   "zzred"),
        ]
    from kb.letters.admin_views import NAMESPACE

    out = [Surface("admin", "letter from incident",
                   reverse(f"{NAMESPACE}:from_incident"), red_shows="ZZRED Incident")]
    for fmt in ("docx", "pdf", "zip-docx"):
        out.append(Surface("admin", f"letter download {fmt}",
                           reverse(f"{NAMESPACE}:download", args=[w.letter.pk, fmt]),
                           red_shows="ZZRED Sender"))
        out.append(hidden("admin", f"letter download {fmt} of hidden",
                          reverse(f"{NAMESPACE}:download", args=[w.red_letter.pk, fmt]),
                          f"/{w.red_letter.pk}/", f"/{MISSING_PK}/"))
    for view in ("send", "correct", "committee"):
        out.append(hidden("admin", f"letter {view} of hidden",
                          reverse(f"{NAMESPACE}:{view}", args=[w.red_letter.pk]),
                          f"/{w.red_letter.pk}/", f"/{MISSING_PK}/"))
    out.append(Surface("admin", "letter preview", reverse(
        "wagtailsnippets_incidents_letter:preview_on_edit", args=[w.letter.pk])))
    return out


def briefing_page_surfaces(w: SimpleNamespace) -> list[Surface]:
    red, green = w.red_briefing.url, w.green_briefing.url
    return [
        Surface("page", "briefing index", "/briefings/", red_shows="ZZRED Briefing"),
        Surface("page", "briefing index by title", "/briefings/?sort=title",
                red_shows="ZZRED Briefing"),
        Surface("page", "briefing page", green),
        Surface("page", "briefing pdf", f"{green}briefing.pdf"),
        hidden("page", "hidden briefing page", red, "zzred-briefing",
               red_shows="ZZRED Briefing"),
        hidden("page", "hidden briefing pdf", f"{red}briefing.pdf", "zzred-briefing"),
        Surface("page", "search page briefing", "/search/?q=briefing",
                red_shows="ZZRED Briefing"),
        hidden("page", "search page briefing facet", "/search/?q=zzred&type=briefing",
               "zzred"),
    ]


def briefing_admin_surfaces(w: SimpleNamespace) -> list[Surface]:
    index, red, green = w.briefing_index.pk, w.red_briefing.pk, w.green_briefing.pk
    out = [
        Surface("admin", "page explorer", reverse("wagtailadmin_explore", args=[index]),
                red_shows="ZZRED Briefing"),
        Surface("admin", "page explorer results",
                reverse("wagtailadmin_explore_results", args=[index]),
                red_shows="ZZRED Briefing"),
        Surface("admin", "page search", reverse("wagtailadmin_pages:search") + "?q=Briefing",
                red_shows="ZZRED Briefing"),
        Surface("admin", "explorer menu", f"/admin/api/main/pages/?child_of={index}"
                "&for_explorer=1", red_shows="ZZRED Briefing"),
        Surface("admin", "page chooser", reverse("wagtailadmin_choose_page_child",
                                                 args=[index]), red_shows="ZZRED Briefing"),
        Surface("admin", "page chooser search",
                reverse("wagtailadmin_choose_page_search") + "?q=Briefing",
                red_shows="ZZRED Briefing"),
        Surface("admin", "aging pages", reverse("wagtailadmin_reports:aging_pages"),
                red_shows="ZZRED Briefing"),
        Surface("admin", "locked pages", reverse("wagtailadmin_reports:locked_pages")),
        Surface("admin", "workflow report", reverse("wagtailadmin_reports:workflow")),
        Surface("admin", "page types usage", reverse("wagtailadmin_reports:page_types_usage")),
        Surface("admin", "briefing edit", reverse("wagtailadmin_pages:edit", args=[green])),
        Surface("admin", "briefing history", reverse("wagtailadmin_pages:history",
                                                     args=[green])),
    ]
    for view in ("edit", "history", "preview_on_edit", "delete", "copy", "move", "unpublish",
                 "usage", "view_draft"):
        out.append(hidden("admin", f"briefing {view} of hidden",
                          reverse(f"wagtailadmin_pages:{view}", args=[red]),
                          f"/{red}/", f"/{MISSING_PK}/"))
    out.append(hidden("admin", "briefing revisions compare of hidden",
                      reverse("wagtailadmin_pages:revisions_compare",
                              args=[red, "earliest", "latest"]), f"/{red}/", f"/{MISSING_PK}/"))
    return out


# -- running a cell ----------------------------------------------------------------------------


def client_for(reader: Reader) -> Client:
    if reader.kind == "token":
        return Client(HTTP_AUTHORIZATION=f"Token {reader.raw_token}")
    client = Client()
    if reader.kind == "user":
        client.force_login(reader.user)
    return client


def readers_for(door: str, readers: list[Reader]) -> list[Reader]:
    """Tokens are an API credential; anonymous readers get the pages' login redirect and
    the API's 401 everywhere, so they read the pages only."""
    if door == "api":
        return [r for r in readers if r.kind != "anon"]
    if door == "admin":
        return [r for r in readers if r.kind == "user"]
    return [r for r in readers if r.kind != "token"]


def _strip(body: str, typed: str) -> str:
    if not typed:
        return body
    plain = unquote_plus(typed)
    for form in sorted({typed, plain, quote(plain), quote_plus(plain)}, key=len, reverse=True):
        body = re.sub(re.escape(form), "<TYPED>", body, flags=re.I)
    # Per-response noise: CSRF tokens.
    return re.sub(r'(csrfmiddlewaretoken" value=|csrfToken": )"[^"]*"', r"\1<CSRF>", body)


def _context(body: str, marker: str) -> str:
    i = body.lower().find(marker.lower())
    return re.sub(r"\s+", " ", body[max(0, i - 60): i + len(marker) + 60])


def readable(response: Any) -> str:
    """The text a reader gets: a Word document's XML parts, a PDF's extracted text and
    the members of a zip, read back, so a name inside an export is found as on a page."""
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) \
        else response.content
    return _text_of(content, response.get("Content-Type", ""))


def _text_of(content: bytes, kind: str) -> str:
    import io
    import zipfile

    if kind.startswith("application/pdf"):
        from pypdf import PdfReader

        return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)
    if kind.startswith(("application/zip", "application/vnd.openxmlformats")):
        parts = []
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in archive.namelist():
                data = archive.read(name)
                if name.endswith(".pdf"):
                    parts.append(_text_of(data, "application/pdf"))
                elif name.endswith(".docx"):
                    parts.append(_text_of(data, "application/zip"))
                elif name.endswith(".xml"):
                    parts.append(" ".join(re.sub(r"<[^>]+>", " ",
                                                 data.decode(errors="replace")).split()))
        return "\n".join(parts)
    return content.decode(errors="replace")


def run_cell(surface: Surface, reader: Reader, client: Client) -> list[str]:
    """The problems of one cell (empty: no leak)."""
    if not surface.typed and (auto := re.search(r"zz(?:grn|amb|str|red)[-a-z0-9]*",
                                                surface.path)):
        # A restricted slug in the path (a GREEN carrier, for a CLEAR reader): the reader
        # typed it, so its echo is no leak, and the answer must be an unknown slug's.
        typed = auto.group(0)
        surface = replace(surface, typed=typed, typed_unknown=re.sub(
            "zz(red|grn|amb|str)", UNKNOWN, typed))
    response = client.get(surface.path)
    body = readable(response)
    where = f"[{surface.door}] {surface.name} ({surface.path}) as {reader.name}"
    if response.status_code >= 500:
        return [f"{where}: HTTP {response.status_code}"]
    problems = []
    forbidden = forbidden_for(reader.level)
    if reader.level != "RED":
        forbidden += surface.extra
    visible_body = body
    for typed in {surface.typed, *re.findall(r"zz(?:grn|amb|str|red)[-a-z0-9]*", surface.path)}:
        visible_body = _strip(visible_body, typed)  # the reader's own words, echoed
    for marker in forbidden:
        if marker.lower() in visible_body.lower():
            problems.append(f"{where}: shows {marker!r}: …{_context(visible_body, marker)}…")
            break  # one marker is enough to name the cell
    typed_hidden = surface.typed and LEVELS.index(reader.level) < LEVELS.index(
        _level_of(surface.typed))
    if typed_hidden:
        other = client.get(surface.path.replace(surface.typed, surface.typed_unknown))
        other_body = readable(other)
        if other.status_code != response.status_code:
            problems.append(f"{where}: HTTP {response.status_code}, but "
                            f"{other.status_code} for an unknown slug")
        elif surface.door != "admin" and (mine := _strip(body, surface.typed)) != (
                theirs := _strip(other_body, surface.typed_unknown)):
            at = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False))
                       if a != b), min(len(mine), len(theirs)))
            problems.append(f"{where}: answers differently than for an unknown slug, from: "
                            f"{mine[max(0, at - 80):at + 120]!r} vs "
                            f"{theirs[max(0, at - 80):at + 120]!r}")
    if reader.level == "RED" and reader.kind != "anon" and surface.red_shows and (
            surface.red_shows.lower() not in body.lower()):
        problems.append(f"{where}: CONTROL: a RED reader should see {surface.red_shows!r} "
                        f"(HTTP {response.status_code}); the cell proves nothing")
    return problems


def build_matrix(w: SimpleNamespace, readers: list[Reader]) -> list[tuple[Surface, Reader]]:
    surfaces = api_surfaces(w) + page_surfaces(w) + admin_surfaces(w)
    return [(s, r) for s in surfaces for r in readers_for(s.door, readers)]


#: The matrix may grow; it must not shrink without this number being lowered on purpose.
MIN_CELLS = 2859


def test_leak_matrix(world, readers, settings, django_capture_on_commit_callbacks):
    from kb.search.indexing import index_rebuild

    backends = ["whoosh"] + (["postgres"] if connection.vendor == "postgresql" else [])
    cells = build_matrix(world, readers)
    api, page, admin = (len([s for s in api_surfaces(world)]), len(page_surfaces(world)),
                        len(admin_surfaces(world)))
    search_cells = [(s, r) for s, r in cells
                    if "/search/" in s.path]
    expected = (api * len(readers_for("api", readers))
                + page * len(readers_for("page", readers))
                + admin * len(readers_for("admin", readers)))
    assert len(cells) == expected
    assert len(readers) == 9 and {r.level for r in readers} == set(LEVELS)
    assert len(cells) >= MIN_CELLS, f"the leak matrix shrank to {len(cells)} cells"

    clients = {r.name: client_for(r) for r in readers}
    problems: list[str] = []
    run = 0
    for number, backend in enumerate(backends):
        settings.KB_SEARCH_BACKEND = backend
        index_rebuild()
        # The first backend runs every cell; a further one only the search cells.
        for surface, reader in cells if number == 0 else search_cells:
            problems += [f"{p} [search: {backend}]" if "/search/" in surface.path else p
                         for p in run_cell(surface, reader, clients[reader.name])]
            run += 1
    assert run == len(cells) + (len(backends) - 1) * len(search_cells)
    leaks = [p for p in problems if "CONTROL" not in p]
    controls = [p for p in problems if "CONTROL" in p]
    assert not problems, (
        f"{len(leaks)} leak(s) and {len(controls)} failed control(s) in {run} cells:\n"
        + "\n".join(sorted(leaks)) + "\n" + "\n".join(sorted(controls)))
