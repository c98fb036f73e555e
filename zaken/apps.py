from django.apps import AppConfig


class ZakenConfig(AppConfig):
    """Zaken, Catalogi and Besluiten side: ZGW configuration, typed clients, registration."""

    name = "zaken"
    verbose_name = "Zaakgericht (ZGW)"

    def ready(self) -> None:
        from regiekoppeling.models import OutboxItem
        from regiekoppeling.outbox import register_handler

        from .handlers import handle_besluit, handle_registratie, handle_zaak_status

        register_handler(OutboxItem.Soort.ZAAK_REGISTRATIE, handle_registratie)
        register_handler(OutboxItem.Soort.BESLUIT, handle_besluit)
        register_handler(OutboxItem.Soort.ZAAK_STATUS, handle_zaak_status)
