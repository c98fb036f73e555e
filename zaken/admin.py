"""Admin of the ZGW side: configuration per gemeente, the statustype mapping, registered zaken."""

from __future__ import annotations

from django.contrib import admin

from .models import StatustypeMapping, Zaak, ZaakDocument, ZGWConfig


class StatustypeMappingInline(admin.TabularInline):
    model = StatustypeMapping
    extra = 1


@admin.register(ZGWConfig)
class ZGWConfigAdmin(admin.ModelAdmin):
    list_display = ["gemeente", "strategie", "bronorganisatie", "zaaktype_wmo", "zaaktype_jw", "initiele_status_zetten"]
    list_filter = ["strategie"]
    raw_id_fields = ["gemeente"]
    inlines = [StatustypeMappingInline]
    fieldsets = [
        (None, {"fields": ["gemeente", "bronorganisatie", "strategie", "initiele_status_zetten"]}),
        ("API's", {"fields": ["zaken_service", "catalogi_service", "documenten_service", "besluiten_service"]}),
        (
            "Catalogus",
            {
                "fields": [
                    "catalogus",
                    "zaaktype_wmo",
                    "zaaktype_jw",
                    "hoofdzaaktype",
                    "roltype_omschrijving_generiek",
                    "informatieobjecttype_bijlage",
                    "vertrouwelijkheidaanduiding",
                ]
            },
        ),
    ]


class ZaakDocumentInline(admin.TabularInline):
    model = ZaakDocument
    extra = 0
    can_delete = False
    readonly_fields = ["document", "url"]


@admin.register(Zaak)
class ZaakAdmin(admin.ModelAdmin):
    list_display = ["identificatie", "soort", "aanvraag", "url", "status_url", "rol_url", "aangemaakt_op"]
    list_filter = ["soort"]
    search_fields = ["identificatie", "url", "aanvraag__uuid"]
    readonly_fields = [
        "aanvraag", "soort", "voorzieningen", "hoofdzaak", "identificatie", "zaaktype", "url", "status_url", "rol_url",
        "pogingen", "aangemaakt_op",
    ]  # fmt: skip
    inlines = [ZaakDocumentInline]

    def has_add_permission(self, request: object) -> bool:
        return False
