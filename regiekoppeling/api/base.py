"""The shared plumbing of every endpoint: one base viewset, idempotent POSTs, the created response,
strict query parameters, the role permissions and the one answer for what the caller may not see.

Not visible is not found: an object of another gemeente or another party, in the path or referenced
in the body, answers 404 exactly like one that does not exist (`visible_or_404`), so nobody learns what
exists elsewhere.
"""

from __future__ import annotations

import functools
import hashlib
import json
import operator
import re
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .. import idempotency, logboek, page_parts
from ..exceptions import InvalidParam
from ..models import Aanvraag
from ..rules import looks_like_bsn
from .exceptions import Conflict, InvalidQueryParams, Unprocessable
from .permissions import IsApplicatie, IsBackoffice, IsRegie, caller

# The roles live in `permissions` (DRF imports its DEFAULT_PERMISSION_CLASSES while loading its views,
# so that module may not import a view); they are part of this plumbing and exported from here.
__all__ = [
    "IDEMPOTENCY_KEY",
    "IsApplicatie",
    "IsBackoffice",
    "IsRegie",
    "ResourceViewSet",
    "StrictQueryMixin",
    "caller",
    "created",
    "idempotent",
    "visible_or_404",
]

# --- what the caller may not see ------------------------------------------------------------------


def visible_or_404[M: models.Model](queryset: models.QuerySet[M], uuid: Any, what: str) -> M:
    """The object with this uuid among those the caller may see (`queryset`, from a selector), else
    404: a foreign object and an unknown one get the same answer."""
    found = queryset.filter(uuid=uuid).first()
    if found is None:
        raise exceptions.NotFound(f"{what} niet gevonden.")
    return found


# --- idempotency, created, strict query parameters -------------------------------------------------

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
            method=request.method or "", path=request.get_full_path(), body=_fingerprint_body(request)
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
            raise _in_progress() from None
        except idempotency.IdempotencyMismatch:
            raise Unprocessable(
                "Deze Idempotency-Key is al gebruikt voor een ander verzoek.", code="idempotency-mismatch"
            ) from None
        if replay:
            response = Response(record.response_body, status=record.response_status, headers=record.response_headers)
            response["Idempotent-Replayed"] = "true"
            # The stored answer shows the record again, as it is now stored: a read for the processing log.
            log_replayed = getattr(self, "log_replayed", None)
            if log_replayed is not None:
                log_replayed(record.response_body)
            return response
        try:
            with transaction.atomic():
                idempotency.idempotency_hold(record=record)
                response = view(self, request, *args, **kwargs)
                body = json.loads(json.dumps(response.data, cls=JSONEncoder))
                headers = {"Location": response["Location"]} if response.has_header("Location") else {}
                idempotency.idempotency_complete(record=record, status=response.status_code, body=body, headers=headers)
        except idempotency.IdempotencyConflict:
            raise _in_progress() from None  # taken over by a retry: the key is no longer ours to release
        except BaseException:
            idempotency.idempotency_release(record=record)
            raise
        return response

    return wrapper


def _in_progress() -> Conflict:
    return Conflict("Een verzoek met deze Idempotency-Key wordt nog verwerkt.", code="idempotency-in-progress")


class StrictQueryMixin:
    """Unknown query parameters are a 400 (ZGW), and a BSN never travels in a URL."""

    def allowed_query_params(self) -> set[str]:
        if getattr(self, "action", None) == "list":
            filterset = getattr(self, "filterset_class", None)
            paging = getattr(getattr(self, "paginator", None), "query_params", PAGINATION_PARAMS)
            return set(paging) | set(filterset.base_filters if filterset else ())
        return set()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        action_map = getattr(self, "action_map", None)
        if action_map is not None and (request.method or "").lower() not in action_map:
            return  # a method this resource does not have: the 405 says so, whatever the query string
        errors: list[InvalidParam] = []
        for name, values in request.query_params.lists():
            if "bsn" in name.lower() or any(looks_like_bsn(v) for v in values):
                reason = "Een BSN hoort niet in een URL; zoek op regieReferentie of uuid."
                errors.append(InvalidParam(name, "bsn_in_url", reason))
            elif name not in self.allowed_query_params():
                errors.append(InvalidParam(name, "unknown_parameter", "Onbekende queryparameter."))
            elif "" in values:
                # "?gemeente=" is a client's mistake, not "no filter": the document says minLength 1.
                errors.append(InvalidParam(name, "blank", "Een queryparameter moet een waarde hebben."))
        if errors:
            raise InvalidQueryParams(errors)


def _subject_in_hand(instance: Any) -> tuple[int, tuple[Any, str, int]] | None:
    """(aanvraag id, its subject) of an aanvraag (an instance or a row of `page_parts.ShownRows`) or of
    an object read with its aanvraag (select_related, or the values of `selectors.voorzieningen_shown_to`),
    so logging its read needs no query; None otherwise."""
    if isinstance(instance, Aanvraag) or page_parts.is_row_of(instance, Aanvraag):
        return instance.pk, (instance.uuid, instance.client_bsn, instance.gemeente_id)
    shown = getattr(instance, "shown_aanvraag_uuid", None)
    if shown is not None:
        return instance.aanvraag_id, (shown, instance.shown_aanvraag_client_bsn, instance.shown_aanvraag_gemeente_id)
    field = instance._meta.get_field("aanvraag") if hasattr(instance, "aanvraag_id") else None
    if field is None or not field.is_cached(instance):
        return None
    a = instance.aanvraag
    return a.pk, (a.uuid, a.client_bsn, a.gemeente_id)


# --- the base viewset -------------------------------------------------------------------------------


class ResourceViewSet(StrictQueryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A collection of resources the caller may see, by uuid. Reading is for every authenticated
    application; the actions in `role_actions` need the permission in `role`.

    A resource about a client names the path from an object to its aanvraag id in `logboek_aanvraag`:
    every detail and list response of it is then written to the processing log (one bulk insert per
    response), under the endpoint's basename."""

    lookup_field = "uuid"
    role: type[BasePermission] = IsApplicatie
    role_actions: frozenset[str] = frozenset()
    logboek_aanvraag: str = ""

    def get_permissions(self) -> list[Any]:
        return [self.role()] if self.action in self.role_actions else [IsApplicatie()]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Authenticated and allowed: whatever this request processes is done by this caller.
        actor = logboek.actor_from_request(applicatie=caller(request), claims=request.auth, endpoint=self.basename)
        logboek.set_actor(actor)

    def get_object(self) -> Any:
        instance = super().get_object()
        if self.action == "retrieve":
            self._log_reads([instance])
        return instance

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if self.action == "list" and page is not None:
            self._log_reads(page)
        return page

    def _log_reads(self, shown: list[Any]) -> None:
        if not self.logboek_aanvraag:
            return  # nothing of a client (the productenboek, berichten, abonnementen)
        aanvraag_id = operator.attrgetter(self.logboek_aanvraag)
        rows = [(aanvraag_id(o), str(o.uuid)) for o in shown]
        subjects = dict(subject for subject in map(_subject_in_hand, shown) if subject)
        logboek.verwerkingen_log_reads(
            resource=self.basename, shown=[r for r in rows if r[0] is not None], subjects=subjects
        )

    def log_replayed(self, body: Any) -> None:
        """An idempotent replay of a POST returns the stored answer: the caller sees that record's
        (client's) data once more, so it is logged as a read of it, like a GET of the same record."""
        if self.logboek_aanvraag and isinstance(body, dict) and isinstance(body.get("uuid"), str):
            instance = self.get_queryset().filter(uuid=body["uuid"]).first()
            if instance is not None:
                self._log_reads([instance])

    def shown(self, instance: Any, serializer: type[Any] | None = None) -> Any:
        """The response body for one object, in the viewset's own serializer unless told otherwise."""
        return (serializer or self.get_serializer_class())(instance, context=self.get_serializer_context()).data
