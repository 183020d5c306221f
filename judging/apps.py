from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JudgingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "judging"
    verbose_name = _("Judging")

    def ready(self):
        from audit.registry import track

        from . import models as m
        from . import services as s

        # The audit trail records what organizers and judges create, change and delete by hand.
        # Not tracked, and why:
        # - ScoreAudit and AwardChange are logs themselves;
        # - Result (results_compute) and RoundCase (round entries) are derived rows rewritten
        #   wholesale: the services record one summary entry on the round instead;
        # - Score is replaced on every save: `services.reviews.review_save` records the
        #   criterion scores, before → after, on the assignment instead.
        track(m.Judge)
        track(
            m.Round,
            m2m_fields={"panel"},
            # Derived by results_compute, which records its own entry.
            exclude_fields=[
                "results_computed_at",
                "results_top_n",
                "results_excellent_m",
                "results_quotas",
                "results_queued_at",
            ],
            name_joins=["call"],
            change_labels={
                s.AUDIT_ASSIGNMENTS: _("Assignments"),
                s.AUDIT_ENTRIES: _("Cases in the round"),
                s.AUDIT_RESULTS: _("Results"),
            },
        )
        track(m.Criterion)
        track(m.Conflict, exclude_fields=["declared_at"], name_joins=["judge", "case"])
        track(
            m.Assignment,
            name_joins=["judge", "case", "round"],
            prefix_labels={s.AUDIT_SCORE_PREFIX: _("Score · %(name)s")},
        )
        track(m.Award, name_joins=["case"])
        track(m.Notice)
        track(m.Invitation, exclude_fields=["token"], name_joins=["judge", "round"])
        track(m.PledgeSignature, name_joins=["judge", "round"])
        track(m.Objection)
        # The seed stays out of the trail: it is secret until the draw reveals it on the record.
        track(m.DrawingRecord, exclude_fields=["seed", "payload"], name_joins=["round"])
        track(m.ExpertRating, name_joins=["judge", "round"])

        # Consensus (合议) and tie decisions (issue 14): who opened, commented, decided.
        track(m.Discussion, exclude_fields=["opened_at"], name_joins=["case", "round"])
        track(m.DiscussionComment, exclude_fields=["at"], name_joins=["judge"])
        track(m.TieDecision, exclude_fields=["at"], name_joins=["round"])

        track(m.RoundSigning, name_joins=["round"])
        track(m.ResultSignature, name_joins=["round"])
        track(m.WorkCalendarDay)

        from submissions.signals import award_numbers_changed

        from .services.results import on_award_numbers_changed

        award_numbers_changed.connect(on_award_numbers_changed, dispatch_uid="judging-results")

        from .services.invitations import on_experts_drawn
        from .signals import experts_drawn

        experts_drawn.connect(on_experts_drawn, dispatch_uid="judging-invitations")

        from submissions.signals import call_copied

        from .services.rounds import on_call_copied

        call_copied.connect(on_call_copied, dispatch_uid="judging-rounds-copy")

        from submissions.signals import accepted_cases_leaving

        from .services.rounds import on_accepted_cases_leaving

        accepted_cases_leaving.connect(on_accepted_cases_leaving, dispatch_uid="judging-entries")
        from submissions import outcomes

        from .outcomes import award_outcomes

        outcomes.register(award_outcomes)  # the award on the unit's own case pages

        from submissions import services as case_services

        from .selectors import case_judging_started

        if case_judging_started not in case_services.judging_started_checks:
            case_services.judging_started_checks.append(case_judging_started)
