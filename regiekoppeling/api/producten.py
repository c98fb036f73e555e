"""API of the productenboek (scenario S9): read by regie and backoffice, written by the backoffice that is
master of the gemeente. Reads carry an ETag; `If-None-Match` with the current one answers 304."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Count, Max
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .. import productenboek, selectors
from ..constants import Eenheid, Frequentie, Leveringsvorm, Wet
from ..models import Product
from .base import IDEMPOTENCY_KEY, IsBackoffice, ResourceViewSet, caller, created, idempotent
from .exceptions import Conflict
from .fields import StrictDateField, StrictSerializer, StrictUUIDField
from .filters import ProductFilter

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="De ETag van een eerder antwoord: is er sindsdien niets veranderd, dan volgt 304 zonder body.",
)
NOT_MODIFIED = OpenApiResponse(description="Niet gewijzigd sinds de ETag in If-None-Match.")


def _codes(choices: type[Any], help_text: str, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices.choices), min_length=1, help_text=help_text, **kwargs
    )


class ProductInputSerializer(StrictSerializer):
    gemeente = serializers.RegexField(r"^\d{4}$", help_text="CBS-gemeentecode (4 cijfers).")
    wet = serializers.ChoiceField(choices=Wet.choices)
    categorie = serializers.RegexField(r"^\d{2}$", max_length=2, help_text="Productcategorie (WMO020 / JZ020).")
    code = serializers.RegexField(
        r"^[0-9A-Za-z]{0,5}$", required=False, allow_blank=True, help_text="Productcode (max 5; leeg: categorie)."
    )
    omschrijving = serializers.CharField(max_length=200)
    leveringsvormen = _codes(Leveringsvorm, "Toegestane leveringsvormen (standaard: alle).", required=False)
    eenheden = _codes(Eenheid, "Toegestane eenheden (iWmo/iJw WJ756; standaard: alle).", required=False)
    frequenties = _codes(Frequentie, "Toegestane frequenties (WJ757; standaard: alle).", required=False)
    ingangsdatum = StrictDateField(help_text="Eerste dag waarop het product geldt.")
    einddatum = StrictDateField(required=False, allow_null=True, help_text="Laatste dag (leeg: open).")
    onderdelen = serializers.ListField(
        child=StrictUUIDField(), required=False, help_text="Arrangement: uuids van de onderliggende producten."
    )


class ProductPatchSerializer(ProductInputSerializer):
    """A change: every field optional; gemeente cannot move."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)
        self.fields.pop("gemeente")


class ProductenboekSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="product-detail", lookup_field="uuid")
    gemeente = serializers.CharField(source="gemeente.code")
    onderdelen: serializers.SlugRelatedField[Product] = serializers.SlugRelatedField(
        slug_field="uuid", many=True, read_only=True
    )

    class Meta:
        model = Product
        fields = [
            "url", "uuid", "gemeente", "wet", "categorie", "code", "omschrijving", "leveringsvormen", "eenheden",
            "frequenties", "ingangsdatum", "einddatum", "onderdelen", "aangemaakt_op", "gewijzigd_op",
        ]  # fmt: skip
        read_only_fields = fields


def etag_of(data: Any, *, state: Any = None) -> str:
    """A strong ETag over exactly what the answer says, and `state`: for a list, the state of the whole
    selection, so every page changes its ETag when any product of it changes (or goes)."""
    body = json.dumps([data, state], cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'


def _matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def with_etag(request: Request, response: Response, *, state: Any = None) -> Response:
    etag = etag_of(response.data, state=state)
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    response["ETag"] = etag
    return response


@extend_schema_view(
    list=extend_schema(
        description="Het productenboek van de gemeenten van de applicatie; met gewijzigdVanaf alleen wat sindsdien "
        "veranderde (ook beeindigd). Antwoordt met een ETag; 304 bij een gelijke If-None-Match.",
        parameters=[IF_NONE_MATCH],
        responses={200: ProductenboekSerializer(many=True), 304: NOT_MODIFIED},
    ),
    retrieve=extend_schema(
        description="Een product (een versie met haar geldigheid).",
        parameters=[IF_NONE_MATCH],
        responses={200: ProductenboekSerializer, 304: NOT_MODIFIED},
    ),
    create=extend_schema(
        description="Nieuw product (of nieuwe versie) in het productenboek; alleen de backoffice die beheerder is "
        "van het productenboek van de gemeente. Elke wijziging is een bericht voor de regieapplicaties.",
        request=ProductInputSerializer,
        responses={201: ProductenboekSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
    partial_update=extend_schema(
        description="Wijzig of beeindig (einddatum) een product; alleen de beheerder van het productenboek.",
        request=ProductPatchSerializer,
        responses={200: ProductenboekSerializer},
    ),
    destroy=extend_schema(
        description="Verwijder een product dat niets gebruikt; een gebruikt product beeindig je met een einddatum "
        "(409).",
        responses={204: None, 409: OpenApiResponse(description="Het product wordt gebruikt.")},
    ),
)
class ProductViewSet(ResourceViewSet):
    """Het productenboek per gemeente en wet: categorie, code, toegestane leveringsvormen, eenheden en
    frequenties, geldigheid, en de onderdelen van een arrangement."""

    serializer_class = ProductenboekSerializer
    filterset_class = ProductFilter
    queryset = Product.objects.none()
    role, role_actions = IsBackoffice, frozenset({"create", "partial_update", "destroy"})
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.producten_visible_to(caller(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        selection = self.filter_queryset(self.get_queryset()).order_by()
        state = selection.aggregate(aantal=Count("id"), laatst=Max("gewijzigd_op"))
        return with_etag(request, response, state=state)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return with_etag(request, super().retrieve(request, *args, **kwargs))

    def _master_only(self, product_gemeente: Any) -> None:
        if not productenboek.is_master(caller(self.request), product_gemeente):
            raise exceptions.PermissionDenied(
                "Alleen de backoffice die het productenboek van deze gemeente beheert mag het wijzigen."
            )

    def _values(self, data: dict[str, Any], gemeente: Any) -> dict[str, Any]:
        values = {k: v for k, v in data.items() if k != "gemeente"}
        if "onderdelen" in values:
            wanted = values["onderdelen"]
            found = {p.uuid: p for p in Product.objects.filter(gemeente=gemeente, uuid__in=wanted)}
            missing = [i for i, u in enumerate(wanted) if u not in found]
            if missing:
                raise exceptions.ValidationError(
                    {f"onderdelen.{i}": ["Geen product van deze gemeente."] for i in missing}, code="onbekend"
                )
            values["onderdelen"] = [found[u] for u in wanted]
        return values

    @idempotent
    def create(self, request: Request) -> Response:
        serializer = ProductInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        gemeente = caller(request).gemeenten.filter(code=data["gemeente"]).first()
        if gemeente is None:
            raise exceptions.ValidationError(
                {"gemeente": [f"Deze applicatie handelt niet voor gemeente {data['gemeente']}."]}
            )
        self._master_only(gemeente)
        product = productenboek.product_create(
            gemeente=gemeente, values=self._values(data, gemeente), door=caller(request)
        )
        return created(self.shown(product))

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        self._master_only(product.gemeente)
        serializer = ProductPatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = productenboek.product_update(
            product=product,
            values=self._values(dict(serializer.validated_data), product.gemeente),
            door=caller(request),
        )
        return Response(self.shown(product))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        self._master_only(product.gemeente)
        try:
            productenboek.product_delete(product=product)
        except productenboek.ProductInGebruik as exc:
            raise Conflict(str(exc), code="product-in-gebruik") from None
        return Response(status=status.HTTP_204_NO_CONTENT)
