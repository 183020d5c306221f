"""Demo results for `make run`: results, proposed awards and a running public notice.

Called after `judging.demo.build_judging()`, which sets up the demo call's rounds (a closed 初评
and an open 复评). Services only, idempotent: results are recomputed (the same scores give the
same results), awards are proposed only when the call has none, the notice is published only
when there is none, and nothing is touched once the call is final.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from submissions.models import Call

from .models import Award, Notice, Round
from .services import notice_rules
from .services import results as services

DEMO_CALL = "2026-civic-cases"


def build_results(slug: str = DEMO_CALL) -> list[str]:
    call = Call.objects.filter(slug=slug).first()
    if call is None:
        return [f"Demo results: no call “{slug}”."]
    if call.is_final:
        return ["Demo results: the demo call is final; nothing changed."]
    rounds = list(call.rounds.order_by("number"))
    if not rounds:
        return ["Demo results: the demo call has no judging round yet."]
    log = []
    organizer = get_user_model().objects.filter(is_organizer=True).order_by("pk").first()
    for rnd in rounds:
        if rnd.status != Round.Status.CLOSED:
            continue
        samples = services.stability_samples_for(rnd.assignments.filter(status="submitted").count())
        n = services.results_compute(round=rnd, stability_samples=samples, actor=organizer)
        log.append(f"Computed the results of “{rnd.name}”: {n} case(s).")
    last = rounds[-1]
    if last.status != Round.Status.CLOSED:
        log.append(f"“{last.name}” is still open: awards and the notice wait for it.")
        return log or ["Demo results: no closed round yet."]
    if not Award.objects.filter(call=call).exists():
        from .demo_consensus import decide_ties

        log += decide_ties(call, organizer)  # the results were just computed above
        n = services.awards_propose(call=call, actor=organizer)
        log.append(f"Proposed {n} award(s) from “{last.name}”.")
    if not Notice.objects.filter(call=call).exists() and Award.objects.filter(call=call).exists():
        now = timezone.now()
        services.notice_publish(
            call=call,
            title=f"关于{call.title}评选结果的公示",
            text="以下案例拟评为十佳案例和优秀案例，现予公示。公示期内如有异议，请以书面形式署名"
            "反映，并留下联系方式。",
            starts_at=now,
            # the end of the last of the call's minimum working days (公示 by the rules)
            ends_at=notice_rules.earliest_end(now, call.notice_min_workdays),
            actor=organizer,
        )
        log.append(
            "Published the public notice: "
            + reverse("judging:public_notice", kwargs={"slug": call.slug})
        )
    return log
