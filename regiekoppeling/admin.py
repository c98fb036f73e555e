"""Admin for functional administrators: parties, products, aanvragen and the outbox.

Records that change only through the API (aanvragen, voorzieningen, beschikkingen, ...) are read-only
here. Client secrets are shown once, right after they are made (a new credential, a rotation), and on
no other page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from . import productenboek, selectors
from .constants import (
    BetrokkeneRol,
    Eenheid,
    Frequentie,
    Leveringsvorm,
    Rol,
    SoortRelatie,
    WettelijkeVertegenwoordiging,
)
from .credentials import DEFAULT_ROTATION_OVERLAP, credential_rotate
from .crypto import decrypt_secret, encrypt_secret
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
    Verwerking,
    Voorziening,
)
from .models.partijen import generate_secret
from .outbox import handler_label, outbox_requeue, outbox_stuck
from .productenboek_io import COLUMNS as PRODUCT_COLUMNS
from .productenboek_io import ProductResource
from .rules import bsn_problem


def mask_bsn(bsn: str) -> str:
    # Lists show only the last digits; the detail page shows the full BSN to administrators.
    return f"*****{bsn[-4:]}" if bsn else ""


class ReadOnlyMixin:
    """For records that change only through the API: view them, nothing more (actions stay)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Gemeente)
class GemeenteAdmin(admin.ModelAdmin):
    list_display = ["code", "naam", "herindicatie_termijn_dagen", "productenboek_beheerder"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "productenboek_beheerder":  # only a backoffice can be master of a productenboek
            kwargs["queryset"] = Applicatie.objects.filter(rol=Rol.BACKOFFICE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    search_fields = ["code", "naam"]


class CredentialInline(admin.TabularInline):
    """No secret here. A new credential is added on the credential page (which shows its secret once)."""

    model = Credential
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["client_id", "actief", "geldig_tot", "aangemaakt_op"]
    readonly_fields = ["client_id", "aangemaakt_op"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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


_SECRET_SESSION_KEY = "regiekoppeling-new-secret-{pk}"  # noqa: S105 (a session key name)


class RotateForm(forms.Form):
    oud_geldig_tot = forms.DateTimeField(
        label="Oude credential geldig tot",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Tot dit moment werken de oude en de nieuwe credential allebei (nu of later).",
    )


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["client_id", "applicatie", "actief", "geldig_tot", "geldig", "aangemaakt_op"]
    list_filter = ["actief", "applicatie__rol"]
    search_fields = ["client_id", "applicatie__naam"]
    list_select_related = ["applicatie"]
    actions = ["rotate"]

    @admin.display(description="geldig", boolean=True)
    def geldig(self, obj: Credential) -> bool:
        return obj.is_geldig() and obj.applicatie.actief

    def get_fields(self, request: HttpRequest, obj: Credential | None = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return ["applicatie", "client_id", "geldig_tot"]
        return ["applicatie", "client_id", "actief", "geldig_tot", "vorige", "aangemaakt_op"]

    def get_readonly_fields(self, request: HttpRequest, obj: Credential | None = None) -> list[str]:  # type: ignore[override]
        return [] if obj is None else ["applicatie", "client_id", "vorige", "aangemaakt_op"]

    def save_model(self, request: HttpRequest, obj: Credential, form: Any, change: bool) -> None:
        if not change:
            secret = generate_secret()
            obj.secret = secret
            super().save_model(request, obj, form, change)
            self._show_once(request, obj, secret)
            return
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: Credential, post_url_continue: str | None = None) -> HttpResponse:
        return HttpResponseRedirect(self._secret_url(obj))

    # --- the secret, once -------------------------------------------------------------------------------

    def _secret_url(self, obj: Credential) -> str:
        return reverse("admin:regiekoppeling_credential_secret", args=[obj.pk])

    def _show_once(self, request: HttpRequest, obj: Credential, secret: str) -> None:
        # Until the next page view, the session (database) holds it, encrypted like the credential.
        request.session[_SECRET_SESSION_KEY.format(pk=obj.pk)] = encrypt_secret(secret)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.secret_view)
        return [path("<int:object_id>/secret/", view, name="regiekoppeling_credential_secret"), *super().get_urls()]

    def secret_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        credential = get_object_or_404(Credential.objects.select_related("applicatie"), pk=object_id)
        if not self.has_change_permission(request, credential):
            return HttpResponseRedirect(reverse("admin:index"))
        stored = request.session.pop(_SECRET_SESSION_KEY.format(pk=credential.pk), None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Credential {credential.client_id}",
            "credential": credential,
            "secret": decrypt_secret(stored) if stored else None,
        }
        # admin_view adds `Cache-Control: no-store` (never_cache): no browser cache keeps the page.
        return TemplateResponse(request, "admin/regiekoppeling/credential/secret.html", context)

    @admin.action(description="Roteren (nieuwe client id en secret; de oude blijft tot een gekozen moment geldig)")
    def rotate(self, request: HttpRequest, queryset: QuerySet[Credential]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Kies precies één credential om te roteren.", messages.ERROR)
            return None
        credential = queryset.select_related("applicatie").get()
        if "apply" in request.POST:
            form = RotateForm(request.POST)
            if form.is_valid():
                made = credential_rotate(credential=credential, old_valid_until=form.cleaned_data["oud_geldig_tot"])
                self.log_change(request, credential, f"Geroteerd; geldig tot {credential.geldig_tot:%Y-%m-%d %H:%M}.")
                self.log_addition(request, made.credential, f"Rotatie van {credential.client_id}.")
                self._show_once(request, made.credential, made.secret)
                return HttpResponseRedirect(self._secret_url(made.credential))
        else:
            default = timezone.localtime(timezone.now() + DEFAULT_ROTATION_OVERLAP).replace(second=0, microsecond=0)
            form = RotateForm(initial={"oud_geldig_tot": default.replace(tzinfo=None)})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Credential {credential.client_id} roteren",
            "credential": credential,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/regiekoppeling/credential/rotate.html", context)


class ProductAdminForm(forms.ModelForm):
    """The three code lists as checkboxes, and the rules of the productenboek on save (the same as the API's)."""

    leveringsvormen = forms.MultipleChoiceField(choices=Leveringsvorm.choices, widget=forms.CheckboxSelectMultiple)
    eenheden = forms.MultipleChoiceField(choices=Eenheid.choices, widget=forms.CheckboxSelectMultiple)
    frequenties = forms.MultipleChoiceField(choices=Frequentie.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Product
        fields = [*PRODUCT_COLUMNS, "onderdelen"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors or data.get("gemeente") is None:
            return data
        values = {k: v for k, v in data.items() if k != "gemeente"}
        values["onderdelen"] = list(data.get("onderdelen") or [])
        stored = self.instance if self.instance.pk else None
        for problem in productenboek.product_problems(gemeente=data["gemeente"], values=values, product=stored):
            field = problem.name.split(".")[0]
            self.add_error(field if field in self.fields else None, problem.reason)
        return data


@admin.register(Product)
class ProductAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):  # type: ignore[misc]
    form = ProductAdminForm
    resource_classes = [ProductResource]
    list_display = ["gemeente", "wet", "categorie", "code", "omschrijving", "ingangsdatum", "einddatum"]
    list_filter = ["gemeente", "wet", "categorie"]
    search_fields = ["code", "omschrijving"]
    filter_horizontal = ["onderdelen"]
    history_list_display = ["omschrijving", "einddatum"]
    import_formats = [base_formats.CSV, base_formats.XLSX]
    export_formats = [base_formats.CSV, base_formats.XLSX]
    from_encoding = "utf-8-sig"  # what a spreadsheet writes as "CSV UTF-8" (with a byte order mark)

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        if isinstance(e, UnicodeDecodeError):
            reason = f"Het bestand is geen UTF-8 (byte {e.start}); sla het op als 'CSV UTF-8' of als XLSX."
        else:
            reason = f"Het bestand is niet te lezen als het gekozen formaat ({type(e).__name__})."
        form.add_error("import_file", reason)

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        productenboek.product_changed(product=obj, actie="partial_update" if change else "create")

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        productenboek.product_delete(product=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # One at a time, through the service; a product that voorzieningen use is ended (einddatum), not deleted.
        return obj is not None and not productenboek.product_in_use(obj) and super().has_delete_permission(request, obj)


class VoorzieningInline(ReadOnlyMixin, admin.StackedInline):
    model = Voorziening
    extra = 0
    can_delete = False
    readonly_fields = ["uuid", "volgnummer", "status", "aangemaakt_op", "gewijzigd_op"]
    raw_id_fields = ["product"]


class OutboxInline(ReadOnlyMixin, admin.TabularInline):
    model = OutboxItem
    extra = 0
    can_delete = False
    fields = ["werk", "state", "attempts", "next_attempt_at", "last_error"]
    readonly_fields = ["werk", "state", "attempts", "next_attempt_at", "last_error"]

    @admin.display(description="werk")
    def werk(self, obj: OutboxItem) -> str:
        return handler_label(obj.handler)


class DocumentInline(ReadOnlyMixin, admin.TabularInline):
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


@admin.register(Aanvraag)
class AanvraagAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "uuid", "gemeente", "wet", "indiener", "regie_referentie", "client", "status", "registratie", "aangemaakt_op",
    ]  # fmt: skip
    actions = ["retry_registration"]
    list_filter = ["status", "wet", "gemeente", "is_arrangement"]
    search_fields = ["uuid", "regie_referentie", "=client_bsn"]
    readonly_fields = ["uuid", "betrokkenen_overzicht", "aangemaakt_op", "gewijzigd_op"]
    exclude = ["betrokkenen"]  # shown as `betrokkenen_overzicht`, with the BSN masked
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

    @admin.display(description="betrokkenen")
    def betrokkenen_overzicht(self, obj: Aanvraag) -> str:
        """Role, relation and name per betrokkene; a BSN only masked (as in the list)."""
        parts = []
        for b in obj.betrokkenen:
            relatie = SoortRelatie(b["soort_relatie"]).label
            extra = (
                f", {WettelijkeVertegenwoordiging(b['vertegenwoordiging']).label}"
                if b.get("vertegenwoordiging")
                else ""
            )
            bsn = f", BSN {mask_bsn(b['bsn'])}" if b.get("bsn") else ""
            parts.append(f"{BetrokkeneRol(b['rol']).label}: {b['naam']['achternaam']} ({relatie}{extra}{bsn})")
        return "; ".join(parts) or "-"

    @admin.display(description="client")
    def client(self, obj: Aanvraag) -> str:
        return f"{obj.client_achternaam} ({mask_bsn(obj.client_bsn)})"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Aanvraag]:
        return super().get_queryset(request).select_related("gemeente", "indiener").prefetch_related("voorzieningen")


@admin.register(Voorziening)
class VoorzieningAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "uuid", "aanvraag", "volgnummer", "product", "leveringsvorm", "status", "registratie", "zaak_identificatie",
        "zaakstatus", "zaakstatus_fout",
    ]  # fmt: skip
    # "zaakstatus_fout not empty": the zaken that did not follow a change, for the administrator to fix.
    list_filter = [
        "status", "registratie", ("zaakstatus_fout", admin.EmptyFieldListFilter), "leveringsvorm", "product__wet",
    ]  # fmt: skip
    search_fields = ["uuid", "aanvraag__uuid", "aanvraag__regie_referentie"]
    readonly_fields = ["uuid", "aangemaakt_op", "gewijzigd_op"]
    raw_id_fields = ["aanvraag", "product"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Voorziening]:
        return super().get_queryset(request).select_related("aanvraag", "product")


class StuckFilter(admin.SimpleListFilter):
    """Items open longer than OUTBOX_STUCK_SECONDS (`outbox.outbox_stuck`), as the warning names them."""

    title = "wachttijd"
    parameter_name = "wachttijd"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("te_lang", f"open te lang (meer dan {settings.OUTBOX_STUCK_SECONDS // 60} minuten)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboxItem]) -> QuerySet[OutboxItem]:
        if self.value() == "te_lang":
            return queryset.filter(pk__in=outbox_stuck().values("pk"))
        return queryset


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin):
    list_display = ["id", "werk", "state", "attempts", "next_attempt_at", "aanvraag", "created_at", "short_error"]
    list_filter = ["state", StuckFilter, "handler"]
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
class TerugkoppelingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["uuid", "aanvraag", "soort", "afzender", "reden_afwijzing", "aangemaakt_op"]
    list_filter = ["soort"]
    search_fields = ["uuid", "aanvraag__uuid"]
    readonly_fields = ["uuid", "aanvraag", "afzender", "soort", "voorzieningen", "fouten", "aangemaakt_op"]


class BeschikkingRegelInline(ReadOnlyMixin, admin.TabularInline):
    model = BeschikkingRegel
    extra = 0
    can_delete = False
    raw_id_fields = ["voorziening"]


@admin.register(Beschikking)
class BeschikkingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["beschikkingnummer", "aanvraag", "datum", "ingangsdatum", "vervaldatum", "afzender"]
    search_fields = ["=beschikkingnummer", "aanvraag__uuid"]
    readonly_fields = ["uuid", "aanvraag", "afzender", "brief", "aangemaakt_op"]
    inlines = [BeschikkingRegelInline]


@admin.register(Toewijzing)
class ToewijzingAdmin(ReadOnlyMixin, admin.ModelAdmin):
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


class SignaalProductInline(ReadOnlyMixin, admin.TabularInline):
    model = SignaalProduct
    extra = 0
    can_delete = False
    fields = ["referentie_aanbieder", "antwoord", "reden_afwijzing", "voorziening", "beantwoord_op"]
    readonly_fields = ["referentie_aanbieder", "voorziening", "beantwoord_op"]


@admin.register(Signaal)
class SignaalAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["uuid", "soort", "bron", "gemeente", "aanbieder_naam", "voorziening", "deadline", "aangemaakt_op"]
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
class DocumentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["titel", "aanvraag", "soort", "bestandsnaam", "bestandsomvang", "registratie", "aangemaakt_op"]
    list_filter = ["registratie", "soort"]
    search_fields = ["uuid", "titel", "aanvraag__uuid"]
    readonly_fields = [
        "uuid", "aanvraag", "indiener", "bestandsnaam", "formaat", "bestandsomvang", "sha256", "inhoud",
        "informatieobject", "registratie_fouten", "upload_gestart", "aangemaakt_op",
    ]  # fmt: skip


# --- the processing log ------------------------------------------------------------------------------


class InzageForm(forms.Form):
    bsn = forms.CharField(label="BSN", min_length=9, max_length=9, strip=True)

    def clean_bsn(self) -> str:
        bsn: str = self.cleaned_data["bsn"]
        problem = bsn_problem(bsn)
        if problem:
            raise forms.ValidationError(problem)
        return bsn


@admin.register(Verwerking)
class VerwerkingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The log is read here, never changed. It holds no BSN: finding one person's records goes through
    the inzage page, which posts the BSN and searches its keyed hash."""

    INZAGE_LIMIT = 1000
    list_display = ["tijdstip", "actie", "verwerkingsactiviteit", "applicatie", "gebruiker_weergave", "gemeente"]
    list_filter = ["actie", "gemeente", "verwerkingsactiviteit"]
    list_select_related = ["applicatie", "gemeente"]
    search_fields = ["trace_id", "=aanvraag_uuid"]
    date_hierarchy = "tijdstip"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.inzage_view)
        return [path("inzage/", view, name="regiekoppeling_verwerking_inzage"), *super().get_urls()]

    def inzage_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        form = InzageForm(request.POST if request.method == "POST" else None)
        found: list[Verwerking] = []
        searched = form.is_bound and form.is_valid()
        if searched:
            found = list(selectors.verwerkingen_about(bsn=form.cleaned_data["bsn"])[: self.INZAGE_LIMIT + 1])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Inzage in het logboek",
            "form": form,
            "searched": searched,
            "verwerkingen": found[: self.INZAGE_LIMIT],
            "truncated": len(found) > self.INZAGE_LIMIT,
            "limit": self.INZAGE_LIMIT,
        }
        return TemplateResponse(request, "admin/regiekoppeling/verwerking/inzage.html", context)
