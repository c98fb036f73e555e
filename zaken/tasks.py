"""Thin Celery tasks of the zaken side."""

from __future__ import annotations

from celery import shared_task

from .reconcile import zaken_reconcile


@shared_task
def reconcile_zaken() -> int:
    return zaken_reconcile().changed
