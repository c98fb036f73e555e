"""The one writer of the zaak fields of voorzieningen (and the hoofdzaak fields of an aanvraag).

These fields are a read-through of the Zaken API, so API responses need no remote call: the zaak's
url and identificatie, its current status (omschrijving of the statustype and when it was set), and
where the registration stands with its errors. Registration, status changes, besluiten and the status
sync all write them here, and every write moves `gewijzigd_op` the same way, so a client that lists
`gewijzigdVanaf` sees each change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from regiekoppeling.models import Aanvraag, Registratie

from .models import Zaak


def _write(zaak: Zaak, **fields: Any) -> int:
    return zaak.voorzieningen.update(**fields, gewijzigd_op=timezone.now())


def zaak_registered(*, zaak: Zaak, status_omschrijving: str | None) -> None:
    """The zaak exists in the Zaken API (with its initial status when this service set one)."""
    if zaak.soort == Zaak.Soort.HOOFDZAAK:
        Aanvraag.objects.filter(pk=zaak.aanvraag_id).update(
            hoofdzaak_url=zaak.url, hoofdzaak_identificatie=zaak.identificatie, gewijzigd_op=timezone.now()
        )
        return
    fields: dict[str, Any] = {
        "zaak_url": zaak.url,
        "zaak_identificatie": zaak.identificatie,
        "registratie": Registratie.GEREGISTREERD,
        "registratie_fouten": [],
        "zaak_toestand": "open",
    }
    if status_omschrijving is not None:
        fields |= {"zaakstatus": status_omschrijving, "zaakstatus_gezet_op": timezone.now()}
    _write(zaak, **fields)


def zaakstatus_set(
    *, zaak: Zaak, omschrijving: str, gezet_op: dt.datetime | None = None, toestand: str | None = None
) -> int:
    """The zaak has a new current status; returns how many voorzieningen show it. A voorziening shows
    the status of its own zaak (or deelzaak), never the hoofdzaak's. `toestand`: the zaak was closed
    ("afgesloten") or is gone ("verwijderd") in the Zaken API."""
    if zaak.soort == Zaak.Soort.HOOFDZAAK:
        return 0
    extra = {"zaak_toestand": toestand} if toestand else {}
    return _write(
        zaak, zaakstatus=omschrijving, zaakstatus_gezet_op=gezet_op or timezone.now(), zaakstatus_fout="", **extra
    )


def zaakstatus_failed(*, zaak: Zaak, detail: str) -> int:
    """The zaak could not follow a change (unmapped state, a type the catalogue lacks): the lines say
    why, until a later status is set. A hoofdzaak's problem shows on all the lines it carries."""
    prefix = "Hoofdzaak: " if zaak.soort == Zaak.Soort.HOOFDZAAK else ""
    return _write(zaak, zaakstatus_fout=(prefix + detail)[:500])


def registration_failed(*, aanvraag: Aanvraag, fouten: list[dict[str, Any]]) -> None:
    """Show a refusal on every line of the aanvraag that is not registered yet."""
    aanvraag.voorzieningen.exclude(registratie=Registratie.GEREGISTREERD).update(
        registratie=Registratie.MISLUKT, registratie_fouten=fouten, gewijzigd_op=timezone.now()
    )


def registration_delayed(*, aanvraag: Aanvraag, detail: str) -> None:
    """A retryable failure: the lines not registered yet still wait, and show the last error."""
    aanvraag.voorzieningen.filter(registratie=Registratie.WACHT).update(
        registratie_fouten=[{"detail": detail[:500], "invalid_params": []}], gewijzigd_op=timezone.now()
    )


def zaakstatus_resolved(*, zaak: Zaak) -> None:
    """The zaak follows its lines again: a problem recorded before is gone (only lines that show one
    are written, so an ordinary change does not move `gewijzigd_op`)."""
    zaak.voorzieningen.exclude(zaakstatus_fout="").update(zaakstatus_fout="", gewijzigd_op=timezone.now())


def zaak_toestand_set(*, zaak: Zaak, toestand: str) -> int:
    """The zaak was closed or is gone, without a new status (for example deleted in the Zaken API)."""
    if zaak.soort == Zaak.Soort.HOOFDZAAK:
        return 0
    return _write(zaak, zaak_toestand=toestand)
