from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = _("Award certificates")

    def ready(self):
        from audit.registry import track
        from submissions import outcomes

        from . import models as m
        from .outcomes import provide

        # The design (who changed it) and each certificate (issued, revoked, restored); the
        # job is a progress row, the PDF file and render times are derived.
        track(m.CertificateDesign, name_joins=["call"])
        track(
            m.Certificate,
            include_fields=["number", "case_title", "revoked_at", "revoked_by", "revoke_reason"],
        )
        outcomes.register(provide)
