"""Check a gemeente's ZGW configuration against its catalogue before any aanvraag depends on it.

Everything registration, status changes and beschikkingen will look up is looked up here once: the
zaaktype per wet (published, valid today), the statustypen of the mapping, the resultaattypen the
lifecycle closes with, the roltype, the informatieobjecttypen for documents and the letter (linked to the
zaaktype), the besluittype, and for the hoofdzaak strategy that the hoofdzaaktype lists each zaaktype as
a deelzaaktype (Open Zaak refuses a deelzaak otherwise: `invalid-deelzaaktype`). The answer is the list
of problems, each saying what to change; empty means the configuration can work.
"""

from __future__ import annotations

from contextlib import ExitStack

from regiekoppeling.outbox import PermanentError

from . import catalogus
from .clients import JSON, ZGWUnavailableError
from .models import StatustypeMapping, ZaakStrategie, ZGWConfig
from .registration import Clients, open_clients

# The resultaattypen (omschrijving) the service sets: a beschikking's outcome and the end of a lifecycle.
RESULTAATTYPEN = ("Toegekend", "Afgewezen", "Ingetrokken")
LETTER = "Beschikking"  # informatieobjecttype of a beschikkingsbrief (document soort)


def zgw_config_problems(*, config: ZGWConfig) -> list[str]:
    try:
        with ExitStack() as stack:
            clients = open_clients(config, stack)
            return _problems(clients, config)
    except ZGWUnavailableError as exc:
        return [f"De Catalogi API is niet bereikbaar: {exc}"]
    except PermanentError as exc:
        return [f"De Catalogi API weigert: {exc}"]


def _problems(clients: Clients, config: ZGWConfig) -> list[str]:
    problems: list[str] = []
    zaaktypen: dict[str, JSON] = {}
    for identificatie in dict.fromkeys((config.zaaktype_wmo, config.zaaktype_jw)):
        try:
            zaaktypen[identificatie] = catalogus.zaaktype(
                clients.catalogi, catalogus=config.catalogus, identificatie=identificatie
            )
        except PermanentError as exc:
            problems.append(str(exc))
    for identificatie, zaaktype in zaaktypen.items():
        problems += _zaaktype_problems(clients, config, identificatie, zaaktype)
    if config.strategie == ZaakStrategie.HOOFDZAAK:
        problems += _hoofdzaak_problems(clients, config, zaaktypen)
    return problems


def _zaaktype_problems(clients: Clients, config: ZGWConfig, identificatie: str, zaaktype: JSON) -> list[str]:
    problems: list[str] = []
    url = zaaktype["url"]
    names: set[str] = set()
    try:
        names = {t.omschrijving for t in catalogus.statustypen(clients.catalogi, zaaktype_url=url)}
    except PermanentError as exc:
        problems.append(str(exc))
    checks = [
        lambda: catalogus.roltype_url(
            clients.catalogi, zaaktype_url=url, omschrijving_generiek=config.roltype_omschrijving_generiek
        ),
        lambda: catalogus.besluittype_url(
            clients.catalogi, catalogus=config.catalogus, omschrijving=config.besluittype, zaaktype=zaaktype
        ),
        *(
            (lambda name=name: catalogus.resultaattype_url(clients.catalogi, zaaktype_url=url, omschrijving=name))
            for name in RESULTAATTYPEN
        ),
        *(
            (
                lambda name=name: catalogus.informatieobjecttype_url(
                    clients.catalogi, catalogus=config.catalogus, omschrijving=name, zaaktype=zaaktype
                )
            )
            for name in dict.fromkeys((config.informatieobjecttype_bijlage, LETTER))
        ),
    ]
    for check in checks:
        try:
            check()
        except PermanentError as exc:
            problems.append(str(exc))
    mapped = StatustypeMapping.objects.filter(config=config, zaaktype=identificatie).exclude(statustype_omschrijving="")
    if names:  # without statustypen the problem is reported above
        problems += [
            f"Statustype '{m.statustype_omschrijving}' (voor status {m.status}) bestaat niet bij zaaktype "
            f"{identificatie}; kies een van: {', '.join(sorted(names))}."
            for m in mapped
            if names and m.statustype_omschrijving not in names
        ]
    return problems


def _hoofdzaak_problems(clients: Clients, config: ZGWConfig, zaaktypen: dict[str, JSON]) -> list[str]:
    identificatie = config.hoofdzaaktype or config.zaaktype_wmo
    try:
        hoofdtype = catalogus.zaaktype(clients.catalogi, catalogus=config.catalogus, identificatie=identificatie)
    except PermanentError as exc:
        return [f"Hoofdzaaktype: {exc}"]
    missing = [
        ident for ident, zaaktype in zaaktypen.items() if zaaktype["url"] not in hoofdtype.get("deelzaaktypen", [])
    ]
    return [
        f"Strategie hoofdzaak: zaaktype {ident} staat niet in de deelzaaktypen van hoofdzaaktype {identificatie}; "
        "kies een hoofdzaaktype dat het als deelzaaktype noemt (het demo-hoofdzaaktype is RK-AANVRAAG)."
        for ident in missing
    ]
