"""The WSGI application (gunicorn `config.wsgi:application`).

Once the application is loaded, every view is imported (not in the first request) and, with
`GC_FREEZE` on (the default), what loading built is moved out of the garbage collector's sight
(`gc.freeze`): otherwise each full collection walks Django, DRF and every module again, and a list
page of 100 aanvragen allocates enough objects to set off collections that cost as much as the
page itself (bench/README.md, "Garbage collection"). `GC_THRESHOLD` (e.g. "7000,10,10") sets the
collector's thresholds; empty keeps Python's.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def settle() -> None:
    from django.conf import settings
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view now
    if settings.GC_THRESHOLD:
        gc.set_threshold(*settings.GC_THRESHOLD)
    if settings.GC_FREEZE:
        gc.collect()
        gc.freeze()


settle()
