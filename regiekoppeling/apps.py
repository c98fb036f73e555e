from django.apps import AppConfig


class RegiekoppelingConfig(AppConfig):
    name = "regiekoppeling"
    verbose_name = "regiekoppeling"
