from .aanvragen import Aanvraag, Registratie, Voorziening
from .berichten import Abonnement, Bericht
from .documenten import Document
from .idempotency import IdempotencyRecord
from .outbox import OutboxItem
from .partijen import Applicatie, Credential, Gemeente
from .producten import Product
from .signalen import Signaal, SignaalProduct
from .terugkoppelingen import Beschikking, BeschikkingRegel, Terugkoppeling
from .toewijzingen import Toewijzing

__all__ = [
    "Aanvraag",
    "Abonnement",
    "Applicatie",
    "Bericht",
    "Beschikking",
    "BeschikkingRegel",
    "Credential",
    "Document",
    "Gemeente",
    "IdempotencyRecord",
    "OutboxItem",
    "Product",
    "Registratie",
    "Signaal",
    "SignaalProduct",
    "Terugkoppeling",
    "Toewijzing",
    "Voorziening",
]
