"""Admin of the ZGW side: configuration per gemeente, the statustype mapping, registered zaken."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin

from .configcheck import zgw_config_problems
from .models import StatustypeMapping, Zaak, ZaakDocument, ZGWConfig


class StatustypeMappingInline(admin.TabularInline):
    model = StatustypeMapping
    extra = 1


class ZGWConfigForm(forms.ModelForm):
    """Refuses a configuration that cannot work, with the reasons, after asking the catalogue. (The
    admin adds the Meta with the model and the fields of the fieldsets.)"""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned  # the fields themselves are wrong first
        candidate = copy.copy(self.instance)
        for name, value in cleaned.items():
            setattr(candidate, name, value)
        problems = zgw_config_problems(config=candidate)
        if problems:
            raise forms.ValidationError([forms.ValidationError(p) for p in problems])
        return cleaned


@admin.register(ZGWConfig)
class ZGWConfigAdmin(admin.ModelAdmin):
    form = ZGWConfigForm
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
                    "besluittype",
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
