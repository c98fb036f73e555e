"""Point a gemeente at a set of ZGW APIs (the sandbox for `make run`, or any Open Zaak)."""

from __future__ import annotations

from django.db import transaction
from zgw_consumers.constants import APITypes

from regiekoppeling.lifecycle.states import Status
from regiekoppeling.models import Gemeente

from .clients import service_upsert
from .models import StatustypeMapping, ZGWConfig

APIS = {
    APITypes.zrc: ("zaken", "zaken/api/v1/"),
    APITypes.ztc: ("catalogi", "catalogi/api/v1/"),
    APITypes.drc: ("documenten", "documenten/api/v1/"),
    APITypes.brc: ("besluiten", "besluiten/api/v1/"),
}

# The demo catalogus' statustypen for the lifecycle (by omschrijving); the end states close the zaak with
# their default resultaattype (Afgewezen, Ingetrokken, Toegekend) and the end status.
DEMO_STATUSTYPEN = {
    Status.ONTVANGEN: "Ontvangen",
    Status.IN_BEHANDELING: "In behandeling",
    Status.IN_ONDERZOEK: "In onderzoek",
    Status.TOEGEKEND: "Besluit genomen",
    Status.GEDEELTELIJK_TOEGEKEND: "Besluit genomen",
    Status.TOEGEWEZEN: "",  # deliberately no status change: "In levering" follows
    Status.IN_LEVERING: "In levering",
}


@transaction.atomic
def zgw_configure(
    *,
    gemeente: Gemeente,
    base_url: str,
    client_id: str,
    secret: str,
    catalogus: str,
    bronorganisatie: str,
    zaaktype_wmo: str = "WMO-VOORZIENING",
    zaaktype_jw: str = "JW-VOORZIENING",
    hoofdzaaktype: str = "RK-AANVRAAG",
) -> ZGWConfig:
    base = base_url.rstrip("/") + "/"
    services = {}
    for api_type, (slug, path) in APIS.items():
        service = service_upsert(
            slug=f"{slug}-{gemeente.code}",
            label=f"{slug.capitalize()} API ({gemeente.naam})",
            api_type=api_type,
            api_root=base + path,
            client_id=client_id,
            secret=secret,
        )
        services[api_type] = service
    config, _ = ZGWConfig.objects.update_or_create(
        gemeente=gemeente,
        defaults={
            "zaken_service": services[APITypes.zrc],
            "catalogi_service": services[APITypes.ztc],
            "documenten_service": services[APITypes.drc],
            "besluiten_service": services[APITypes.brc],
            "bronorganisatie": bronorganisatie,
            "catalogus": catalogus,
            "zaaktype_wmo": zaaktype_wmo,
            "zaaktype_jw": zaaktype_jw,
            # Used by the hoofdzaak strategy only; it must list both zaaktypen as deelzaaktypen.
            "hoofdzaaktype": hoofdzaaktype,
        },
    )
    for zaaktype in (zaaktype_wmo, zaaktype_jw):
        for status, omschrijving in DEMO_STATUSTYPEN.items():
            StatustypeMapping.objects.update_or_create(
                config=config, zaaktype=zaaktype, status=status, defaults={"statustype_omschrijving": omschrijving}
            )
    return config
