"""Thin Celery tasks of the zaken side."""

from __future__ import annotations

from celery import shared_task

from .sync import zaakstatus_sync


@shared_task
def sync_zaakstatussen() -> int:
    return zaakstatus_sync()
