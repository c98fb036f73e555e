"""The Celery application; configuration comes from Django settings (CELERY_* keys)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("regiekoppeling")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_connections(**kwargs: object) -> None:
    # With connections reused across tasks (CELERY_DB_REUSE_MAX), drop those that are broken or
    # older than CONN_MAX_AGE, as Django does around every request.
    from django.db import close_old_connections

    close_old_connections()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _new_trace(**kwargs: object) -> None:
    # A worker thread runs task after task: each starts its own W3C trace (an outbox item then continues
    # the trace of the request that queued it), never the one a previous task left behind.
    from regiekoppeling import tracecontext

    tracecontext.forget()


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _scrub_log_lines(logger: object, **kwargs: object) -> None:
    # The worker replaces the root logger's handlers with its own (worker_hijack_root_logger), so the
    # filter of settings.LOGGING is gone there: put it on the worker's handlers too.
    import logging

    from config.logsafety import ScrubFilter

    assert isinstance(logger, logging.Logger)
    for handler in logger.handlers:
        handler.addFilter(ScrubFilter())
