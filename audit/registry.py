"""The models whose changes the audit trail records (django-auditlog signals).

Tracked: what organizers, units, judges and editors create, change and delete by hand.
Not tracked, and why:
- logs themselves: CaseEvent, ScoreAudit, AwardChange, ImportJob, InstallmentVersion (frozen
  publications), PublishedPhoto;
- derived rows rewritten wholesale: Result (results_compute), RoundCase (round entries), Score
  (replaced on every save; `judging.services.reviews.review_save` records the criterion scores,
  before → after, on the assignment instead);
- uploads and their processing: Photo, Attachment (captions and order are part of the case
  history through the case's own entries only when the case changes).
Bulk writes that send no signal (bulk_create, QuerySet.update) are recorded by the services
through `audit.services.record` / `record_bulk`.
"""

from auditlog.registry import auditlog
from django.apps import apps

#: app_label.Model → register() options
TRACKED = {
    "accounts.User": {
        "mask_fields": ["password"],
        "mask_callable": "audit.registry.mask_secret",
        "exclude_fields": ["last_login"],
    },
    "submissions.Unit": {},
    "submissions.Membership": {},
    "submissions.Call": {},
    "submissions.Category": {},
    "submissions.DeadlineExtension": {"exclude_fields": ["granted_at"]},
    "submissions.Case": {"exclude_fields": ["version"]},
    "judging.Judge": {},
    "judging.Round": {
        "m2m_fields": {"panel"},
        # Derived by results_compute, which records its own entry.
        "exclude_fields": [
            "results_computed_at",
            "results_top_n",
            "results_excellent_m",
            "results_queued_at",
        ],
    },
    "judging.Criterion": {},
    "judging.Conflict": {"exclude_fields": ["declared_at"]},
    "judging.Assignment": {},
    "judging.Award": {},
    "judging.Notice": {},
    "judging.Objection": {},
    "publishing.Series": {},
    "publishing.Installment": {},
    "publishing.Feature": {},
    "publishing.FeaturePhoto": {},
}


def mask_secret(value: str) -> str:
    """A password hash is never shown, not even in part (auditlog's default keeps half); the
    missing value before an account existed stays what it is."""
    if value in (None, "", "None"):
        return value
    return "********"


def tracked_models() -> list:
    return [apps.get_model(label) for label in TRACKED]


#: Bookkeeping times: the entry has its own.
ALWAYS_EXCLUDED = ("created_at", "updated_at")


def register_models() -> None:
    for label, options in TRACKED.items():
        model = apps.get_model(label)
        if auditlog.contains(model):
            continue
        options = {k: (list(v) if isinstance(v, list) else v) for k, v in options.items()}
        names = {f.name for f in model._meta.get_fields()}
        options["exclude_fields"] = [
            *options.get("exclude_fields", []),
            *(n for n in ALWAYS_EXCLUDED if n in names),
        ]
        auditlog.register(model, **options)
