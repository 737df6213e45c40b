"""The shape every entity endpoint shares: visibility from the selectors, writes through
the services (with the writer's clearance), ``ETag`` on single records and ``If-Match``
checked under a row lock, JSON bodies limited in size and depth (``kb.api.parsers``),
and ``withheld_<field>`` annotations that tell the serializers where a list left hidden
records out."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import django_filters as df
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.models import Claim, ClaimStatus
from incidents.selectors import visible
from incidents.services.records import record_delete
from incidents.visibility import ORDER, clearance_for, hidden_rows
from kb.api.authentication import viewer_of
from kb.api.exceptions import PreconditionFailed
from kb.api.parsers import PARSER_CLASSES
from kb.api.renderers import CSVRenderer

SLUG_REGEX = r"[-a-zA-Z0-9_]+"
ID_REGEX = r"[0-9]+"


def etag_of(data: Any) -> str:
    """A strong validator of a representation: same JSON, same tag."""
    payload = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return '"' + hashlib.sha256(payload.encode()).hexdigest()[:32] + '"'


def check_if_match(request: Request, current: str) -> None:
    """412 unless ``If-Match`` is absent, ``*``, or lists the current ETag (strong
    comparison: weak tags never match)."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if "*" in tags:
        return
    if current not in tags:
        raise PreconditionFailed()


def attach_accepted_claims(objs: list[Any], viewer: Any) -> None:
    """Give records whose model has no ``claims`` relation the ``accepted_claims`` that
    ``incidents.figures`` reads: one query for the whole page."""
    if not objs:
        return
    model = type(objs[0])
    claims = (
        Claim.objects.filter(
            status=ClaimStatus.ACCEPTED, content_type=ContentType.objects.get_for_model(model),
            object_id__in=[o.pk for o in objs],
        )
        .visible_about_visible(viewer)
        .select_related("source")
        .order_by("field", "id")
    )
    by_object: dict[int, list[Claim]] = {}
    for claim in claims:
        by_object.setdefault(claim.object_id, []).append(claim)
    for obj in objs:
        obj.accepted_claims = by_object.get(obj.pk, [])


def withheld_annotations(queryset: models.QuerySet, viewer: Any,
                         links: dict[str, tuple[type[models.Model], dict[str, Any]]],
                         ) -> models.QuerySet:
    """``queryset`` annotated ``withheld_<name>`` for each ``name: (model, lookup)``:
    whether a row of ``model`` the viewer may not see is linked to the record
    (``lookup`` from ``model`` back to it, ``OuterRef("pk")`` for the record). One
    ``EXISTS`` in the same query; nothing at TLP:RED. Annotations a selector already
    made are kept."""
    if clearance_for(viewer) == ORDER[-1] or not links:
        return queryset
    present = set(queryset.query.annotations)
    annotations = {
        f"withheld_{name}": Exists(hidden_rows(model, viewer).filter(**lookup))
        for name, (model, lookup) in links.items() if f"withheld_{name}" not in present
    }
    return queryset.annotate(**annotations) if annotations else queryset


def m2m_links(model: type[models.Model], names: Any) -> dict[str, tuple[type, dict]]:
    """The many-to-many fields of ``model`` among ``names`` whose rows carry a marking,
    as ``withheld_annotations`` links."""
    links: dict[str, tuple[type, dict]] = {}
    for field in model._meta.many_to_many:
        related = field.related_model
        if field.name in names and isinstance(related, type) and hasattr(related, "marking"):
            links[field.name] = (related, {field.related_query_name(): OuterRef("pk")})
    return links


class NoNulQueryMixin:
    """Query parameters with NUL characters are a 400 (PostgreSQL cannot compare them)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        nul = sorted({k for k, values in request.query_params.lists()
                      for v in [k, *values] if "\x00" in v})
        if nul:
            raise ValidationError({name: "May not contain NUL characters." for name in nul})


class RequestGuardMixin(NoNulQueryMixin):
    """Requests malformed in ways DRF would let pass, refused with a 400:

    * query parameters with NUL characters (``NoNulQueryMixin``);
    * an empty value for a parameter that is not free text (a date, a number, a choice):
      django-filter would ignore it and answer as if it were absent;
    * PUT or PATCH without a body.

    Errors are always JSON, even for ``?format=csv``: a client reads them the same way.
    """

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)  # type: ignore[misc]
        request = getattr(self, "request", None)
        if request is not None and not isinstance(
            getattr(request, "accepted_renderer", None), JSONRenderer | BrowsableAPIRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return response

    def free_text_parameters(self) -> set[str]:
        names = {"search", "ordering"}
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None and getattr(self, "filter_backends", None):
            names |= {name for name, f in filterset_class.base_filters.items()
                      if isinstance(f, df.CharFilter)}
        return names

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(self, (request.method or "").lower(), None) is None:
            return  # not a method of this endpoint: the 405 comes next
        free = self.free_text_parameters()
        empty = sorted(k for k, values in request.query_params.lists()
                       if k not in free and any(v == "" for v in values))
        if empty:
            raise ValidationError({name: "May not be empty; leave it out instead."
                                   for name in empty})
        if request.method in {"PUT", "PATCH"} and not int(
            request.META.get("CONTENT_LENGTH") or 0
        ):
            raise ValidationError("A JSON body is required.")


class EntityViewSet(RequestGuardMixin, viewsets.ModelViewSet):
    """List, detail, create, update (PUT / PATCH) and delete for one entity."""

    model: type[models.Model]
    parser_classes = PARSER_CLASSES
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    ordering_fields: list[str] = []
    search_fields: list[str] = []
    claims_without_relation = False  # models with claims but no ``claims`` relation
    #: Lists the serializer reads from a visible-only prefetch besides the model's
    #: many-to-many fields: name → (model, lookup back to the record).
    extra_withheld: dict[str, tuple[type[models.Model], dict[str, Any]]] = {}

    # -- reads ------------------------------------------------------------------------
    def build_queryset(self, viewer: Any) -> models.QuerySet:
        """Visible rows with what the serializer renders; subclasses add their joins."""
        return visible(self.model._default_manager.all(), viewer)

    def withheld_links(self) -> dict[str, tuple[type[models.Model], dict[str, Any]]]:
        names = set(getattr(getattr(self.get_serializer_class(), "Meta", None), "fields", ()))
        return {**m2m_links(self.model, names), **self.extra_withheld}

    def get_queryset(self) -> models.QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.model._default_manager.none()
        viewer = viewer_of(self.request)
        return withheld_annotations(self.build_queryset(viewer), viewer, self.withheld_links())

    @property
    def queryset(self) -> models.QuerySet:  # type: ignore[override]
        # Permissions read ``view.queryset.model``; rows always come from get_queryset.
        return self.model._default_manager.none()

    def get_renderers(self) -> list[Any]:
        renderers = super().get_renderers()
        # CSV for lists only; an unmapped method (action None) still negotiates, then 405s.
        if getattr(self, "action", None) not in {"list", None}:
            renderers = [r for r in renderers if not isinstance(r, CSVRenderer)]
        return renderers

    def decorate(self, objs: list[Any]) -> None:
        """Load what a page of records needs beyond its queryset (one query per kind)."""
        if self.claims_without_relation:
            attach_accepted_claims(objs, viewer_of(self.request))

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            self.decorate(page)
        return page

    def get_object(self) -> Any:
        value = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if "\x00" in value:
            raise Http404  # no record has such a key; and PostgreSQL rejects NUL
        obj = super().get_object()
        self.decorate([obj])
        return obj

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.object_response(self.get_object())

    def object_response(self, instance: Any, status_code: int = status.HTTP_200_OK) -> Response:
        data = self.get_serializer(instance).data
        response = Response(data, status=status_code)
        response["ETag"] = etag_of(data)
        return response

    def reload(self, instance: Any) -> Any:
        """The instance as a fresh read shows it (figures, relations, all prefetched)."""
        fresh = self.get_queryset().get(pk=instance.pk)
        self.decorate([fresh])
        return fresh

    def current_etag(self, instance: Any) -> str:
        return etag_of(self.get_serializer(instance).data)

    # -- writes -----------------------------------------------------------------------
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = serializer.save()
        return self.object_response(self.reload(instance), status.HTTP_201_CREATED)

    def locked_object(self) -> Any:
        """The record, with its row locked until the transaction ends, so the ETag
        checked is the one the write replaces."""
        instance = self.get_object()
        type(instance).objects.select_for_update().filter(pk=instance.pk).first()
        return self.reload(instance)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.locked_object()
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            check_if_match(request, self.current_etag(instance))
            instance = serializer.save()
        return self.object_response(self.reload(instance))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            instance = self.locked_object()
            check_if_match(request, self.current_etag(instance))
            self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_destroy(self, instance: Any) -> None:
        # Refused (409) if the delete would reach records the writer may not see.
        record_delete(instance=instance, user=self.request.user,
                      viewer=viewer_of(self.request))
