from django.apps import AppConfig


class DocumentenConfig(AppConfig):
    """Documenten API side: storing attached documents (bestandsdelen for large files)."""

    name = "documenten"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - registers the outbox handlers
