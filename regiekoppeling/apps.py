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

        # The API caches credentials per process for a few seconds: a change here empties that cache.
        from django.db.models.signals import post_delete, post_save

        from .api.authentication import forget_credentials
        from .models import Applicatie, Credential

        for model in (Credential, Applicatie):
            post_save.connect(
                forget_credentials, sender=model, dispatch_uid=f"forget_credentials_save_{model.__name__}"
            )
            post_delete.connect(
                forget_credentials, sender=model, dispatch_uid=f"forget_credentials_del_{model.__name__}"
            )
