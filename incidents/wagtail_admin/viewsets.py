"""Snippet viewsets for every domain model, grouped into admin menus.

Editing goes through Wagtail's own create / edit actions: they run the model's
``full_clean`` (the same validation the services run, so the messages match), save a
revision for models with ``RevisionMixin`` and write the log entries the history view
shows. ``incidents/wagtail_hooks.py`` registers each entry of ``VIEWSETS``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from incidents.models import (
    Account,
    AccountCluster,
    Actor,
    Campaign,
    Capability,
    Claim,
    Clearance,
    Coverage,
    Event,
    ExchangeVolume,
    Incident,
    Letter,
    Relationship,
    Source,
    Technique,
)
from incidents.visibility import clearance_for, rank
from incidents.wagtail_admin.base import (
    JSON_TEXTAREA,
    DomainViewSet,
    count_column,
    date_column,
    filter_set,
    number_column,
)
from incidents.wagtail_admin.claims import (
    ClaimAdminForm,
    ClaimStatementPanel,
    claim_column,
    subject_inputs,
)
from incidents.wagtail_admin.forms import (
    ClaimCopyView,
    ClaimCreateView,
    ClaimEditView,
    ClaimInspectView,
    FigurePanel,
    RelationshipAdminForm,
    claim_panels,
)

MARKING = FieldPanel("marking")
STATUS_HELP = ("New claims are pending; they are accepted or rejected in the review queue "
               "(Provenance menu), which records the reviewer.")

# --- Knowledge base ------------------------------------------------------------------


class IncidentViewSet(DomainViewSet):
    model = Incident
    icon = "warning"
    list_display = [
        "title",
        "status",
        date_column("disclosed_on", "disclosed_precision", "Disclosed"),
        "target_provider",
        "marking",
        UpdatedAtColumn(),
    ]
    list_select_related = ("target_provider",)
    filterset_class = filter_set(
        Incident, ["status", "marking", "target_provider"], periods=("disclosed_on",)
    )
    search_fields = ["title", "slug", "summary"]
    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("status"), MARKING]),
        FieldRowPanel([FieldPanel("target_provider"), FieldPanel("target_system")]),
        FieldRowPanel([FigurePanel("disclosed_on"), FigurePanel("disclosed_precision")]),
        *claim_panels(Incident),
        FieldPanel("summary"),
    ]


class CampaignViewSet(DomainViewSet):
    model = Campaign
    icon = "crosshairs"
    list_display = [
        "name",
        "incident",
        "parent",
        date_column("start_date", "start_precision", "Start"),
        date_column("end_date", "end_precision", "End"),
        count_column("exchanges", "exchanges_qualifier", "Exchanges"),
        count_column("accounts", "accounts_qualifier", "Accounts"),
        "marking",
    ]
    list_select_related = ("incident", "parent")
    filterset_class = filter_set(
        Campaign,
        ["incident", "parent", "operators", "capabilities", "techniques", "marking"],
        periods=("start_date", "end_date"),
    )
    search_fields = ["name", "slug", "description"]
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("incident"), FieldPanel("parent")]),
        FieldPanel("operators"),
        MultiFieldPanel(
            [
                FieldRowPanel([FigurePanel("start_date"), FigurePanel("start_precision")]),
                FieldRowPanel([FigurePanel("end_date"), FigurePanel("end_precision")]),
                FieldRowPanel([FigurePanel("exchanges"), FigurePanel("exchanges_qualifier")]),
                FieldRowPanel([FigurePanel("accounts"), FigurePanel("accounts_qualifier")]),
            ],
            heading="Period and figures",
            help_text="Shown values: the consensus of the accepted claims. Enter a figure "
            "with its source when creating the campaign; afterwards a figure changes "
            "only through a claim.",
        ),
        *claim_panels(Campaign),
        FieldPanel("capabilities", widget=forms.CheckboxSelectMultiple),
        FieldPanel("techniques", widget=forms.CheckboxSelectMultiple),
        FieldPanel("description"),
        MARKING,
    ]


class ActorViewSet(DomainViewSet):
    model = Actor
    icon = "user"
    list_display = ["name", "kind", "country", "parent", "region", "marking", UpdatedAtColumn()]
    list_select_related = ("parent",)
    list_filter = ["kind", "country", "region", "language", "marking"]
    search_fields = ["name", "slug", "aliases", "description", "country"]
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("parent")]),
        FieldPanel("aliases", widget=JSON_TEXTAREA),
        FieldPanel("external_ids", widget=JSON_TEXTAREA),
        FieldRowPanel([FieldPanel("country"), FieldPanel("region"), FieldPanel("language")]),
        FieldPanel("url"),
        FieldPanel("description"),
        MARKING,
    ]


class LetterViewSet(DomainViewSet):
    """Letters, drafted and reviewed in the admin (issue 11): Wagtail's workflow
    ("Letter review") for review, and the letter's own views (``kb.letters.admin_views``:
    mark sent, correct, new from an incident, add a committee, downloads). ``status`` and
    ``sent_on`` are shown, never typed: they follow the workflow and "Mark sent"."""

    model = Letter
    icon = "mail"
    list_display = ["subject", "sender", date_column("date", "date_precision", "Date"), "status",
                    date_column("sent_on", label="Sent on"), "marking", UpdatedAtColumn()]
    list_select_related = ("sender",)
    filterset_class = filter_set(
        Letter, ["status", "sender", "recipients", "incidents", "marking"], periods=("date",)
    )
    search_fields = ["subject", "slug", "summary"]

    @property
    def index_view_class(self) -> Any:  # type: ignore[override]
        from kb.letters.admin_views import LetterIndexView

        return LetterIndexView

    @property
    def edit_view_class(self) -> Any:  # type: ignore[override]
        from kb.letters.admin_views import LetterEditView

        return LetterEditView

    @property
    def edit_handler(self) -> Any:
        from kb.letters.forms import LetterAdminForm

        return ObjectList([
            FieldPanel("subject"),
            FieldPanel("slug"),
            FieldPanel("sender"),
            FieldPanel("recipients"),
            FieldPanel("incidents", widget=forms.CheckboxSelectMultiple),
            FieldRowPanel([FigurePanel("date"), FigurePanel("date_precision")]),
            *claim_panels(Letter),
            FieldPanel("summary"),
            FieldPanel("body"),
            FieldRowPanel([FieldPanel("signer_name"), FieldPanel("signer_title")]),
            MARKING,
            FieldRowPanel([FieldPanel("status", read_only=True),
                           FieldPanel("sent_on", read_only=True)],
                          heading="Where it stands",
                          help_text="Follows the review workflow and “Mark sent”."),
        ], base_form_class=LetterAdminForm)


class CoverageViewSet(DomainViewSet):
    model = Coverage
    icon = "globe"
    list_display = ["title", "outlet", date_column("published_on", label="Published"), "region",
                    "lens", "marking"]
    list_select_related = ("outlet",)
    filterset_class = filter_set(
        Coverage,
        ["outlet", "region", "language", "incidents", "marking"],
        periods=("published_on",),
    )
    search_fields = ["title", "url", "summary", "lens", "quotes"]
    panels = [
        FieldPanel("title"),
        FieldPanel("url"),
        FieldRowPanel([FieldPanel("outlet"), FieldPanel("published_on")]),
        FieldRowPanel([FieldPanel("region"), FieldPanel("language"), FieldPanel("lens")]),
        FieldPanel("incidents"),
        FieldPanel("summary"),
        FieldPanel("quotes", widget=JSON_TEXTAREA),
        FieldPanel("content_hash"),
        MARKING,
    ]


class EventViewSet(DomainViewSet):
    model = Event
    icon = "date"
    list_display = ["title", "kind", date_column("date", "precision", "Date"),
                    number_column("value", "unit", "Value"), "marking"]
    filterset_class = filter_set(
        Event, ["kind", "incidents", "actors", "marking"], periods=("date",)
    )
    search_fields = ["title", "slug", "description"]
    # Events derived from a campaign, letter or coverage item are rewritten from it;
    # where they came from is shown in the inspect view, not edited.
    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("kind"), FigurePanel("date"), FigurePanel("precision")]),
        FieldRowPanel([FigurePanel("value"), FieldPanel("unit")]),
        *claim_panels(Event),
        FieldPanel("incidents"),
        FieldPanel("actors"),
        FieldPanel("description"),
        MARKING,
    ]


# --- Evidence ------------------------------------------------------------------------


class SourceViewSet(DomainViewSet):
    model = Source
    icon = "doc-full"
    list_display = ["title", "kind", "publisher", date_column("published_on", label="Published"),
                    "reliability", "marking"]
    list_select_related = ("publisher",)
    filterset_class = filter_set(
        Source, ["kind", "reliability", "publisher", "marking"], periods=("published_on",)
    )
    search_fields = ["title", "key", "url", "text"]
    panels = [
        FieldPanel("title"),
        FieldPanel("key"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("reliability")]),
        FieldPanel("url"),
        FieldRowPanel([FieldPanel("publisher"), FieldPanel("published_on")]),
        FieldRowPanel([FieldPanel("coverage"), FieldPanel("letter")]),
        FieldPanel("text"),
        FieldRowPanel([FieldPanel("sha256"), FieldPanel("retrieved_at")]),
        MARKING,
    ]


class ClaimViewSet(DomainViewSet):
    model = Claim
    icon = "openquote"
    add_view_class = ClaimCreateView
    edit_view_class = ClaimEditView
    copy_view_class = ClaimCopyView
    inspect_view_class = ClaimInspectView
    list_display = [
        Column("claim", label="Claim", accessor=claim_column),
        Column("subject", label="Subject"),
        "status",
        "credibility",
        "marking",
        UpdatedAtColumn(),
    ]
    list_select_related = ("source", "content_type")
    list_filter = ["status", "kind", "field", "content_type", "object_id", "qualifier", "source",
                   "marking"]
    search_fields = ["field", "quote", "note", "source__title"]
    inspect_view_fields_exclude = ["fingerprint"]
    edit_handler = ObjectList(
        [
            ClaimStatementPanel(),
            MultiFieldPanel(
                [FieldPanel("subject_type"), *[FieldPanel(name) for name in subject_inputs()]],
                heading="Subject",
                help_text="The record the claim is about: its type, then the record.",
            ),
            FieldPanel("field"),
            MultiFieldPanel(
                [FieldPanel("value_count"), FieldPanel("value_number"),
                 FieldPanel("ratio_of"), FieldPanel("value_date"),
                 FieldPanel("value_actors"), FieldPanel("qualifier"),
                 FieldPanel("precision")],
                heading="Value",
                help_text="What the source states, in the form the field takes.",
            ),
            FieldPanel("source"),
            FieldPanel("quote"),
            FieldRowPanel(
                [FigurePanel("status", help_text=STATUS_HELP), FieldPanel("credibility")],
            ),
            FieldPanel("note"),
            MARKING,
        ],
        base_form_class=ClaimAdminForm,
    )

    def get_queryset(self, request: Any) -> QuerySet[Claim]:
        return super().get_queryset(request).prefetch_related("subject")


class RelationshipViewSet(DomainViewSet):
    model = Relationship
    icon = "link"
    list_display = ["__str__", "kind", date_column("start_date", "precision", "Start"),
                    date_column("end_date", "precision", "End"), "marking", UpdatedAtColumn()]
    list_select_related = ("subject", "object_actor", "object_incident")
    filterset_class = filter_set(
        Relationship,
        ["kind", "subject", "object_actor", "object_incident", "marking"],
        periods=("start_date",),
    )
    search_fields = ["subject__name", "object_actor__name", "object_incident__title", "description"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("subject"), FieldPanel("kind")]),
            FieldRowPanel(
                [FieldPanel("object_actor"), FieldPanel("object_incident")],
                heading="Object",
                help_text="Exactly one: an actor or an incident.",
            ),
            FieldRowPanel(
                [FieldPanel("start_date"), FieldPanel("end_date"), FieldPanel("precision")]
            ),
            FieldPanel("sources"),
            FieldPanel("description"),
            MARKING,
        ],
        base_form_class=RelationshipAdminForm,
    )


# --- Figures -------------------------------------------------------------------------


class AccountClusterViewSet(DomainViewSet):
    model = AccountCluster
    icon = "group"
    list_display = [
        "label",
        "campaign",
        count_column("count", "qualifier", "Accounts"),
        date_column("first_seen", label="First seen"),
        date_column("last_seen", label="Last seen"),
        "marking",
    ]
    list_select_related = ("campaign",)
    filterset_class = filter_set(
        AccountCluster, ["campaign", "qualifier", "marking"], periods=("first_seen",)
    )
    search_fields = ["label", "campaign__name", "detection_signals"]
    panels = [
        FieldRowPanel([FieldPanel("label"), FieldPanel("campaign")]),
        FieldRowPanel([FigurePanel("count"), FigurePanel("qualifier")]),
        *claim_panels(AccountCluster),
        FieldPanel("detection_signals", widget=JSON_TEXTAREA),
        FieldRowPanel([FieldPanel("first_seen"), FieldPanel("last_seen")]),
        MARKING,
    ]


class AccountViewSet(DomainViewSet):
    model = Account
    icon = "key"
    copy_view_enabled = False  # the hash is unique: a copy could never be saved as is
    list_display = ["__str__", "cluster", "created_on", "banned_on", "marking"]
    list_select_related = ("cluster__campaign",)
    filterset_class = filter_set(Account, ["cluster", "marking"], periods=("banned_on",))
    search_fields = ["external_id_hash", "cluster__label"]
    panels = [
        FieldPanel("external_id_hash"),
        FieldPanel("cluster"),
        FieldRowPanel([FieldPanel("created_on"), FieldPanel("banned_on")]),
        MARKING,
    ]


class ExchangeVolumeViewSet(DomainViewSet):
    model = ExchangeVolume
    icon = "decimal"
    list_display = [
        "__str__",
        "campaign",
        count_column("count", "qualifier", "Exchanges"),
        "granularity",
        date_column("period_start", label="Period start"),
        date_column("period_end", label="Period end"),
        "marking",
    ]
    list_select_related = ("campaign",)
    filterset_class = filter_set(
        ExchangeVolume,
        ["campaign", "granularity", "capability", "account_cluster", "marking"],
        periods=("period_start",),
    )
    search_fields = ["campaign__name", "campaign__slug"]
    panels = [
        FieldPanel("campaign"),
        FieldRowPanel([FigurePanel("count"), FigurePanel("qualifier"), FieldPanel("granularity")]),
        *claim_panels(ExchangeVolume),
        FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")]),
        FieldRowPanel([FieldPanel("capability"), FieldPanel("account_cluster")]),
        MARKING,
    ]


# --- Vocabularies and access ---------------------------------------------------------


class VocabularyViewSet(DomainViewSet):
    """Capabilities and techniques: small named lists with an optional external id."""

    list_display = ["name", "slug", "external_id", "marking", UpdatedAtColumn()]
    list_filter = ["marking"]
    search_fields = ["name", "slug", "description", "external_id"]
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("external_id"),
        FieldPanel("description"),
        MARKING,
    ]


class CapabilityViewSet(VocabularyViewSet):
    model = Capability
    icon = "tasks"


class TechniqueViewSet(VocabularyViewSet):
    model = Technique
    icon = "cogs"


class ClearanceForm(WagtailAdminModelForm):
    """An administrator grants at most their own clearance, and not to themselves."""

    def clean_user(self) -> Any:
        user = self.cleaned_data.get("user")
        editor = getattr(self, "for_user", None)
        if (editor is not None and not editor.is_superuser and user is not None
                and user.pk == editor.pk):
            raise forms.ValidationError("Your own clearance is set by another administrator.")
        return user

    def clean_level(self) -> Any:
        level = self.cleaned_data.get("level")
        editor = getattr(self, "for_user", None)
        if editor is not None and not editor.is_superuser and level and (
                rank(level) > rank(clearance_for(editor))):
            raise forms.ValidationError(
                f"You may grant up to your own clearance ({clearance_for(editor)}).")
        return level


class ClearanceViewSet(DomainViewSet):
    """Who may see which markings; kept with Wagtail's own user settings. Superusers and
    administrators (``access.AdministratorsOnlyPolicy``): the menu item, the listing and
    the forms are refused to everyone else; nobody edits their own row."""

    model = Clearance
    icon = "lock"
    add_to_settings_menu = True
    copy_view_enabled = False  # one clearance per user
    list_display = ["user", "level"]
    list_select_related = ("user",)
    list_filter = ["level"]
    search_fields = ["user__username", "user__email"]
    edit_handler = ObjectList([FieldPanel("user"), FieldPanel("level")],
                              base_form_class=ClearanceForm)

    def construct_view(self, view_class: Any, **kwargs: Any) -> Any:
        view = super().construct_view(view_class, **kwargs)
        if view_class not in (self.edit_view_class, self.delete_view_class):
            return view

        def own_row_refused(request: Any, *args: Any, **kw: Any) -> Any:
            """Nobody but a superuser edits or deletes their own clearance."""
            pk = kw.get("pk")
            if (pk is not None and not request.user.is_superuser
                    and Clearance.objects.filter(pk=str(pk), user=request.user).exists()):
                from wagtail.admin.auth import permission_denied

                return permission_denied(request)
            return view(request, *args, **kw)

        return own_row_refused


class KnowledgeBaseGroup(SnippetViewSetGroup):
    menu_label = "Knowledge base"
    menu_icon = "folder-open-inverse"
    menu_order = 200
    items = (
        IncidentViewSet,
        CampaignViewSet,
        ActorViewSet,
        LetterViewSet,
        CoverageViewSet,
        EventViewSet,
    )


class EvidenceGroup(SnippetViewSetGroup):
    menu_label = "Evidence"
    menu_icon = "openquote"
    menu_order = 210
    items = (SourceViewSet, ClaimViewSet, RelationshipViewSet)


class FiguresGroup(SnippetViewSetGroup):
    menu_label = "Figures"
    menu_icon = "decimal"
    menu_order = 220
    items = (AccountClusterViewSet, AccountViewSet, ExchangeVolumeViewSet)


class VocabulariesGroup(SnippetViewSetGroup):
    menu_label = "Vocabularies"
    menu_icon = "tag"
    menu_order = 230
    items = (CapabilityViewSet, TechniqueViewSet)


VIEWSETS: list = [
    KnowledgeBaseGroup,
    EvidenceGroup,
    FiguresGroup,
    VocabulariesGroup,
    ClearanceViewSet,
]
