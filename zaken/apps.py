from django.apps import AppConfig


class ZakenConfig(AppConfig):
    """Zaken, Catalogi and Besluiten side: ZGW configuration, typed clients, registration."""

    name = "zaken"
    verbose_name = "Zaakgericht (ZGW)"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - registers the outbox handlers
        from .configcache import connect_signals
        from .mapping import register_lead_times

        register_lead_times()
        connect_signals()
