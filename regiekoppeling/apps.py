from django.apps import AppConfig


class RegiekoppelingConfig(AppConfig):
    name = "regiekoppeling"
    verbose_name = "regiekoppeling"

    def ready(self) -> None:
        # Wiring, not domain: the outbox relays through the Celery task, and the berichten
        # integration registers its handlers (and its admin) the way every integration does.
        from . import outbox, tasks
        from .berichten import admin, handlers  # noqa: F401 - registration happens on import

        outbox.set_relay(lambda item_ids: tasks.process_outbox_items.delay(item_ids))
