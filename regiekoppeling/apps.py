from django.apps import AppConfig


class RegiekoppelingConfig(AppConfig):
    name = "regiekoppeling"
    verbose_name = "regiekoppeling"

    def ready(self) -> None:
        from .berichten import admin, handlers  # noqa: F401 - admin registers its classes on import

        handlers.register()
