"""API views: they parse, call one service or selector, and shape the answer."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from djangorestframework_camel_case.parser import CamelCaseJSONParser
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .. import documents, idempotency, selectors, services
from ..exceptions import InvalidParam
from ..models import Aanvraag, Document, Voorziening
from ..rules import looks_like_bsn
from .exceptions import Conflict, InvalidQueryParams, PayloadTooLarge, Unprocessable
from .filters import AanvraagFilter, DocumentFilter, VoorzieningFilter
from .permissions import IsApplicatie, IsRegie, caller
from .serializers import (
    AanvraagInputSerializer,
    AanvraagSerializer,
    DocumentInputSerializer,
    DocumentSerializer,
    IntrekkingSerializer,
    VoorzieningSerializer,
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Unieke sleutel per verzoek (bijvoorbeeld een UUID). Een herhaling geeft het opgeslagen antwoord.",
)
_KEY_PATTERN = re.compile(r'^"?[\x21\x23-\x7e]{1,255}"?$')
PAGINATION_PARAMS = {"page", "pageSize"}

View = Callable[..., Response]


def _fingerprint_body(request: Request) -> Any:
    """The request body as comparable data; an uploaded file counts by its content hash."""
    data = request.data
    if not hasattr(data, "lists"):
        return data
    body: dict[str, list[str]] = {}
    for name, values in data.lists():
        body[name] = [_file_hash(v) if isinstance(v, UploadedFile) else str(v) for v in values]
    return body


def _file_hash(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"sha256:{digest.hexdigest()}"


def created(body: Any) -> Response:
    """201 with the new resource as `Location`: a plain str, as WSGI requires (a DRF Hyperlink is a
    str subclass that strict servers refuse)."""
    return Response(body, status=status.HTTP_201_CREATED, headers={"Location": str(body["url"])})


def idempotent(view: View) -> View:
    """Wrap a POST handler with Idempotency-Key semantics; the stored result is written in the
    same transaction as the business effect."""

    @functools.wraps(view)
    def wrapper(self: viewsets.GenericViewSet, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "")
        if not _KEY_PATTERN.match(key):
            raise exceptions.ValidationError(
                {"Idempotency-Key": ["Verplichte header: 1 tot 255 zichtbare ASCII-tekens."]}, code="required"
            )
        key = key.strip('"')
        fingerprint = idempotency.fingerprint(
            method=request.method or "", path=request.path, body=_fingerprint_body(request)
        )
        try:
            record, replay = idempotency.idempotency_begin(
                applicatie=caller(request),
                key=key,
                method=request.method or "",
                path=request.path,
                fingerprint=fingerprint,
            )
        except idempotency.IdempotencyConflict:
            raise Conflict(
                "Een verzoek met deze Idempotency-Key wordt nog verwerkt.", code="idempotency-in-progress"
            ) from None
        except idempotency.IdempotencyMismatch:
            raise Unprocessable(
                "Deze Idempotency-Key is al gebruikt voor een ander verzoek.", code="idempotency-mismatch"
            ) from None
        if replay:
            response = Response(record.response_body, status=record.response_status, headers=record.response_headers)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            with transaction.atomic():
                response = view(self, request, *args, **kwargs)
                body = json.loads(json.dumps(response.data, cls=JSONEncoder))
                headers = {"Location": response["Location"]} if response.has_header("Location") else {}
                idempotency.idempotency_complete(record=record, status=response.status_code, body=body, headers=headers)
        except BaseException:
            idempotency.idempotency_release(record=record)
            raise
        return response

    return wrapper


class StrictQueryMixin:
    """Unknown query parameters are a 400 (ZGW), and a BSN never travels in a URL."""

    def allowed_query_params(self) -> set[str]:
        if getattr(self, "action", None) == "list":
            filterset = getattr(self, "filterset_class", None)
            return PAGINATION_PARAMS | set(filterset.base_filters if filterset else ())
        return set()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        errors: list[InvalidParam] = []
        for name, values in request.query_params.lists():
            if "bsn" in name.lower() or any(looks_like_bsn(v) for v in values):
                reason = "Een BSN hoort niet in een URL; zoek op regieReferentie of uuid."
                errors.append(InvalidParam(name, "bsn_in_url", reason))
            elif name not in self.allowed_query_params():
                errors.append(InvalidParam(name, "unknown_parameter", "Onbekende queryparameter."))
        if errors:
            raise InvalidQueryParams(errors)


@extend_schema_view(
    list=extend_schema(description="Aanvragen die de applicatie mag zien, nieuwste eerst."),
    retrieve=extend_schema(description="Een aanvraag met haar voorzieningen."),
    create=extend_schema(
        description="Dien een aanvraag in met 1..n voorzieningen (ZIN of PGB), eventueel als arrangement.",
        request=AanvraagInputSerializer,
        responses={201: AanvraagSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
    intrekken=extend_schema(
        description="Trek een aanvraag in; alle nog open voorzieningen worden ingetrokken.",
        request=IntrekkingSerializer,
        responses={200: AanvraagSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class AanvraagViewSet(StrictQueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Aanvragen van een regieapplicatie: een client, een gemeente, een wet en 1..n voorzieningen."""

    serializer_class = AanvraagSerializer
    filterset_class = AanvraagFilter
    lookup_field = "uuid"
    queryset = Aanvraag.objects.none()

    def get_queryset(self) -> Any:
        return selectors.aanvragen_visible_to(caller(self.request))

    def get_permissions(self) -> list[Any]:
        return [IsRegie()] if self.action in {"create", "intrekken"} else [IsApplicatie()]

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = AanvraagInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        aanvraag = services.aanvraag_create(indiener=caller(request), data=serializer.validated_data)
        data = AanvraagSerializer(aanvraag, context=self.get_serializer_context()).data
        return created(data)

    @action(detail=True, methods=["post"])
    @idempotent
    def intrekken(self, request: Request, uuid: str) -> Response:
        serializer = IntrekkingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        aanvraag = services.aanvraag_withdraw(
            aanvraag=self.get_object(), reden=serializer.validated_data.get("reden", "")
        )
        aanvraag = self.get_queryset().get(pk=aanvraag.pk)
        return Response(AanvraagSerializer(aanvraag, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(description="Voorzieningen (productregels) die de applicatie mag zien."),
    retrieve=extend_schema(description="Een voorziening."),
    intrekken=extend_schema(
        description="Trek een enkele, nog open voorziening in.",
        request=IntrekkingSerializer,
        responses={200: VoorzieningSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class VoorzieningViewSet(StrictQueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Voorzieningen: een product, leveringsvorm, omvang of budget of PGB, data en status."""

    serializer_class = VoorzieningSerializer
    filterset_class = VoorzieningFilter
    lookup_field = "uuid"
    queryset = Voorziening.objects.none()

    def get_queryset(self) -> Any:
        return selectors.voorzieningen_visible_to(caller(self.request)).order_by("-aangemaakt_op", "-id")

    def get_permissions(self) -> list[Any]:
        return [IsRegie()] if self.action == "intrekken" else [IsApplicatie()]

    @action(detail=True, methods=["post"])
    @idempotent
    def intrekken(self, request: Request, uuid: str) -> Response:
        serializer = IntrekkingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        voorziening = services.voorziening_withdraw(
            voorziening=self.get_object(), reden=serializer.validated_data.get("reden", "")
        )
        voorziening = self.get_queryset().get(pk=voorziening.pk)
        return Response(VoorzieningSerializer(voorziening, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(description="Documenten bij aanvragen die de applicatie mag zien."),
    retrieve=extend_schema(description="Een document en waar het in de Documenten API staat."),
    create=extend_schema(
        description=(
            "Voeg een document toe aan een aanvraag: een bestand (multipart/form-data) of een verwijzing naar een "
            "bestaand document in een geconfigureerde Documenten API. Het wordt opgeslagen als "
            "enkelvoudiginformatieobject en aan elke zaak van de aanvraag gekoppeld."
        ),
        request={"multipart/form-data": DocumentInputSerializer, "application/json": DocumentInputSerializer},
        responses={201: DocumentSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class DocumentViewSet(StrictQueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Documenten bij een aanvraag (bijlagen, budgetplan)."""

    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    lookup_field = "uuid"
    queryset = Document.objects.none()
    parser_classes = [MultiPartParser, CamelCaseJSONParser]

    def get_queryset(self) -> Any:
        return selectors.documenten_visible_to(caller(self.request)).order_by("-aangemaakt_op", "-id")

    # Both parties attach documents: the regie its bijlagen, the backoffice the beschikkingsbrief.
    permission_classes = [IsApplicatie]

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = DocumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        aanvraag = selectors.aanvragen_visible_to(caller(request)).filter(uuid=data["aanvraag"]).first()
        if aanvraag is None:
            raise exceptions.ValidationError({"aanvraag": ["Onbekende aanvraag."]}, code="does_not_exist")
        try:
            document = documents.document_create(aanvraag=aanvraag, indiener=caller(request), data=data)
        except documents.TooLarge as exc:
            raise PayloadTooLarge(str(exc)) from None
        body = DocumentSerializer(document, context=self.get_serializer_context()).data
        return created(body)
