from .aanvragen import Aanvraag, Registratie, Voorziening
from .documenten import Document
from .idempotency import IdempotencyRecord
from .outbox import OutboxItem
from .partijen import Applicatie, Credential, Gemeente
from .producten import Product

__all__ = [
    "Aanvraag",
    "Applicatie",
    "Credential",
    "Document",
    "Gemeente",
    "IdempotencyRecord",
    "OutboxItem",
    "Product",
    "Registratie",
    "Voorziening",
]
