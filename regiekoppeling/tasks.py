"""Thin Celery tasks: they take ids and call one service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .lifecycle.changes import voorzieningen_end_due
from .logboek import verwerkingen_prune
from .models import IdempotencyRecord
from .outbox import outbox_process, outbox_stuck_report, outbox_sweep
from .signalen import herindicatie_raise_due


@shared_task
def process_outbox_items(item_ids: list[int]) -> list[str | None]:
    return [outbox_process(item_id=item_id) for item_id in item_ids]


@shared_task
def sweep_outbox() -> int:
    return outbox_sweep()


@shared_task
def report_stuck_outbox() -> int:
    return outbox_stuck_report()


@shared_task
def prune_idempotency_records() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@shared_task
def prune_verwerkingen() -> int:
    return verwerkingen_prune()


@shared_task
def raise_herindicaties() -> int:
    # Grants past their einddatum end first; the ones about to end get their herindicatie.
    voorzieningen_end_due()
    return herindicatie_raise_due()
