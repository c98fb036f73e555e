from django.apps import AppConfig


class DocumentenConfig(AppConfig):
    """Documenten API side: storing attached documents (bestandsdelen for large files)."""

    name = "documenten"

    def ready(self) -> None:
        from regiekoppeling.models import OutboxItem
        from regiekoppeling.outbox import register_handler

        from .storage import document_store

        def handle_document(item: OutboxItem) -> None:
            document_store(document_uuid=item.payload["document"])

        register_handler(OutboxItem.Soort.DOCUMENT, handle_document)
