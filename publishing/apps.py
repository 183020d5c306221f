from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publishing"
    verbose_name = _("Publishing")

    def ready(self):
        from audit.registry import track

        from . import models as m

        # The audit trail records what editors change by hand. Not tracked, and why:
        # InstallmentVersion (frozen publications) and PublishedPhoto (their photo copies) are
        # records themselves, never changed once written.
        track(m.Series)
        track(m.Installment, name_joins=["series"])  # an installment is named by its series
        track(m.Feature)
        track(m.FeaturePhoto, name_joins=["feature"])

        from submissions import outcomes

        from .outcomes import installment_outcomes

        # the installments where a unit's case appears, on the unit's own case pages
        outcomes.register(installment_outcomes)
