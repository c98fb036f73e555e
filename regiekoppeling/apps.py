from django.apps import AppConfig


class RegiekoppelingConfig(AppConfig):
    name = "regiekoppeling"
    verbose_name = "regiekoppeling"

    def ready(self) -> None:
        # Wiring, not domain: the outbox relays through the Celery task, and the berichten
        # integration registers its handlers (and its admin) the way every integration does.
        from django.db.models import signals

        from . import outbox, planner_stats, tasks
        from .berichten import admin, handlers  # noqa: F401 - registration happens on import
        from .models import Applicatie, Credential, Gemeente

        outbox.set_relay(lambda item_ids: tasks.process_outbox_items.delay(item_ids))
        # Keep the planner's statistics of the configuration tables current (see planner_stats).
        signals.post_migrate.connect(planner_stats.analyse_after_migrate, sender=self)
        for model in (Gemeente, Applicatie, Credential):
            signals.post_save.connect(planner_stats.analyse_after_change, sender=model)
            signals.post_delete.connect(planner_stats.analyse_after_change, sender=model)
        signals.m2m_changed.connect(planner_stats.analyse_after_change, sender=Applicatie.gemeenten.through)

        # The API caches credentials per process for a few seconds: a change here empties that cache.
        from .api.authentication import forget_credentials

        for model in (Credential, Applicatie):
            signals.post_save.connect(
                forget_credentials, sender=model, dispatch_uid=f"forget_credentials_save_{model.__name__}"
            )
            signals.post_delete.connect(
                forget_credentials, sender=model, dispatch_uid=f"forget_credentials_del_{model.__name__}"
            )
