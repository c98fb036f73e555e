"""The demo configuration: one gemeente, a regie and a backoffice application, its productenboek.

Idempotent: a second run finds what the first one made and reports the same credentials.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .constants import Rol
from .models import Applicatie, Credential, Gemeente, Product
from .productenboek import categorie_rows, products_seed

DEMO_GEMEENTE = ("0363", "Amsterdam")
DEMO_APPLICATIES = [
    ("Demo regieapplicatie", Rol.REGIE, "demo-regie"),
    ("Demo backofficeapplicatie", Rol.BACKOFFICE, "demo-backoffice"),
    # The gemeente's privacy officer: only the inzage in the processing log (POST /verwerkingen/_zoek).
    ("Demo privacyfunctionaris", Rol.PRIVACY, "demo-privacy"),
]
_PRODUCTEN_FILE = Path(__file__).parent / "data" / "demo_producten.json"


def products_rows() -> list[dict[str, Any]]:
    """The seed of a productenboek: every iWmo/iJw 3.2 categorie of both wetten (a categorie-only
    product) plus the demo product codes."""
    data = json.loads(_PRODUCTEN_FILE.read_text(encoding="utf-8"))
    return categorie_rows() + [{k: v for k, v in p.items() if not k.startswith("_")} for p in data["producten"]]


@transaction.atomic
def products_load(*, gemeente: Gemeente) -> int:
    """Seed the productenboek of one gemeente; products it already has stay as they are."""
    return products_seed(gemeente=gemeente, rows=products_rows())


def _admin_password(data_dir: Path) -> str:
    """The demo admin's password lives in the (ignored) data directory, never in the repository."""
    path = data_dir / "demo-admin-password"
    user_model = get_user_model()
    user = user_model.objects.filter(username="admin").first()
    if user is not None and path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    if user is None:
        user_model.objects.create_superuser("admin", "admin@example.invalid", password)
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)
    return password


@transaction.atomic
def demo_setup(*, data_dir: Path | None = None) -> dict[str, Any]:
    gemeente, _ = Gemeente.objects.get_or_create(code=DEMO_GEMEENTE[0], defaults={"naam": DEMO_GEMEENTE[1]})
    applicaties = []
    for naam, rol, client_id in DEMO_APPLICATIES:
        credential = Credential.objects.select_related("applicatie").filter(client_id=client_id).first()
        if credential is None:
            applicatie = Applicatie.objects.create(naam=naam, rol=rol)
            credential = Credential.objects.create(applicatie=applicatie, client_id=client_id)
        credential.applicatie.gemeenten.add(gemeente)
        if rol == Rol.BACKOFFICE and gemeente.productenboek_beheerder_id is None:
            # The demo backoffice keeps the demo productenboek (scenario S9 changes it through the API).
            gemeente.productenboek_beheerder = credential.applicatie
            gemeente.save(update_fields=["productenboek_beheerder"])
        applicaties.append(
            {"naam": credential.applicatie.naam, "rol": rol, "clientId": client_id, "secret": credential.secret}
        )
    products_load(gemeente=gemeente)
    password = _admin_password(data_dir or Path(settings.DATA_DIR))
    return {
        "gemeente": {"code": gemeente.code, "naam": gemeente.naam},
        "applicaties": applicaties,
        "admin": {"username": "admin", "password": password},
        "producten": Product.objects.filter(gemeente=gemeente).count(),
    }
