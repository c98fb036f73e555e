"""API of aanvragen, voorzieningen and documenten: the regie's side of the exchange."""

from __future__ import annotations

import logging
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from documenten.download import NotAvailable, document_download
from zaken.clients import ZGWConfigurationError, ZGWRequestError, ZGWUnavailableError

from .. import documents, page_parts, selectors, services
from ..models import Aanvraag, Document, Voorziening
from .base import IDEMPOTENCY_KEY, IsRegie, ResourceViewSet, caller, created, idempotent, visible_or_404
from .exceptions import BadGateway, PayloadTooLarge, Unavailable
from .filters import AanvraagFilter, DocumentFilter, VoorzieningFilter
from .pagination import KeysetPagination
from .parsers import StrictJSONParser, StrictMultiPartParser
from .prototypes import validated
from .renderers import BinaryRenderer, CamelCaseJSONRenderer, safe_filename
from .representations import AanvraagParts, shown_many, shown_one
from .serializers import (
    AanvraagInputSerializer,
    AanvraagSerializer,
    DocumentInputSerializer,
    DocumentSerializer,
    DocumentVerwijzingSerializer,
    IntrekkingSerializer,
    VoorzieningSerializer,
)

logger = logging.getLogger(__name__)


class ShownByHand:
    """Lists, details and the answers of actions written out by `representations.py`: the serializer
    class stays the shape of the OpenAPI document and the reference those functions are tested
    against."""

    def list(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(shown_many(page, self.get_serializer_context(), parts=self.parts_of(page)))

    def parts_of(self, page: Any) -> AanvraagParts | None:
        return None  # the objects carry what they show

    def retrieve(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        return Response(shown_one(instance, self.get_serializer_context(), parts=self.parts_of([instance])))

    def shown(self: Any, instance: Any, serializer: type[Any] | None = None) -> Any:
        if serializer is None:
            return shown_one(instance, self.get_serializer_context())
        return super().shown(instance, serializer)  # type: ignore[misc]


@extend_schema_view(
    list=extend_schema(
        description="Aanvragen die de applicatie mag zien, nieuwste eerst, per pagina met een cursor (`next`, `previous`)."
    ),
    retrieve=extend_schema(description="Een aanvraag met haar voorzieningen."),
    create=extend_schema(
        description="Dien een aanvraag in met 1..n voorzieningen (ZIN of PGB), eventueel als arrangement, en "
        "eventueel met documenten (`documenten`: de inhoud in base64, of een verwijzing; grote bestanden via "
        "`POST /documenten`). Ze gaan met de zaak naar de Documenten API.",
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
class AanvraagViewSet(ShownByHand, ResourceViewSet):
    """Aanvragen van een regieapplicatie: een client, een gemeente, een wet en 1..n voorzieningen."""

    serializer_class = AanvraagSerializer
    filterset_class = AanvraagFilter
    pagination_class = KeysetPagination
    queryset = Aanvraag.objects.none()
    logboek_aanvraag = "pk"
    role, role_actions = IsRegie, frozenset({"create", "intrekken"})

    def get_queryset(self) -> Any:
        if self.action in ("list", "retrieve"):
            return selectors.aanvragen_shown_to(caller(self.request))
        return selectors.aanvragen_visible_to(caller(self.request))

    def parts_of(self, page: Any) -> AanvraagParts:
        # The lines and documents of a page (or of one aanvraag) as rows, a query each: model instances
        # (and a prefetch's queryset per aanvraag) cost twice as much.
        ids = [a.pk for a in page]
        return AanvraagParts(
            selectors.lines_shown_of(ids), selectors.documenten_shown_of(ids), page_parts.related_of(page)
        )

    @idempotent
    def create(self, request: Request) -> Response:
        # The serializers of the hot write path are built once per thread (prototypes).
        data = validated(AanvraagInputSerializer, request.data)
        aanvraag = services.aanvraag_create(indiener=caller(request), data=data)
        return created(self.shown(aanvraag))

    @action(detail=True, methods=["post"])
    @idempotent
    def intrekken(self, request: Request, uuid: str) -> Response:
        serializer = IntrekkingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        aanvraag = services.aanvraag_withdraw(
            aanvraag=self.get_object(), reden=serializer.validated_data.get("reden", "")
        )
        return Response(self.shown(self.get_queryset().get(pk=aanvraag.pk)))


@extend_schema_view(
    list=extend_schema(
        description="Voorzieningen (productregels) die de applicatie mag zien, nieuwste eerst, per pagina met een cursor."
    ),
    retrieve=extend_schema(description="Een voorziening."),
    intrekken=extend_schema(
        description="Trek een enkele, nog open voorziening in.",
        request=IntrekkingSerializer,
        responses={200: VoorzieningSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class VoorzieningViewSet(ShownByHand, ResourceViewSet):
    """Voorzieningen: een product, leveringsvorm, omvang of budget of PGB, data en status."""

    serializer_class = VoorzieningSerializer
    filterset_class = VoorzieningFilter
    pagination_class = KeysetPagination
    queryset = Voorziening.objects.none()
    logboek_aanvraag = "aanvraag_id"
    role, role_actions = IsRegie, frozenset({"intrekken"})

    def get_queryset(self) -> Any:
        if self.action in ("list", "retrieve"):
            return selectors.voorzieningen_shown_to(caller(self.request))
        return selectors.voorzieningen_visible_to(caller(self.request))

    @action(detail=True, methods=["post"])
    @idempotent
    def intrekken(self, request: Request, uuid: str) -> Response:
        serializer = IntrekkingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        voorziening = services.voorziening_withdraw(
            voorziening=self.get_object(), reden=serializer.validated_data.get("reden", "")
        )
        return Response(self.shown(self.get_queryset().get(pk=voorziening.pk)))


@extend_schema_view(
    list=extend_schema(
        description="Documenten bij aanvragen die de applicatie mag zien, nieuwste eerst, per pagina met een cursor."
    ),
    retrieve=extend_schema(description="Een document en waar het in de Documenten API staat."),
    create=extend_schema(
        description=(
            "Voeg een document toe aan een aanvraag: een bestand (multipart/form-data) of een verwijzing naar een "
            "bestaand document in een geconfigureerde Documenten API. Het wordt opgeslagen als "
            "enkelvoudiginformatieobject en aan elke zaak van de aanvraag gekoppeld, of met `voorziening` alleen aan "
            "de zaak van die voorziening. Beide partijen krijgen een bericht."
        ),
        request={"multipart/form-data": DocumentInputSerializer, "application/json": DocumentVerwijzingSerializer},
        responses={201: DocumentSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class DocumentViewSet(ShownByHand, ResourceViewSet):
    """Documenten bij een aanvraag (bijlagen, budgetplan)."""

    # Both parties attach documents: the regie its bijlagen, the backoffice the beschikkingsbrief.
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    pagination_class = KeysetPagination
    queryset = Document.objects.none()
    logboek_aanvraag = "aanvraag_id"
    parser_classes = [StrictMultiPartParser, StrictJSONParser]

    def get_queryset(self) -> Any:
        return selectors.documenten_visible_to(caller(self.request))

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = DocumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        aanvraag = visible_or_404(selectors.aanvragen_visible_to(caller(request)), data["aanvraag"], "Aanvraag")
        try:
            document = documents.document_create(aanvraag=aanvraag, indiener=caller(request), data=data)
        except documents.TooLarge as exc:
            raise PayloadTooLarge(str(exc)) from None
        return created(self.shown(document))

    @extend_schema(
        description="De inhoud van het document, gestreamd (uit de Documenten API, of zolang het daar nog niet "
        "staat uit de eigen opslag). Zichtbaar voor wie het document mag zien.",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="inhoud", renderer_classes=[CamelCaseJSONRenderer, BinaryRenderer])
    def inhoud(self, request: Request, uuid: str | None = None) -> StreamingHttpResponse:
        document = self.get_object()
        try:
            download = document_download(document=document)
        except NotAvailable:
            raise NotFound("Het document is (nog) nergens opgeslagen.") from None
        except ZGWUnavailableError:
            raise Unavailable() from None
        except ZGWConfigurationError as exc:
            logger.error("document download: the Documenten API service cannot be used: %s", exc)
            raise Unavailable("De koppeling met de Documenten API is niet goed ingesteld.") from None
        except ZGWRequestError as exc:
            raise BadGateway(f"De Documenten API weigerde: {exc.status}") from None
        response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
        response["Content-Disposition"] = f'attachment; filename="{safe_filename(download.filename)}"'
        if download.size is not None:
            response["Content-Length"] = str(download.size)
        return response
