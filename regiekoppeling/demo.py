"""The demo configuration: one gemeente, a regie and a backoffice application, a product list.

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

from .constants import PRODUCTCATEGORIEEN, Rol
from .models import Applicatie, Credential, Gemeente, Product

DEMO_GEMEENTE = ("0363", "Amsterdam")
DEMO_APPLICATIES = [
    ("Demo regieapplicatie", Rol.REGIE, "demo-regie"),
    ("Demo backofficeapplicatie", Rol.BACKOFFICE, "demo-backoffice"),
]
_PRODUCTEN_FILE = Path(__file__).parent / "data" / "demo_producten.json"


@transaction.atomic
def products_load() -> int:
    """Every categorie of both wetten (categorie-only product) plus the demo product codes."""
    created = 0
    rows = [(wet, cat, "", naam) for wet, cats in PRODUCTCATEGORIEEN.items() for cat, naam in cats.items()]
    data = json.loads(_PRODUCTEN_FILE.read_text(encoding="utf-8"))
    rows += [(p["wet"], p["categorie"], p["code"], p["omschrijving"]) for p in data["producten"]]
    for wet, categorie, code, omschrijving in rows:
        _, was_created = Product.objects.get_or_create(
            wet=wet, categorie=categorie, code=code, defaults={"omschrijving": omschrijving}
        )
        created += was_created
    return created


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
        applicaties.append(
            {"naam": credential.applicatie.naam, "rol": rol, "clientId": client_id, "secret": credential.secret}
        )
    products_load()
    password = _admin_password(data_dir or Path(settings.DATA_DIR))
    return {
        "gemeente": {"code": gemeente.code, "naam": gemeente.naam},
        "applicaties": applicaties,
        "admin": {"username": "admin", "password": password},
        "producten": Product.objects.filter(actief=True).count(),
    }
