"""API of the berichten side: the feed (`berichten`) and the webhooks (`abonnementen`)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, pagination, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..berichten import selectors, services
from ..berichten.links import RESOURCE_PATHS
from ..exceptions import InvalidParam
from ..models import Abonnement, Bericht
from .base import IDEMPOTENCY_KEY, ResourceViewSet, caller, created, idempotent
from .exceptions import InvalidQueryParams
from .fields import StrictSerializer
from .filters import StrictUUIDFilter
from .pagination import MAX_PAGE_SIZE, PAGE_SIZE, positive_int_param

# --- berichten ----------------------------------------------------------------------------------

_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_CURSOR_MAGIC = b"rkfd"


def _cursor_cipher() -> Cipher[modes.ECB]:
    key = hashlib.sha256(b"regiekoppeling feed cursor\0" + settings.SECRET_KEY.encode()).digest()[:16]
    # One block, deterministic on purpose: the same position gives the same `next` link, and AES of a
    # single block is a keyed permutation, so the block reveals nothing without the key.
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305


def encode_cursor(position: int, ontvanger_id: int) -> str:
    """The reader's position in its own feed, opaque and tied to the reader.

    The position is the global id of the reader's last bericht: in the clear (it was base64 of the id)
    the gap between two cursors told a reader how many berichten other parties, other gemeenten
    included, received meanwhile. Encrypted it tells nothing; a cursor of another reader is refused
    like any string the server did not hand out. A new SECRET_KEY makes the stored cursors invalid
    (400): the reader starts again from the beginning of its feed and drops berichten it already has.
    """
    block = _CURSOR_MAGIC + ontvanger_id.to_bytes(4, "big") + position.to_bytes(8, "big")
    encryptor = _cursor_cipher().encryptor()
    return base64.urlsafe_b64encode(encryptor.update(block) + encryptor.finalize()).decode().rstrip("=")


def decode_cursor(value: str, ontvanger_id: int) -> int:
    try:
        if not _CURSOR.match(value):
            raise ValueError(value)
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        if len(raw) != 16:
            raise ValueError(value)
        decryptor = _cursor_cipher().decryptor()
        block = decryptor.update(raw) + decryptor.finalize()
        if block[:4] != _CURSOR_MAGIC or int.from_bytes(block[4:8], "big") != ontvanger_id:
            raise ValueError(value)
        return int.from_bytes(block[8:], "big")
    except (ValueError, binascii.Error):
        reason = "Ongeldige cursor; neem hem over uit de next-link."
        raise InvalidQueryParams([InvalidParam("cursor", "invalid", reason)]) from None


class FeedPagination(pagination.BasePagination):
    """Cursor pagination over the feed in id order.

    `next` is always given: follow it now for the next page, or later for berichten that arrived
    meanwhile. An empty page means the reader is up to date.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "pageSize"

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.ontvanger_id = caller(request).pk
        raw = request.query_params.get(self.cursor_query_param)
        after = decode_cursor(raw, self.ontvanger_id) if raw is not None else 0
        rows = list(
            queryset.filter(pk__gt=after).order_by("pk")[
                : positive_int_param(request, self.page_size_query_param, default=PAGE_SIZE, maximum=MAX_PAGE_SIZE)
            ]
        )
        self.position = rows[-1].pk if rows else after
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        url = self.request.build_absolute_uri()
        return Response(
            {
                "next": replace_query_param(
                    url, self.cursor_query_param, encode_cursor(self.position, self.ontvanger_id)
                ),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "description": "De volgende pagina; later opnieuw op te vragen voor nieuwe berichten.",
                    "example": "https://regiekoppeling.example.nl/api/v1/berichten?cursor=MTIz",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Positie in de feed (ondoorzichtig): neem hem over uit `next`. Zonder: vanaf het begin.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Aantal berichten per pagina (standaard {PAGE_SIZE}, hoogstens {MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]


class BerichtFilter(filters.FilterSet):
    resource = filters.ChoiceFilter(choices=[(name, name) for name in RESOURCE_PATHS])
    aanvraag = StrictUUIDFilter(field_name="aanvraag__uuid", help_text="uuid van de aanvraag")

    class Meta:
        model = Bericht
        fields: list[str] = []


class BerichtSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="bericht-detail", lookup_field="uuid")
    # In UTC with a Z, exactly as the webhook body carries it.
    aanmaakdatum = serializers.DateTimeField(default_timezone=dt.UTC, read_only=True)
    kenmerken = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Bericht
        fields = [
            "url", "uuid", "kanaal", "hoofd_object", "resource", "resource_url", "actie", "aanmaakdatum", "kenmerken",
            "gebeurtenis",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "hoofd_object": {
                "help_text": "De aanvraag waar het bericht over gaat (bij het productenboek: het product)."
            },
            "resource_url": {"help_text": "Het gewijzigde object; lees het met de eigen autorisatie."},
            "gebeurtenis": {"help_text": "Wat er gebeurde, bijvoorbeeld aanvraag_ontvangen of beschikking."},
        }


@extend_schema_view(
    list=extend_schema(
        description=(
            "De eigen feed van de applicatie: elk bericht over een aanvraag die zij mag zien, in volgorde, "
            "gevormd als een bericht van de Notificaties API en zonder BSN."
        )
    ),
    retrieve=extend_schema(description="Een bericht uit de eigen feed."),
)
class BerichtViewSet(ResourceViewSet):
    """Berichten: elke gebeurtenis voor een partij, als feed met een cursor."""

    serializer_class = BerichtSerializer
    filterset_class = BerichtFilter
    pagination_class = FeedPagination
    queryset = Bericht.objects.none()

    def get_queryset(self) -> Any:
        return selectors.berichten_of(caller(self.request))

    def allowed_query_params(self) -> set[str]:
        if self.action == "list":
            return {
                FeedPagination.cursor_query_param,
                FeedPagination.page_size_query_param,
                *BerichtFilter.base_filters,
            }
        return set()


# --- abonnementen -------------------------------------------------------------------------------


class AbonnementInputSerializer(StrictSerializer):
    callback_url = serializers.URLField(
        max_length=1000, help_text="https-URL op een toegestane host; elk bericht van de feed wordt hierheen gePOST."
    )
    auth = serializers.RegexField(
        r"^[\x20-\x7e]*$",
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="Waarde van de Authorization-header bij elke aflevering (bijvoorbeeld 'Bearer ...'); "
        "wordt nooit teruggegeven.",
    )


class AbonnementSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="abonnement-detail", lookup_field="uuid")
    heeft_auth = serializers.SerializerMethodField()

    class Meta:
        model = Abonnement
        fields = ["url", "uuid", "callback_url", "heeft_auth", "aangemaakt_op"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_heeft_auth(self, obj: Abonnement) -> bool:
        return bool(obj.auth)


class AbonnementAangemaaktSerializer(AbonnementSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Sleutel van de handtekening X-Regiekoppeling-Signature (sha256=<hex HMAC-SHA256 van de body>). "
        "Alleen in dit antwoord.",
    )

    class Meta(AbonnementSerializer.Meta):
        fields = [*AbonnementSerializer.Meta.fields, "secret"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(description="De eigen webhooks van de applicatie."),
    retrieve=extend_schema(description="Een eigen webhook."),
    create=extend_schema(
        description=(
            "Abonneer een webhook op de eigen feed. Elk bericht wordt als JSON gePOST, ondertekend met "
            "X-Regiekoppeling-Signature; mislukte afleveringen worden met backoff herhaald."
        ),
        request=AbonnementInputSerializer,
        responses={201: AbonnementAangemaaktSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
    destroy=extend_schema(description="Zeg een webhook op; nog wachtende afleveringen vervallen."),
)
class AbonnementViewSet(mixins.DestroyModelMixin, ResourceViewSet):
    """Abonnementen: webhooks die de berichten van de eigen feed ontvangen."""

    serializer_class = AbonnementSerializer
    queryset = Abonnement.objects.none()

    def get_queryset(self) -> Any:
        return selectors.abonnementen_of(caller(self.request)).order_by("aangemaakt_op", "id")

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = AbonnementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        abonnement = services.abonnement_create(applicatie=caller(request), **serializer.validated_data)
        return created(self.shown(abonnement, AbonnementAangemaaktSerializer))

    def perform_destroy(self, instance: Abonnement) -> None:
        services.abonnement_delete(abonnement=instance)
