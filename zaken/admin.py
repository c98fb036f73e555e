"""Admin of the ZGW side: configuration per gemeente with its product and statustype mappings (types
picked from the gemeente's catalogue), the configuration check, and the registered zaken."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from regiekoppeling.models import Voorziening

from .adminforms import Catalogue, ProductMappingForm, StatustypeMappingForm, ZGWConfigForm
from .configcheck import zgw_config_problems
from .models import (
    NotificatieAbonnement,
    ProductMapping,
    StatustypeMapping,
    SyncProbleem,
    Zaak,
    ZaakDocument,
    ZaakNotificatie,
    ZGWConfig,
)


class _CatalogueInline(admin.TabularInline):
    """An inline whose rows pick their types from the configuration's catalogue (read once per page)."""

    extra = 1

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> type[BaseInlineFormSet]:
        formset = super().get_formset(request, obj, **kwargs)
        base = formset.form
        catalogue = getattr(request, "_zgw_catalogue", None)
        if catalogue is None:
            catalogue = Catalogue.of(obj)
            request._zgw_catalogue = catalogue  # type: ignore[attr-defined]
        formset.form = type(base.__name__, (base,), {"config": obj, "catalogue": catalogue})
        return formset


class StatustypeMappingInline(_CatalogueInline):
    model = StatustypeMapping
    form = StatustypeMappingForm
    fields = ["zaaktype", "status", "statustype_omschrijving", "resultaattype_omschrijving"]


class ProductMappingInline(_CatalogueInline):
    model = ProductMapping
    form = ProductMappingForm
    fields = ["product", "zaaktype", "informatieobjecttypen", "besluittype", "strategie", "herindicatie_termijn_dagen"]
    extra = 0


@admin.register(ZGWConfig)
class ZGWConfigAdmin(admin.ModelAdmin):
    form = ZGWConfigForm
    list_display = [
        "gemeente", "strategie", "bronorganisatie", "zaaktype_wmo", "zaaktype_jw", "initiele_status_zetten", "controle",
    ]  # fmt: skip
    list_filter = ["strategie"]
    raw_id_fields = ["gemeente"]
    inlines = [ProductMappingInline, StatustypeMappingInline]
    actions = ["check_configuration"]
    readonly_fields = ["controle"]
    fieldsets = [
        (None, {"fields": ["gemeente", "bronorganisatie", "strategie", "initiele_status_zetten", "controle"]}),
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

    def get_inlines(self, request: HttpRequest, obj: ZGWConfig | None) -> list[type[admin.options.InlineModelAdmin]]:
        # The mappings pick their types from the catalogue: only once the configuration names it.
        return self.inlines if obj is not None else []

    def get_urls(self) -> list[URLPattern]:
        health = self.admin_site.admin_view(self.health_view)
        return [path("<int:pk>/controle/", health, name="zaken_zgwconfig_controle"), *super().get_urls()]

    @admin.display(description="Controle")
    def controle(self, obj: ZGWConfig) -> str:
        if obj.pk is None:
            return "-"
        return format_html('<a href="{}">controleren</a>', reverse("admin:zaken_zgwconfig_controle", args=[obj.pk]))

    @admin.action(description="Configuratie controleren tegen de catalogus")
    def check_configuration(self, request: HttpRequest, queryset: QuerySet[ZGWConfig]) -> None:
        for config in queryset.select_related("gemeente"):
            problems = zgw_config_problems(config=config)
            if not problems:
                self.message_user(request, f"{config.gemeente}: de configuratie is in orde.", messages.SUCCESS)
                continue
            link = reverse("admin:zaken_zgwconfig_controle", args=[config.pk])
            self.message_user(
                request,
                format_html(
                    '{}: {} probleem/problemen, bijvoorbeeld: {} (<a href="{}">alle problemen</a>)',
                    config.gemeente,
                    len(problems),
                    problems[0],
                    link,
                ),
                messages.ERROR,
            )

    def health_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Per gemeente: every mapping checked against the catalogue as it is now."""
        config = get_object_or_404(ZGWConfig.objects.select_related("gemeente"), pk=pk)
        if not self.has_view_permission(request, config):
            return HttpResponse(status=403)
        problems = zgw_config_problems(config=config)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": config,
            "title": f"Controle van de ZGW-configuratie van {config.gemeente}",
            "problems": problems,
            # Scoped to this gemeente; the newest first.
            "unfollowed": Voorziening.objects.filter(aanvraag__gemeente=config.gemeente)
            .exclude(zaakstatus_fout="")
            .only("pk", "uuid", "zaakstatus_fout")
            .order_by("-gewijzigd_op")[:50],
        }
        return TemplateResponse(request, "admin/zaken/zgwconfig/controle.html", context)


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
