from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        from audit.registry import track

        from . import models as m

        # The organizers' wording of messages is audited. Not tracked: Message, the outbox,
        # which is a log itself (every attempt, its reason, who queued it).
        track(m.MessageTemplate, exclude_fields=["updated_by"])
