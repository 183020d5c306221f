from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from auditlog.models import LogEntry
        from django.db.models.signals import pre_save

        from . import context, registry

        registry.register_models()
        pre_save.connect(context.fill_entry, sender=LogEntry, dispatch_uid="audit-fill-entry")
        context.connect_celery()
