from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from auditlog.models import LogEntry
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from . import context, registry

        # Accounts sit below the audit app and cannot call it: the user model is tracked here.
        # Passwords are masked whole; the last login is bookkeeping, not an action.
        registry.track(
            get_user_model(),
            mask_fields=["password"],
            mask_callable="audit.registry.mask_secret",
            exclude_fields=["last_login"],
        )
        # The site profile (网站信息) is core's, which sits below the audit app too.
        from core.models import SiteProfile

        registry.track(SiteProfile, exclude_fields=["logo_token"])
        pre_save.connect(context.fill_entry, sender=LogEntry, dispatch_uid="audit-fill-entry")
        context.connect_celery()
