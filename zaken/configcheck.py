"""Check a gemeente's ZGW configuration against its catalogue before any aanvraag depends on it, and
again later (admin action "Configuratie controleren", the health page per gemeente): a type can be
ended or renamed in the catalogue after it was mapped.

Everything registration, status changes and beschikkingen will look up is looked up here once, for
every zaaktype in use (the default per wet and each product's): the zaaktype itself (published, valid
today), its roltype, besluittype and informatieobjecttypen (linked to the zaaktype), the statustypen
and resultaattypen of the lifecycle mapping, every lifecycle state that needs a mapping, and for the
hoofdzaak strategy that the hoofdzaaktype lists each zaaktype as a deelzaaktype (Open Zaak refuses a
deelzaak otherwise: `invalid-deelzaaktype`). The answer is the list of problems, each saying what to
change; empty means the configuration can work.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field

from regiekoppeling.lifecycle.states import Status
from regiekoppeling.outbox import PermanentError

from . import catalogus, mapping
from .clients import JSON, ZGWUnavailableError
from .models import ProductMapping, ZaakStrategie, ZGWConfig
from .registration import Clients, open_clients

LETTER = "Beschikking"  # informatieobjecttype of a beschikkingsbrief (document soort)
# States that set a statustype (the end states close the zaak with a resultaat and the end status).
STATUS_STATES = (
    Status.ONTVANGEN,
    Status.IN_BEHANDELING,
    Status.IN_ONDERZOEK,
    Status.TOEGEKEND,
    Status.GEDEELTELIJK_TOEGEKEND,
    Status.TOEGEWEZEN,
    Status.IN_LEVERING,
)


@dataclass
class _InUse:
    """What one zaaktype is used with: its wet, besluittypen and informatieobjecttypen, and whether
    its zaken can be deelzaken of a hoofdzaak."""

    wet: str
    besluittypen: set[str] = field(default_factory=set)
    iotypen: set[str] = field(default_factory=set)
    deelzaak: bool = False


def zgw_config_problems(*, config: ZGWConfig, mappings: bool = True) -> list[str]:
    """The problems of the configuration; `mappings=False` leaves out the statustype and product
    mappings (the admin form checks those rows itself, as they are about to be saved)."""
    try:
        with ExitStack() as stack:
            clients = open_clients(config, stack)
            return _problems(clients, config, mappings)
    except ZGWUnavailableError as exc:
        return [f"De Catalogi API is niet bereikbaar: {exc}"]
    except PermanentError as exc:
        return [f"De Catalogi API weigert: {exc}"]


def _in_use(config: ZGWConfig, mappings: bool) -> dict[str, _InUse]:
    hoofdzaak = config.strategie == ZaakStrategie.HOOFDZAAK
    used: dict[str, _InUse] = {}
    for wet, identificatie in (("WMO", config.zaaktype_wmo), ("JW", config.zaaktype_jw)):
        entry = used.setdefault(identificatie, _InUse(wet, deelzaak=hoofdzaak))
        entry.besluittypen.add(config.besluittype)
        entry.iotypen |= {config.informatieobjecttype_bijlage, LETTER}
    if mappings:
        for product in ProductMapping.objects.filter(config=config).select_related("product"):
            ident = mapping.zaaktype(config, product.product.wet, product)
            entry = used.setdefault(ident, _InUse(product.product.wet))
            entry.besluittypen.add(product.besluittype or config.besluittype)
            entry.iotypen |= set(product.informatieobjecttypen) | {LETTER}
            entry.deelzaak |= mapping.strategie(config, product) == ZaakStrategie.HOOFDZAAK
    return used


def _problems(clients: Clients, config: ZGWConfig, mappings: bool) -> list[str]:
    problems: list[str] = []
    zaaktypen: dict[str, JSON] = {}
    used = _in_use(config, mappings)
    for identificatie in used:
        try:
            zaaktypen[identificatie] = catalogus.zaaktype(
                clients.catalogi, catalogus=config.catalogus, identificatie=identificatie
            )
        except PermanentError as exc:
            problems.append(str(exc))
    for identificatie, zaaktype in zaaktypen.items():
        problems += _zaaktype_problems(clients, config, identificatie, zaaktype, used[identificatie], mappings)
    deelzaaktypen = {ident: z for ident, z in zaaktypen.items() if used[ident].deelzaak}
    if deelzaaktypen:
        problems += _hoofdzaak_problems(clients, config, deelzaaktypen, mappings)
    return list(dict.fromkeys(problems))


def _zaaktype_problems(
    clients: Clients, config: ZGWConfig, identificatie: str, zaaktype: JSON, used: _InUse, mappings: bool
) -> list[str]:
    problems: list[str] = []
    url = zaaktype["url"]
    checks = [
        lambda: catalogus.roltype_url(
            clients.catalogi, zaaktype_url=url, omschrijving_generiek=config.roltype_omschrijving_generiek
        ),
        *(
            (
                lambda name=name: catalogus.besluittype_url(
                    clients.catalogi, catalogus=config.catalogus, omschrijving=name, zaaktype=zaaktype
                )
            )
            for name in sorted(used.besluittypen)
        ),
        *(
            (
                lambda name=name: catalogus.informatieobjecttype_url(
                    clients.catalogi, catalogus=config.catalogus, omschrijving=name, zaaktype=zaaktype
                )
            )
            for name in sorted(used.iotypen)
        ),
    ]
    for check in checks:
        try:
            check()
        except PermanentError as exc:
            problems.append(str(exc))
    return problems + _lifecycle_problems(clients, config, identificatie, url, used.wet, mappings)


def _lifecycle_problems(
    clients: Clients, config: ZGWConfig, identificatie: str, url: str, wet: str, mappings: bool
) -> list[str]:
    """The statustypen and resultaattypen the lifecycle will set on zaken of this zaaktype."""
    try:
        names = [t.omschrijving for t in catalogus.statustypen(clients.catalogi, zaaktype_url=url)]
        resultaten = catalogus.resultaattypen(clients.catalogi, zaaktype_url=url)
    except PermanentError as exc:
        return [str(exc)]
    problems: list[str] = []
    wanted = {s: mapping.state(config, zaaktype_identificatie=identificatie, wet=wet, status=s) for s in Status.values}
    if mappings:
        problems += [
            f"Statustype '{m.statustype}' (voor status {s}) bestaat niet bij zaaktype {identificatie}; "
            f"kies een van: {', '.join(sorted(names))}."
            for s, m in wanted.items()
            if m.statustype and m.statustype not in names
        ]
        problems += [
            f"Status {s} heeft geen statustype-koppeling bij zaaktype {identificatie}; kies een statustype "
            "of 'geen statuswijziging'."
            for s in STATUS_STATES
            if not wanted[s].mapped
        ]
    problems += [
        f"Resultaattype '{name}' (voor status {', '.join(s for s, m in wanted.items() if m.resultaattype == name)}) "
        f"bestaat niet bij zaaktype {identificatie}; kies een van: {', '.join(sorted(resultaten))}."
        for name in sorted({m.resultaattype for m in wanted.values() if m.resultaattype})
        if name not in resultaten
    ]
    return problems


def _hoofdzaak_problems(clients: Clients, config: ZGWConfig, zaaktypen: dict[str, JSON], mappings: bool) -> list[str]:
    identificatie = config.hoofdzaaktype or config.zaaktype_wmo
    try:
        hoofdtype = catalogus.zaaktype(clients.catalogi, catalogus=config.catalogus, identificatie=identificatie)
    except PermanentError as exc:
        return [f"Hoofdzaaktype: {exc}"]
    # The hoofdzaak follows all its lines, with its own rows or those of the wet's zaaktype.
    lifecycle = [
        p
        for wet in ("WMO", "JW")
        for p in _lifecycle_problems(clients, config, identificatie, hoofdtype["url"], wet, mappings)
    ]
    missing = [
        ident for ident, zaaktype in zaaktypen.items() if zaaktype["url"] not in hoofdtype.get("deelzaaktypen", [])
    ]
    return lifecycle + [
        f"Strategie hoofdzaak: zaaktype {ident} staat niet in de deelzaaktypen van hoofdzaaktype {identificatie}; "
        "kies een hoofdzaaktype dat het als deelzaaktype noemt (het demo-hoofdzaaktype is RK-AANVRAAG)."
        for ident in missing
    ]
