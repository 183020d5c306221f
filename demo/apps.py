from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`; sits above every other app, so it may import them all."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo data"
