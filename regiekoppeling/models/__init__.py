from .aanvragen import Aanvraag, Voorziening
from .idempotency import IdempotencyRecord
from .outbox import OutboxItem
from .partijen import Applicatie, Credential, Gemeente
from .producten import Product

__all__ = [
    "Aanvraag",
    "Applicatie",
    "Credential",
    "Gemeente",
    "IdempotencyRecord",
    "OutboxItem",
    "Product",
    "Voorziening",
]
