"""The letters endpoints: the entity's CRUD (a sent letter is read-only), the review
workflow as actions (submit, approve, reject, send, correct), a draft from an incident,
the Word / PDF / ZIP exports and the recipients search.

Every step goes through ``kb.letters.services`` and Wagtail's own workflow (the "Letter
review" group approval task of ``kb.letters.workflow``); ``status`` follows each step
(``letter_status_follow``). What a reader meets is what its credential may see: the
addressees, the salutation, the exports and the search name no record above it.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import Prefetch, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from wagtail.models import WorkflowState

from incidents.models import (
    Actor,
    ActorKind,
    CommitteeMembership,
    Incident,
    Letter,
    LetterStatus,
    Relationship,
)
from incidents.selectors import accepted_claims_prefetch, visible
from incidents.visibility import clearance_for
from kb.api import filters
from kb.api.authentication import viewer_of
from kb.api.serializers import entities as s
from kb.api.serializers import letters as ls
from kb.api.views.base import EntityViewSet

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
ZIP = "application/zip"
EXPORT_ACTIONS = {"export_docx", "export_pdf", "export_zip"}
NOT_IN_REVIEW = "This letter is not in review: submit it first."
NOT_A_REVIEWER = "Only the review task's approvers (the Moderators) may approve or reject."

RECIPIENT_PARAM = OpenApiParameter(
    "recipient", str, required=False,
    description="Slug of one recipient: the letter addressed to them alone (404 if the "
                "letter has no such recipient this credential may see).")
LETTER_RESPONSE = OpenApiResponse(s.LetterSerializer, description="The letter.")


def _visible(model: type[models.Model], viewer: Any) -> models.QuerySet:
    return visible(model._default_manager.all(), viewer)


class ViewerRequest:
    """The request as the exports read it, its ``user`` the credential's viewer (a
    token reads at its own clearance, which may be below its user's)."""

    def __init__(self, request: Request, viewer: Any) -> None:
        self._request = request
        self.user = viewer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def _flag(request: Request, name: str, default: bool) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw == "1":
        return True
    if raw == "0":
        return False
    raise ValidationError({name: "Use 1 or 0."})


def seats_attach(actors: list[Actor], viewer: Any, committee: Actor | None = None) -> None:
    """Each member's seats on committees ``viewer`` may see (``_seats``), and with
    ``committee`` the title of their seat on it (``_seat_title``): one query."""
    members = [a for a in actors if a.kind == ActorKind.LEGISLATOR]
    rows = (CommitteeMembership.objects
            .filter(relationship__in=_visible(Relationship, viewer),
                    relationship__kind="member_of",
                    relationship__subject__in=members)
            .select_related("relationship__object_actor")
            .order_by("relationship__object_actor__name", "pk")) if members else []
    seats: dict[int, list[dict[str, str]]] = {}
    titles: dict[int, str] = {}
    for row in rows:
        seat_of = row.relationship.object_actor
        if seat_of is None:
            continue
        member_id = row.relationship.subject_id
        seats.setdefault(member_id, []).append(
            {"committee": seat_of.slug, "name": seat_of.name, "title": row.title})
        if committee is not None and seat_of.pk == committee.pk:
            titles[member_id] = row.title
    for actor in actors:
        actor._seats = seats.get(actor.pk, [])  # type: ignore[attr-defined]
        actor._seat_title = titles.get(actor.pk, "")  # type: ignore[attr-defined]


class LetterViewSet(EntityViewSet):
    """Letters to lawmakers, found in the record or drafted by the policy team. A sent
    letter is read-only (correct it with a new letter); ``status`` and ``sent_on``
    change only through the workflow actions."""

    model = Letter
    serializer_class = s.LetterSerializer
    filterset_class = filters.LetterFilter
    ordering_fields = ["date", "sent_on", "slug", "subject", "status", "created_at"]
    search_fields = ["subject", "slug", "summary"]
    # The workflow actions change the letter (``incidents.change_letter``); correcting
    # a sent one makes a new letter, as drafting from an incident does (``add_letter``).
    action_permissions = {"correct": "add"}

    def build_queryset(self, viewer: Any) -> models.QuerySet:
        return (
            _visible(Letter, viewer)
            .select_related("sender", "corrects")
            .prefetch_related(
                Prefetch("recipients", queryset=_visible(Actor, viewer)),
                Prefetch("incidents", queryset=_visible(Incident, viewer)),
                accepted_claims_prefetch(viewer),
            )
            .order_by("-date", "slug")
        )

    def decorate(self, objs: list[Any]) -> None:
        super().decorate(objs)
        letters = [o for o in objs if isinstance(o, Letter)]
        if letters:
            ls.body_refs_attach(letters, viewer_of(self.request))

    def free_text_parameters(self) -> set[str]:
        names = super().free_text_parameters()
        action = getattr(self, "action", None)
        if action == "recipients":
            names |= {"q", "committee"}  # an empty slug matches nothing, as an unknown one
        elif action in EXPORT_ACTIONS:
            names.add("recipient")  # empty: the joint letter
        return names

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        if getattr(self, "action", None) in EXPORT_ACTIONS:
            # A file, whatever Accept or ?format says (``format`` picks the zip's files).
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    # -- writes: a sent letter is read-only ------------------------------------------
    def locked_object(self) -> Any:
        from kb.letters.services import letter_edit_check

        instance = super().locked_object()
        letter_edit_check(letter=instance)  # PUT, PATCH and DELETE of a sent letter: 400
        return instance

    # -- the workflow ------------------------------------------------------------------
    def _step_result(self, letter: Letter, status_code: int = status.HTTP_200_OK) -> Response:
        return self.object_response(self.reload(letter), status_code)

    def _fresh(self, letter: Letter) -> Letter:
        return Letter.objects.get(pk=letter.pk)

    @extend_schema(request=None, responses={200: LETTER_RESPONSE}, summary=(
        "Submit the letter for review (status in_review)"), description=(
        "Saves a revision and starts the \"Letter review\" workflow (or resumes it after "
        "changes were requested). 400 for a sent letter or one already in review."))
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from kb.letters.services import letter_status_follow

        with transaction.atomic():
            letter = self.locked_object()
            workflow = letter.get_workflow()
            if workflow is None:
                raise ValidationError({"status": "Letters have no review workflow; "
                                                 "ask an administrator to assign one."})
            state = letter.current_workflow_state
            if state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS:
                raise ValidationError({"status": "This letter is already in review."})
            letter.save_revision(user=request.user)
            if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
                state.resume(user=request.user)
            else:
                workflow.start(letter, request.user)
            letter_status_follow(letter=self._fresh(letter), status=LetterStatus.IN_REVIEW)
        return self._step_result(letter)

    def _task_action(self, request: Request, name: str) -> Response:
        from kb.letters.services import letter_status_follow

        body = ls.WorkflowActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            letter = self.locked_object()
            task_state = letter.current_workflow_task_state
            if task_state is None:
                raise ValidationError({"status": NOT_IN_REVIEW})
            task = task_state.task.specific
            if name not in {a[0] for a in task.get_actions(letter, request.user)}:
                raise PermissionDenied(NOT_A_REVIEWER)
            task.on_action(task_state, request.user, name,
                           comment=body.validated_data.get("comment", ""))
            state = WorkflowState.objects.get(pk=task_state.workflow_state_id)
            follow = {WorkflowState.STATUS_APPROVED: LetterStatus.APPROVED,
                      WorkflowState.STATUS_NEEDS_CHANGES: LetterStatus.DRAFT,
                      }.get(state.status, LetterStatus.IN_REVIEW)
            letter_status_follow(letter=self._fresh(letter), status=follow)
        return self._step_result(letter)

    @extend_schema(request=ls.WorkflowActionSerializer, responses={200: LETTER_RESPONSE},
                   summary="Approve the letter in review (status approved)", description=(
                       "The review task's approvers only (403 for anyone else); the last "
                       "approval publishes the letter. 400 if it is not in review."))
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._task_action(request, "approve")

    @extend_schema(request=ls.WorkflowActionSerializer, responses={200: LETTER_RESPONSE},
                   summary="Request changes to the letter in review (status draft)",
                   description="The review task's approvers only (403 for anyone else).")
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._task_action(request, "reject")

    @extend_schema(request=ls.SendSerializer, responses={200: LETTER_RESPONSE},
                   summary="Mark the approved letter sent (status sent)", description=(
                       "Stores the sent date (today by default), snapshots the figures it "
                       "cites, puts it on its incidents' timelines and links the sender "
                       "to each recipient. 400 unless it is approved and has a sender and "
                       "a recipient."))
    @action(detail=True, methods=["post"])
    def send(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from kb.letters.services import letter_send

        body = ls.SendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            letter = self.get_object()
            letter_send(letter=letter, user=request.user,
                        sent_on=body.validated_data.get("sent_on"))
        return self._step_result(letter)

    @extend_schema(request=None, responses={201: LETTER_RESPONSE},
                   summary="Correct the sent letter with a new draft", description=(
                       "A new draft with the same recipients, incidents, body and signer, "
                       "its corrects naming this letter (unchanged). 400 unless sent."))
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from kb.letters.services import letter_correct

        with transaction.atomic():
            letter = self.get_object()
            correction = letter_correct(letter=letter, user=request.user)
        return self._step_result(correction, status.HTTP_201_CREATED)

    @extend_schema(request=ls.FromIncidentSerializer, responses={201: LETTER_RESPONSE},
                   summary="Draft a letter about an incident", description=(
                       "Subject, incident, recipients and a body with the incident's "
                       "summary, key figures and timeline as fact blocks (only what this "
                       "credential may see)."))
    @action(detail=False, methods=["post"], url_path="from-incident")
    def from_incident(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        from kb.letters.services import letter_from_incident

        body = ls.FromIncidentSerializer(data=request.data,
                                         context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        viewer = viewer_of(request)
        # The draft holds what the credential may see: a token below its user's
        # clearance drafts as the token (the history then names no user).
        author = request.user if clearance_for(viewer) == clearance_for(request.user) \
            else viewer
        letter = letter_from_incident(
            incident=body.validated_data["incident"], user=author,
            recipients=list(body.validated_data.get("recipients") or []),
            sender=body.validated_data.get("sender"))
        return self._step_result(letter, status.HTTP_201_CREATED)

    # -- exports -----------------------------------------------------------------------
    def _export(self, request: Request, fmt: str) -> Any:
        from kb.letters.export import letter_export_response

        letter = self.get_object()
        return letter_export_response(
            letter=letter, request=ViewerRequest(request, viewer_of(request)),  # type: ignore[arg-type]
            fmt=fmt, recipient_slug=request.query_params.get("recipient") or None)

    @extend_schema(operation_id="letters_export_docx", parameters=[RECIPIENT_PARAM],
                   responses={(200, DOCX): OpenApiTypes.BINARY},
                   summary="The letter as a Word document", description=(
                       "Every cited figure footnoted with its sources; the joint letter, "
                       "or with ?recipient= the letter addressed to one recipient."))
    @action(detail=True, methods=["get"], url_path="export.docx")
    def export_docx(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return self._export(request, "docx")

    @extend_schema(operation_id="letters_export_pdf", parameters=[RECIPIENT_PARAM],
                   responses={(200, PDF): OpenApiTypes.BINARY},
                   summary="The letter as a PDF", description=(
                       "The joint letter, or with ?recipient= the letter addressed to one "
                       "recipient."))
    @action(detail=True, methods=["get"], url_path="export.pdf")
    def export_pdf(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return self._export(request, "pdf")

    @extend_schema(operation_id="letters_export_zip", parameters=[OpenApiParameter(
        "format", str, enum=["docx", "pdf"], required=False,
        description="The files' format (default docx).")],
        responses={(200, ZIP): OpenApiTypes.BINARY},
        summary="One personalised document per recipient, zipped", description=(
            "One file per recipient this credential may see, each addressed to them."))
    @action(detail=True, methods=["get"], url_path="export.zip")
    def export_zip(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        fmt = request.query_params.get("format", "docx")
        if fmt not in {"docx", "pdf"}:
            raise ValidationError({"format": "One of: docx, pdf."})
        return self._export(request, f"zip-{fmt}")

    # -- the recipients search ------------------------------------------------------------
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=False, description=(
                "Words of a name or alias, a Bioguide id or a committee code.")),
            OpenApiParameter("kind", str, enum=list(ls.RECIPIENT_KINDS), required=False,
                             description="Members (legislator) or committees only."),
            OpenApiParameter("committee", str, required=False, description=(
                "Slug of a committee: its chair and ranking member (or, with leaders=0, "
                "all its members), most senior first. An unknown or hidden slug matches "
                "nothing.")),
            OpenApiParameter("leaders", str, enum=["1", "0"], required=False,
                             description="With committee: leaders only (1, the default) or "
                                         "all members (0)."),
        ],
        responses={200: ls.RecipientSerializer(many=True)},
        summary="Search members of Congress and committees to address",
        description=("Members and committees this credential may see, matching q, each "
                     "member with their seats on visible committees; with committee, its "
                     "leaders or members (only the seats this credential may see)."),
    )
    @action(detail=False, methods=["get"], url_path="recipients", filter_backends=[])
    def recipients(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        viewer = viewer_of(request)
        query = (request.query_params.get("q") or "").strip()
        kind = request.query_params.get("kind")
        if kind is not None and kind not in ls.RECIPIENT_KINDS:
            raise ValidationError({"kind": f"One of: {', '.join(ls.RECIPIENT_KINDS)}."})
        leaders = _flag(request, "leaders", True)
        kinds = [kind] if kind else list(ls.RECIPIENT_KINDS)
        actors = _visible(Actor, viewer).filter(kind__in=kinds)
        if query:
            actors = actors.filter(
                Q(name__icontains=query) | Q(aliases__icontains=query)
                | Q(bioguide_id__iexact=query) | Q(committee_code__iexact=query)
                | Q(slug__iexact=query))
        committee_slug = request.query_params.get("committee")
        committee: Actor | None = None
        rows: Any
        if committee_slug is not None:
            from kb.letters.addressing import committee_recipients

            committee = _visible(Actor, viewer).filter(
                slug=committee_slug, kind=ActorKind.COMMITTEE).first()
            if committee is None:
                rows = []
            else:
                seated = set(_visible(Relationship, viewer).filter(
                    kind="member_of", object_actor=committee).values_list("subject_id",
                                                                           flat=True))
                allowed = set(actors.filter(pk__in=seated).values_list("pk", flat=True))
                rows = [a for a in committee_recipients(committee, leaders_only=leaders)
                        if a.pk in allowed]
        else:
            rows = actors.order_by("name", "pk")
        paginator: Any = self.paginator
        page: list[Any] | None = paginator.paginate_queryset(rows, request, view=self)
        shown = list(page if page is not None else rows)
        seats_attach(shown, viewer, committee)
        data = ls.RecipientSerializer(shown, many=True).data
        if page is not None:
            return self.get_paginated_response(data)
        return Response(data)
