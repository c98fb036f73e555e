"""`POST /api/v1/zgw-notificaties`: the callback of our abonnementen at the gemeenten's Notificaties APIs.

Not for the parties (it is left out of the OpenAPI document): the Notificaties API calls it with the
`Authorization` value given on the abonnement (`Token <token>`), by which the gemeente is known. The
message is validated and stored before the answer (204); the work is done by the worker. A message of
kanaal `test` (the Notificaties API checks a new callback with it) is answered 204 and not stored.
"""

from __future__ import annotations

import hashlib
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from zaken.models import NotificatieAbonnement
from zaken.notificaties import notificatie_receive

from .exceptions import PROBLEM_CONTENT_TYPE, problem


class NotificatieSerializer(serializers.Serializer):
    """A Notificaties API 1.0 message (`Notificatie` of the official document)."""

    kanaal = serializers.CharField(max_length=50)
    hoofd_object = serializers.URLField(max_length=1000)
    resource = serializers.CharField(max_length=100)
    resource_url = serializers.URLField(max_length=1000)
    actie = serializers.CharField(max_length=100)
    aanmaakdatum = serializers.DateTimeField()
    kenmerken = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=1000), required=False)


def _abonnement(request: Request) -> NotificatieAbonnement | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme not in ("Token", "Bearer") or not token.strip():
        return None
    # The token is looked up by its digest: the database holds no token that matches by itself.
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    return NotificatieAbonnement.objects.select_related("config__zaken_service").filter(token_digest=digest).first()


def _unauthorized() -> Response:
    body = problem(401, code="not_authenticated", detail="Geen of een onbekend token.")
    return Response(body, status=401, content_type=PROBLEM_CONTENT_TYPE, headers={"WWW-Authenticate": "Token"})


@extend_schema(exclude=True)
class ZgwNotificatieView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        abonnement = _abonnement(request)
        if abonnement is None:
            return _unauthorized()
        serializer = NotificatieSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["kanaal"] == "test":
            return Response(status=204)
        root = abonnement.config.zaken_service.api_root
        # We read what the message points at with our own credentials: only at this gemeente's Zaken API.
        foreign = [name for name in ("hoofd_object", "resource_url") if not data[name].startswith(root)]
        if foreign:
            raise serializers.ValidationError(
                {name: ["Geen URL van de Zaken API van deze gemeente."] for name in foreign}
            )
        message = {
            "kanaal": data["kanaal"],
            "hoofdObject": data["hoofd_object"],
            "resource": data["resource"],
            "resourceUrl": data["resource_url"],
            "actie": data["actie"],
            "aanmaakdatum": data["aanmaakdatum"].isoformat(),
            "kenmerken": data.get("kenmerken", {}),
        }
        notificatie_receive(abonnement=abonnement, message=message, aanmaakdatum=data["aanmaakdatum"])
        return Response(status=204)
