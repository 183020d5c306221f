from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "submissions"
    verbose_name = _("Case collection")

    def ready(self):
        from audit.registry import track

        from . import casefields
        from . import models as m

        # The audit trail records what organizers and units create, change and delete by hand.
        # Not tracked, and why:
        # - CaseEvent, CaseSnapshot, Receipt and ImportJob are logs themselves (a receipt is
        #   written once by case_submit and never changed);
        # - Photo and Attachment are uploads and their processing (captions and order are part
        #   of the case history through the case's own entries only when the case changes).
        track(m.Unit)
        track(m.Membership)
        track(m.Call)
        track(m.Category)
        track(m.CallField, m2m_fields={"categories"})
        track(m.DeadlineExtension, exclude_fields=["granted_at"])
        track(m.CallDocument, exclude_fields=["uid"])
        track(
            m.Case,
            exclude_fields=["version"],  # the lost-update counter is bookkeeping
            # the answers to the call's own fields, one line per answer, by the field's label
            expanders={"extra": casefields.audit_lines},
        )

        # Messages may be worded per call, and the outbox filtered by call (messaging.scopes).
        from django.urls import reverse

        from messaging import scopes

        scopes.register(
            scopes.ScopeKind(
                kind="call",
                model=m.Call,
                key_field="slug",
                label=_("Call"),
                back_url=lambda call: reverse("submissions:call_detail", args=[call.slug]),
                choices=lambda: list(
                    m.Call.objects.order_by("-opens_at").values_list("pk", "title")
                ),
            )
        )
