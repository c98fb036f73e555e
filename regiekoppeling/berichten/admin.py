"""Admin of the berichten side (imported from `RegiekoppelingConfig.ready`). Webhook deliveries are
outbox items of soort `webhook`: their retries and dead letters are in the outbox admin."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ..models import Abonnement, Bericht


@admin.register(Bericht)
class BerichtAdmin(admin.ModelAdmin):
    list_display = ["id", "ontvanger", "gebeurtenis", "resource", "actie", "aanmaakdatum"]
    list_filter = ["resource", "gebeurtenis", "ontvanger"]
    search_fields = ["uuid", "aanvraag__uuid", "resource_url"]
    readonly_fields = [
        "uuid", "ontvanger", "bron", "aanvraag", "kanaal", "hoofd_object", "resource", "resource_url", "actie",
        "aanmaakdatum", "kenmerken", "gebeurtenis",
    ]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Bericht]:
        return super().get_queryset(request).select_related("ontvanger")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Abonnement)
class AbonnementAdmin(admin.ModelAdmin):
    list_display = ["callback_url", "applicatie", "actief", "aangemaakt_op"]
    list_filter = ["actief"]
    search_fields = ["uuid", "callback_url", "applicatie__naam"]
    # The secret and the auth value are the subscriber's; administrators can switch a webhook off.
    fields = ["uuid", "applicatie", "callback_url", "actief", "aangemaakt_op"]
    readonly_fields = ["uuid", "applicatie", "callback_url", "aangemaakt_op"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Abonnement]:
        return super().get_queryset(request).select_related("applicatie")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
