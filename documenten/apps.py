from django.apps import AppConfig


class DocumentenConfig(AppConfig):
    """Documenten API side (uploads, bestandsdelen). Empty until the issue "Zaakgericht" lands."""

    name = "documenten"
