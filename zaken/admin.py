"""Admin of the ZGW side: configuration per gemeente, the statustype mapping, registered zaken."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from .configcheck import zgw_config_problems
from .models import (
    NotificatieAbonnement,
    StatustypeMapping,
    SyncProbleem,
    Zaak,
    ZaakDocument,
    ZaakNotificatie,
    ZGWConfig,
)


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


class SyncProbleemFilter(admin.SimpleListFilter):
    """Each kind of sync problem with how many zaken have it now: unmapped statustypen, refused
    transitions and failed syncs are counted where the administrator looks."""

    title = "synchronisatieprobleem"
    parameter_name = "sync_probleem"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        counts = dict(
            Zaak.objects.exclude(sync_probleem="").values_list("sync_probleem").annotate(n=Count("id")).order_by()
        )
        return [(value, f"{label} ({counts.get(value, 0)})") for value, label in SyncProbleem.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Zaak]) -> QuerySet[Zaak]:
        return queryset.filter(sync_probleem=self.value()) if self.value() else queryset


@admin.register(Zaak)
class ZaakAdmin(admin.ModelAdmin):
    list_display = [
        "identificatie", "soort", "aanvraag", "toestand", "gesynchroniseerd_op", "sync_bron", "sync_vertraging",
        "sync_probleem", "aangemaakt_op",
    ]  # fmt: skip
    list_filter = [SyncProbleemFilter, "toestand", "sync_bron", "soort"]
    search_fields = ["identificatie", "url", "aanvraag__uuid"]
    readonly_fields = [
        "aanvraag", "soort", "voorzieningen", "hoofdzaak", "identificatie", "zaaktype", "url", "status_url", "rol_url",
        "pogingen", "aangemaakt_op", "huidige_status_url", "status_gezet_op", "toestand", "gesynchroniseerd_op",
        "sync_bron", "sync_vertraging", "sync_probleem", "sync_toelichting",
    ]  # fmt: skip
    inlines = [ZaakDocumentInline]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(NotificatieAbonnement)
class NotificatieAbonnementAdmin(admin.ModelAdmin):
    """Made by `manage.py zgw_notificaties`; the token is never shown."""

    list_display = ["config", "notificaties_service", "callback_url", "abonnement_url", "gecontroleerd_op"]
    readonly_fields = ["config", "notificaties_service", "callback_url", "abonnement_url", "gecontroleerd_op"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ZaakNotificatie)
class ZaakNotificatieAdmin(admin.ModelAdmin):
    list_display = ["id", "resource", "actie", "zaak", "uitkomst", "aanmaakdatum", "ontvangen_op", "verwerkt_op"]
    list_filter = ["uitkomst", "resource", "actie"]
    search_fields = ["resource_url", "hoofd_object"]
    readonly_fields = [f.name for f in ZaakNotificatie._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
