"""Admin for functional administrators: parties, products, aanvragen and the outbox."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import (
    Aanvraag,
    Applicatie,
    Beschikking,
    BeschikkingRegel,
    Credential,
    Document,
    Gemeente,
    IdempotencyRecord,
    OutboxItem,
    Product,
    Signaal,
    SignaalProduct,
    Terugkoppeling,
    Toewijzing,
    Voorziening,
)
from .outbox import handler_label, outbox_requeue


def mask_bsn(bsn: str) -> str:
    # Lists show only the last digits; the detail page shows the full BSN to administrators.
    return f"*****{bsn[-4:]}" if bsn else ""


@admin.register(Gemeente)
class GemeenteAdmin(admin.ModelAdmin):
    list_display = ["code", "naam", "herindicatie_termijn_dagen"]
    search_fields = ["code", "naam"]


class CredentialInline(admin.TabularInline):
    model = Credential
    extra = 0
    fields = ["client_id", "secret", "actief", "aangemaakt_op"]
    readonly_fields = ["aangemaakt_op"]


@admin.register(Applicatie)
class ApplicatieAdmin(admin.ModelAdmin):
    list_display = ["naam", "rol", "actief", "gemeenten_display"]
    list_filter = ["rol", "actief"]
    search_fields = ["naam", "credentials__client_id"]
    filter_horizontal = ["gemeenten"]
    inlines = [CredentialInline]

    @admin.display(description="gemeenten")
    def gemeenten_display(self, obj: Applicatie) -> str:
        return ", ".join(g.code for g in obj.gemeenten.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Applicatie]:
        return super().get_queryset(request).prefetch_related("gemeenten")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["wet", "categorie", "code", "omschrijving", "actief"]
    list_filter = ["wet", "actief", "categorie"]
    search_fields = ["code", "omschrijving"]


class VoorzieningInline(admin.StackedInline):
    model = Voorziening
    extra = 0
    can_delete = False
    readonly_fields = ["uuid", "volgnummer", "status", "aangemaakt_op", "gewijzigd_op"]
    raw_id_fields = ["product"]


class OutboxInline(admin.TabularInline):
    model = OutboxItem
    extra = 0
    can_delete = False
    fields = ["werk", "state", "attempts", "next_attempt_at", "last_error"]
    readonly_fields = ["werk", "state", "attempts", "next_attempt_at", "last_error"]

    @admin.display(description="werk")
    def werk(self, obj: OutboxItem) -> str:
        return handler_label(obj.handler)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    can_delete = False
    fields = [
        "titel",
        "bestandsnaam",
        "formaat",
        "bestandsomvang",
        "informatieobject",
        "registratie",
        "registratie_fouten",
    ]
    readonly_fields = [
        "titel", "bestandsnaam", "formaat", "bestandsomvang", "informatieobject", "registratie", "registratie_fouten",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Aanvraag)
class AanvraagAdmin(admin.ModelAdmin):
    list_display = [
        "uuid", "gemeente", "wet", "indiener", "regie_referentie", "client", "status", "registratie", "aangemaakt_op",
    ]  # fmt: skip
    actions = ["retry_registration"]
    list_filter = ["status", "wet", "gemeente", "is_arrangement"]
    search_fields = ["uuid", "regie_referentie", "=client_bsn"]
    readonly_fields = ["uuid", "aangemaakt_op", "gewijzigd_op"]
    raw_id_fields = ["arrangement_product"]
    inlines = [VoorzieningInline, DocumentInline, OutboxInline]
    date_hierarchy = "aangemaakt_op"

    @admin.display(description="registratie")
    def registratie(self, obj: Aanvraag) -> str:
        states = sorted({v.get_registratie_display() for v in obj.voorzieningen.all()})
        return ", ".join(states)

    @admin.action(description="Registratie en documenten opnieuw proberen (na herstel van de configuratie)")
    def retry_registration(self, request: HttpRequest, queryset: QuerySet[Aanvraag]) -> None:
        items = OutboxItem.objects.filter(aanvraag__in=queryset).exclude(state=OutboxItem.State.DONE)
        count = outbox_requeue(item_ids=list(items.values_list("pk", flat=True)))
        self.message_user(request, f"{count} item(s) opnieuw in de wachtrij gezet.", messages.SUCCESS)

    @admin.display(description="client")
    def client(self, obj: Aanvraag) -> str:
        return f"{obj.client_achternaam} ({mask_bsn(obj.client_bsn)})"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Aanvraag]:
        return super().get_queryset(request).select_related("gemeente", "indiener").prefetch_related("voorzieningen")


@admin.register(Voorziening)
class VoorzieningAdmin(admin.ModelAdmin):
    list_display = [
        "uuid", "aanvraag", "volgnummer", "product", "leveringsvorm", "status", "registratie", "zaak_identificatie",
        "zaakstatus",
    ]  # fmt: skip
    list_filter = ["status", "registratie", "leveringsvorm", "product__wet"]
    search_fields = ["uuid", "aanvraag__uuid", "aanvraag__regie_referentie"]
    readonly_fields = ["uuid", "aangemaakt_op", "gewijzigd_op"]
    raw_id_fields = ["aanvraag", "product"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Voorziening]:
        return super().get_queryset(request).select_related("aanvraag", "product")


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin):
    list_display = ["id", "werk", "state", "attempts", "next_attempt_at", "aanvraag", "created_at", "short_error"]
    list_filter = ["state", "handler"]
    search_fields = ["uuid", "aanvraag__uuid"]
    readonly_fields = [
        "uuid", "handler", "aanvraag", "payload", "state", "attempts", "next_attempt_at", "claimed_at",
        "last_error", "created_at", "updated_at",
    ]  # fmt: skip
    actions = ["requeue"]

    @admin.display(description="werk", ordering="handler")
    def werk(self, obj: OutboxItem) -> str:
        return f"{handler_label(obj.handler)} ({obj.handler})"

    @admin.display(description="laatste fout")
    def short_error(self, obj: OutboxItem) -> str:
        return obj.last_error[:80]

    @admin.action(description="Opnieuw in de wachtrij zetten (nu)")
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutboxItem]) -> None:
        count = outbox_requeue(item_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} item(s) opnieuw in de wachtrij gezet.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "applicatie", "method", "path", "state", "response_status", "created_at"]
    list_filter = ["state", "method"]
    # The stored response is not shown: it may hold a secret returned once (an abonnement's).
    fields = ["applicatie", "key", "method", "path", "fingerprint", "state", "response_status", "created_at"]
    readonly_fields = ["applicatie", "key", "method", "path", "fingerprint", "state", "response_status", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Terugkoppeling)
class TerugkoppelingAdmin(admin.ModelAdmin):
    list_display = ["uuid", "aanvraag", "soort", "afzender", "reden_afwijzing", "aangemaakt_op"]
    list_filter = ["soort"]
    search_fields = ["uuid", "aanvraag__uuid"]
    readonly_fields = ["uuid", "aanvraag", "afzender", "soort", "voorzieningen", "fouten", "aangemaakt_op"]


class BeschikkingRegelInline(admin.TabularInline):
    model = BeschikkingRegel
    extra = 0
    can_delete = False
    raw_id_fields = ["voorziening"]


@admin.register(Beschikking)
class BeschikkingAdmin(admin.ModelAdmin):
    list_display = ["beschikkingnummer", "aanvraag", "datum", "ingangsdatum", "vervaldatum", "afzender"]
    search_fields = ["=beschikkingnummer", "aanvraag__uuid"]
    readonly_fields = ["uuid", "aanvraag", "afzender", "brief", "aangemaakt_op"]
    inlines = [BeschikkingRegelInline]


@admin.register(Toewijzing)
class ToewijzingAdmin(admin.ModelAdmin):
    list_display = [
        "toewijzingnummer",
        "voorziening",
        "aanbieder",
        "ingangsdatum",
        "einddatum",
        "start_datum",
        "stop_datum",
    ]
    list_filter = ["wet", "gemeente_code"]
    search_fields = ["=toewijzingnummer", "aanbieder", "voorziening__uuid"]
    readonly_fields = ["uuid", "voorziening", "afzender", "gemeente_code", "wet", "aangemaakt_op", "gewijzigd_op"]


class SignaalProductInline(admin.TabularInline):
    model = SignaalProduct
    extra = 0
    can_delete = False
    fields = ["referentie_aanbieder", "antwoord", "reden_afwijzing", "voorziening", "beantwoord_op"]
    readonly_fields = ["referentie_aanbieder", "voorziening", "beantwoord_op"]


@admin.register(Signaal)
class SignaalAdmin(admin.ModelAdmin):
    list_display = ["uuid", "soort", "bron", "gemeente", "voorziening", "deadline", "aangemaakt_op"]
    list_filter = ["soort", "bron", "gemeente"]
    search_fields = ["uuid", "aanvraag__uuid", "voorziening__uuid"]
    readonly_fields = [
        "uuid",
        "soort",
        "bron",
        "gemeente",
        "afzender",
        "voorziening",
        "aanvraag",
        "inhoud",
        "aangemaakt_op",
    ]
    inlines = [SignaalProductInline]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["titel", "aanvraag", "soort", "bestandsnaam", "bestandsomvang", "registratie", "aangemaakt_op"]
    list_filter = ["registratie", "soort"]
    search_fields = ["uuid", "titel", "aanvraag__uuid"]
    readonly_fields = [
        "uuid", "aanvraag", "indiener", "bestandsnaam", "formaat", "bestandsomvang", "sha256", "inhoud",
        "informatieobject", "registratie_fouten", "upload_gestart", "aangemaakt_op",
    ]  # fmt: skip
