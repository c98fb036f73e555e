from django.apps import AppConfig


class ZakenConfig(AppConfig):
    """Zaken, Catalogi and Besluiten side (ZGW clients, registration, status sync).

    Empty until the issue "Zaakgericht" lands; the package exists so the layout is stable.
    """

    name = "zaken"
