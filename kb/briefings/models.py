"""Briefing pages: the site's home page in Wagtail's tree, the briefing index at
``/briefings/`` and the briefings themselves.

A briefing carries a marking (TLP). It may not cite a record more restricted than
itself (``BriefingPage.clean``); a reader below the briefing's marking never meets it (the
index, the page, its PDF and search all go through ``visible_briefings`` / ``can_see``).
Figures are never stored on the page: blocks name records and fields, and the page shows
the consensus its reader may see (``kb.briefings.rendering``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager, PageQuerySet
from wagtail.url_routing import RouteResult

from incidents.models import Marking
from incidents.models.validation import TEXT_MAX
from incidents.visibility import can_see, markings_up_to, rank
from kb.briefings.blocks import RICH_TEXT_FEATURES, BriefingStreamBlock
from kb.briefings.forms import BriefingPageForm
from kb.briefings.permissions import BriefingPermissionTester

PDF_NAME = "briefing.pdf"


class HomePage(Page):
    """The root of the site in Wagtail's tree. Its URL (``/``) is the analyst
    dashboard, served by ``incidents.urls`` ahead of Wagtail; here only as the parent of
    the briefing index."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["briefings.BriefingIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("dashboard")


class BriefingQuerySet(PageQuerySet):
    def visible_to(self, viewer: Any) -> BriefingQuerySet:
        """Briefings whose marking ``viewer`` may see (most restrictive wins: a briefing
        never cites a record above its own marking)."""
        from incidents.visibility import clearance_for

        return self.filter(marking__in=markings_up_to(clearance_for(viewer)))


BriefingManager = PageManager.from_queryset(BriefingQuerySet)


class BriefingIndexPage(Page):
    """``/briefings/``: the published briefings its reader may see, newest first."""

    intro = RichTextField(blank=True, features=RICH_TEXT_FEATURES)

    parent_page_types = ["briefings.HomePage"]
    subpage_types = ["briefings.BriefingPage"]
    max_count = 1
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    SORTS = {"newest": ("-first_published_at", "-pk"), "oldest": ("first_published_at", "pk"),
             "title": ("title", "pk")}
    PER_PAGE = 20

    class Meta:
        verbose_name = "briefing index"

    def route(self, request: HttpRequest, path_components: list[str]) -> Any:
        # Anonymous readers are sent to log in from any path below the index, whether a
        # briefing is there or not: a login redirect must not tell a slug exists.
        if path_components and not request.user.is_authenticated:
            return RouteResult(self)
        return super().route(request, path_components)

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from kb.briefings.selectors import briefing_list

        context = super().get_context(request, *args, **kwargs)
        sort = request.GET.get("sort", "newest")
        sort = sort if sort in self.SORTS else "newest"
        rows = briefing_list(viewer=request.user, parent=self).order_by(*self.SORTS[sort])
        page = Paginator(rows, self.PER_PAGE).get_page(request.GET.get("page"))
        context.update(briefings=page, sort=sort, sorts=list(self.SORTS))
        return context


class BriefingPage(Page):
    """A briefing for leadership: live, footnoted figures, reviewed and printable."""

    summary = models.TextField(max_length=TEXT_MAX,
                               help_text="Two or three sentences: what a reader must know.")
    marking = models.CharField(
        max_length=16, choices=Marking.choices, default=Marking.GREEN,
        help_text="The briefing's TLP marking. It may not cite a record more restricted "
                  "than this; readers below it never see the briefing.")
    related_incidents = ParentalManyToManyField("incidents.Incident", blank=True,
                                                related_name="briefings")
    body = StreamField(BriefingStreamBlock(), blank=True)

    objects = BriefingManager()
    base_form_class = BriefingPageForm

    parent_page_types = ["briefings.BriefingIndexPage"]
    subpage_types: list[str] = []

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel([FieldPanel("marking"), FieldPanel("related_incidents")],
                        heading="Marking and scope"),
        InlinePanel("authors", label="Authors", min_num=1),
        FieldPanel("body"),
    ]

    class Meta:
        verbose_name = "briefing"

    def __str__(self) -> str:
        return self.title

    # --- validation -----------------------------------------------------------------
    def clean(self) -> None:
        super().clean()
        from kb.briefings.rendering import cited_records

        problems = [
            f"{label} cites “{record}” ({record.get_marking_display()}), more restricted "
            f"than this briefing ({self.get_marking_display()})"
            for label, record in cited_records(self)
            if rank(record.marking) > rank(self.marking)
        ]
        if self.pk and not problems:
            problems = [
                f"Related incident “{incident}” ({incident.get_marking_display()}) is more "
                f"restricted than this briefing ({self.get_marking_display()})"
                for incident in self.related_incidents.all()
                if rank(incident.marking) > rank(self.marking)
            ]
        if problems:
            raise ValidationError({"marking": [
                "; ".join(problems) + ". Raise the briefing's marking or remove what it "
                "cites."]})

    def permissions_for_user(self, user: Any) -> BriefingPermissionTester:
        """No admin view of a briefing above the user's clearance: a 404."""
        return BriefingPermissionTester(user, self)

    # --- serving --------------------------------------------------------------------
    def _guard(self, request: HttpRequest) -> HttpResponse | None:
        """A login for anonymous readers; a 404 (never the title) for readers below the
        briefing's marking."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_see(request.user, self):
            raise Http404("No such page")
        return None

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._guard(request) or super().serve(request, *args, **kwargs)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from kb.briefings.rendering import briefing_view

        context = super().get_context(request, *args, **kwargs)
        context["view"] = briefing_view(page=self, viewer=request.user)
        return context

    def serve_pdf(self, request: HttpRequest) -> HttpResponse:
        """``<url>briefing.pdf`` (``kb.briefings.views``): the same guard as the page."""
        from kb.briefings.pdf import briefing_pdf_response

        return self._guard(request) or briefing_pdf_response(page=self, request=request)

    def pdf_url(self) -> str:
        return f"{self.url}{PDF_NAME}" if self.url else ""

    # --- search ---------------------------------------------------------------------
    def search_document(self) -> dict[str, Any]:
        from kb.briefings.rendering import search_text

        return {
            "type": "briefing",
            "title": self.title,
            "body": search_text(self),
            "marking": self.marking,
            "actors": [a for i in self.related_incidents.all()
                       for a in (i.target_provider, i.target_system) if a is not None],
            "date": self.first_published_at.date() if self.first_published_at else None,
        }


class BriefingAuthor(Orderable):
    page = ParentalKey(BriefingPage, on_delete=models.CASCADE, related_name="authors")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)

    panels = [FieldPanel("name"), FieldPanel("role")]

    def __str__(self) -> str:
        return f"{self.name}, {self.role}" if self.role else self.name
