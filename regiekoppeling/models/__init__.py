from .aanvragen import Aanvraag, Registratie, Voorziening
from .berichten import Abonnement, Bericht
from .documenten import Document
from .idempotency import IdempotencyRecord
from .logboek import Actie, Verwerking
from .outbox import OutboxItem
from .partijen import Applicatie, Credential, Gemeente
from .producten import Product
from .signalen import Signaal, SignaalProduct
from .terugkoppelingen import Beschikking, BeschikkingRegel, Terugkoppeling
from .toewijzingen import Toewijzing

__all__ = [
    "Aanvraag",
    "Abonnement",
    "Actie",
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
    "Verwerking",
    "Voorziening",
]
