from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JudgingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "judging"
    verbose_name = _("Judging")

    def ready(self):
        from submissions.signals import award_numbers_changed

        from .services.results import on_award_numbers_changed

        award_numbers_changed.connect(on_award_numbers_changed, dispatch_uid="judging-results")
