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
