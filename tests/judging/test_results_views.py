"""The organizer's results pages: the ranking table (every method, each judge's totals, flags,
the tie-break order), its query count, recomputation (in the request or by the task), awards
(proposal, recorded adjustments), the public notice with objections, and the lock after
finalization."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import cache as site_cache
from core import site
from judging.models import Award, AwardChange, Notice, Objection, Result, Round
from judging.services import notice_rules, rounds
from judging.services import results as services
from submissions.models import Call

from .results_kit import commit_hooks, page_rows, random_rows, scored_round, shown  # noqa: F401

pytestmark = pytest.mark.django_db


def _results_url(rnd, **query):
    url = reverse("judging:round_results", kwargs={"pk": rnd.pk})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# ---------------------------------------------------------------------------- the table


def test_the_task_computes_stale_results_and_the_page_shows_every_method(org_client, call):
    rnd, judges, cases = scored_round(call, random_rows(6, 3, seed=4), commit=False)
    assert rnd.results_computed_at is None

    commit_hooks()  # the reviews commit: the results task runs
    response = org_client.get(_results_url(rnd))

    assert response.status_code == 200
    rnd.refresh_from_db()
    assert rnd.results_computed_at is not None
    rows, order = page_rows(response.content.decode())
    results = list(
        Result.objects.filter(round=rnd).select_related("case").order_by("rank", "case__number")
    )
    assert order == [r.case.code for r in results]
    for r in results:
        row = rows[r.case.code]
        assert row["rank"] == str(r.rank)
        assert row["mean"] == shown(r.mean, 2)
        assert row["trimmed_mean"] == shown(r.trimmed_mean, 2)
        assert row["median"] == shown(r.median, 2)
        assert row["zscore"] == shown(r.zscore, 3)
        assert (row["rank_mean"], row["rank_trimmed"], row["rank_zscore"]) == (
            str(r.rank_mean),
            str(r.rank_trimmed),
            str(r.rank_zscore),
        )
        assert row["n"] == "3"
        assert ("rank_changes" in row["flags"]) == r.rank_changes
        assert ("near_cut" in row["flags"]) == r.near_cut


def test_results_page_lists_each_judges_total_per_case(org_client, call):
    rows = [[(30, 50), (20, 40), (10, 25)], [(40, 60), (35, 55), (5, 5)]]
    rnd, judges, cases = scored_round(call, rows)

    response = org_client.get(_results_url(rnd))

    shown_rows, _order = page_rows(response.content.decode())
    assert shown_rows[cases[0].code]["judges"] == "专家A: 80 专家B: 60 专家C: 35"
    assert shown_rows[cases[1].code]["judges"] == "专家A: 100 专家B: 90 专家C: 10"


def test_results_page_documents_the_tie_break_order_and_methods(org_client, call):
    rnd, _j, _c = scored_round(call, random_rows(2, 2))

    html = org_client.get(_results_url(rnd)).content.decode()

    assert 'id="tie-break"' in html
    for line in (
        "The score under the round's rule, higher first.",
        "Equal scores: the higher mean score on the first criterion comes first.",
        "Still equal: the case scored by more judges comes first.",
        "Still equal: the cases share the rank (并列). When an award line splits them, the "
        "awards wait for people's decision (the organizer's, with a reason, or a panel "
        "vote), recorded on the Consensus and ties page — never the order of entry.",
    ):
        assert line in html
    assert "去掉一个最高分和一个最低分" in html


def test_flags_rank_change_and_tie_at_the_cut_line(org_client, call):
    call.award_top_n, call.award_excellent_m = 2, 1
    call.save()
    # Cases 2 and 3 get the same scores from the same judges: tied at rank 2 by the mean, split
    # by the top-2 line. Judge A spreads widely, so by z-scores case 4 passes them.
    rows = [
        [(30, 60), (30, 45), (40, 60)],  # totals 90, 75, 100
        [(30, 45), (30, 45), (30, 45)],  # 75, 75, 75
        [(30, 45), (30, 45), (30, 45)],  # 75, 75, 75
        [(5, 20), (30, 50), (35, 50)],  # 25, 80, 85
    ]
    rnd, _judges, cases = scored_round(call, rows, rule=Round.Rule.MEAN)

    response = org_client.get(_results_url(rnd))

    by_case = {r.case_id: r for r in Result.objects.filter(round=rnd)}
    assert (by_case[cases[1].pk].rank, by_case[cases[2].pk].rank) == (2, 2)
    assert by_case[cases[1].pk].near_cut and by_case[cases[2].pk].near_cut
    assert not by_case[cases[0].pk].near_cut
    assert (by_case[cases[3].pk].rank_mean, by_case[cases[3].pk].rank_zscore) == (4, 2)
    assert by_case[cases[3].pk].rank_changes and not by_case[cases[0].pk].rank_changes
    shown_rows, _order = page_rows(response.content.decode())
    assert "near_cut" in shown_rows[cases[1].code]["flags"]
    assert "near_cut" in shown_rows[cases[2].code]["flags"]
    assert "rank_changes" in shown_rows[cases[3].code]["flags"]
    flagged, _order = page_rows(org_client.get(_results_url(rnd, flag="near")).content.decode())
    assert set(flagged) == {cases[1].code, cases[2].code}


def test_results_page_query_count_does_not_grow_with_cases(
    org_client, call, django_assert_num_queries
):
    small, _j, _c = scored_round(call, random_rows(5, 2, seed=1), name="初评")
    big, _j, _c = scored_round(call, random_rows(50, 2, seed=2), name="复评")
    for rnd in (small, big):  # computes the results once
        assert org_client.get(_results_url(rnd)).status_code == 200
    cache.clear()  # the table is rendered again (not taken from the cache)
    site_cache.site_profile(site.default_profile)  # the header's profile stays cached
    with CaptureQueriesContext(connection) as five:
        assert org_client.get(_results_url(small)).status_code == 200

    with django_assert_num_queries(len(five)):
        response = org_client.get(_results_url(big))

    rows, _order = page_rows(response.content.decode())
    assert len(rows) == 50
    with CaptureQueriesContext(connection) as cached:  # the same table, now from the cache
        again = org_client.get(_results_url(big))
    assert len(cached) < len(five)
    assert page_rows(again.content.decode()) == (rows, _order)


def test_the_cached_table_follows_a_recomputation_and_award_changes(org_client, call):
    call.award_top_n, call.award_excellent_m = 1, 1
    call.save()
    rnd, _j, _c = scored_round(call, random_rows(4, 2, seed=6))
    before, order = page_rows(org_client.get(_results_url(rnd)).content.decode())
    assert not any(row.get("award") for row in before.values())

    org_client.post(reverse("judging:awards_propose", kwargs={"slug": call.slug}))
    proposed, _order = page_rows(org_client.get(_results_url(rnd)).content.decode())
    assert proposed[order[0]]["award"] == "十佳案例 (top ten)"

    last = order[-1]
    org_client.post(
        reverse("judging:award_adjust", kwargs={"slug": call.slug}),
        {"case": last, "level": "top", "rank": 1, "reason": "复议"},
    )
    adjusted, _order = page_rows(org_client.get(_results_url(rnd)).content.decode())
    assert adjusted[last]["award"].startswith("十佳案例 (top ten)")

    Result.objects.filter(round=rnd).update(mean=0)  # as a new computation would store
    Round.objects.filter(pk=rnd.pk).update(results_computed_at=timezone.now())
    recomputed, _order = page_rows(org_client.get(_results_url(rnd)).content.decode())
    assert {row["mean"] for row in recomputed.values()} == {"0.00"}


def test_results_page_paginates(org_client, call, monkeypatch):
    from judging.views import results as views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    rnd, _j, _c = scored_round(call, random_rows(9, 2, seed=3))

    first = org_client.get(_results_url(rnd))
    last = org_client.get(_results_url(rnd, page=3))

    assert len(page_rows(first.content.decode())[0]) == 4
    assert len(page_rows(last.content.decode())[0]) == 1
    assert "Page 3 of 3" in last.content.decode()


def test_recompute_button_recomputes(org_client, call):
    rnd, _j, _c = scored_round(call, random_rows(3, 2))
    org_client.get(_results_url(rnd))
    before = Round.objects.get(pk=rnd.pk).results_computed_at

    response = org_client.post(reverse("judging:results_recompute", kwargs={"pk": rnd.pk}))

    assert response.status_code == 302
    assert Round.objects.get(pk=rnd.pk).results_computed_at > before
    assert Result.objects.filter(round=rnd, top_probability__isnull=False).count() == 3


def test_big_round_is_queued_to_the_task_and_the_page_shows_the_state(
    org_client, call, settings, django_capture_on_commit_callbacks
):
    settings.RESULTS_SYNC_WORK = 0
    rnd, _j, _c = scored_round(call, random_rows(4, 3), commit=False)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        org_client.post(reverse("judging:results_recompute", kwargs={"pk": rnd.pk}))
        response = org_client.get(_results_url(rnd))

    html = response.content.decode()
    assert 'data-state="queued"' in html
    assert '<meta http-equiv="refresh" content="5">' in html
    assert len(callbacks) == 1
    assert not Result.objects.filter(round=rnd).exists()
    # A second visit while queued enqueues nothing more.
    with django_capture_on_commit_callbacks(execute=False) as again:
        org_client.get(_results_url(rnd))
    assert again == []

    callbacks[0]()  # the worker runs judging.results_compute (eagerly here)

    response = org_client.get(_results_url(rnd))
    assert 'data-state="fresh"' in response.content.decode()
    assert Round.objects.get(pk=rnd.pk).results_computed_at is not None
    assert Result.objects.filter(round=rnd).count() == 4
    assert services.results_state(round=Round.objects.get(pk=rnd.pk)) == "fresh"


def test_queued_mark_is_ignored_after_a_later_score_change(
    call, settings, django_capture_on_commit_callbacks
):
    from judging.models import Assignment
    from judging.services.reviews import review_save

    from .setupkit import points_for

    settings.RESULTS_SYNC_WORK = 0
    rnd, judges, cases = scored_round(call, random_rows(2, 2), close=False, commit=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.results_refresh(round=rnd, actor=None) == "queued"
    rnd.refresh_from_db()
    assert services.results_state(round=rnd) == "fresh"
    assignment = Assignment.objects.get(round=rnd, judge=judges[0], case=cases[0])
    from judging.services.reviews import review_reopen

    review_reopen(assignment=assignment, actor=None, reason="录入错误")
    review_save(assignment=assignment, actor=None, points=points_for(rnd, 1, 1), submit=True)
    rnd.refresh_from_db()

    assert services.results_state(round=rnd) == "stale"


# ---------------------------------------------------------------------------- awards


def test_propose_awards_top_n_and_next_m(org_client, call):
    call.award_top_n, call.award_excellent_m = 2, 3
    call.save()
    rnd, _j, cases = scored_round(call, random_rows(7, 3, seed=7))
    org_client.get(_results_url(rnd))

    response = org_client.post(
        reverse("judging:awards_propose", kwargs={"slug": call.slug}), follow=True
    )

    ranking = list(
        Result.objects.filter(round=rnd)
        .order_by("rank", "case__number")
        .values_list("case_id", flat=True)
    )
    awards = list(
        Award.objects.filter(call=call).order_by("rank").values_list("case_id", "level", "rank")
    )
    assert awards == [
        (ranking[0], "top", 1),
        (ranking[1], "top", 2),
        (ranking[2], "excellent", 3),
        (ranking[3], "excellent", 4),
        (ranking[4], "excellent", 5),
    ]
    html = response.content.decode()
    assert html.count('data-level="top"') == 2
    assert html.count('data-level="excellent"') == 3
    # The results page shows the awards too.
    rows, _order = page_rows(org_client.get(_results_url(rnd)).content.decode())
    first = Result.objects.get(round=rnd, case_id=ranking[0]).case.code
    assert rows[first]["award"] == "十佳案例 (top ten)"


def test_propose_awards_needs_the_last_round_closed(org_client, call):
    rnd, _j, _c = scored_round(call, random_rows(3, 2), close=False)

    response = org_client.post(
        reverse("judging:awards_propose", kwargs={"slug": call.slug}), follow=True
    )

    assert Award.objects.filter(call=call).count() == 0
    assert "Close the last round (初评) first." in _messages(response)


def test_award_adjust_is_recorded_with_its_reason(org_client, call):
    call.award_top_n, call.award_excellent_m = 1, 1
    call.save()
    rnd, _j, cases = scored_round(call, random_rows(3, 2, seed=5))
    org_client.post(reverse("judging:awards_propose", kwargs={"slug": call.slug}))
    outsider = Result.objects.filter(round=rnd).order_by("-rank", "-case__number").first().case
    url = reverse("judging:award_adjust", kwargs={"slug": call.slug})

    refused = org_client.post(
        url, {"case": outsider.code, "level": "excellent", "rank": 2, "reason": ""}, follow=True
    )
    assert not Award.objects.filter(case=outsider).exists()
    assert any("Reason" in m for m in _messages(refused))

    response = org_client.post(
        url,
        {
            "case": outsider.code,
            "level": "excellent",
            "rank": 2,
            "reason": "评审会复议：创新做法突出",
        },
        follow=True,
    )

    award = Award.objects.get(case=outsider)
    assert (award.level, award.rank, award.adjusted, award.reason) == (
        "excellent",
        2,
        True,
        "评审会复议：创新做法突出",
    )
    change = AwardChange.objects.get(case=outsider)
    assert (change.before, change.after, change.reason) == (
        "",
        "excellent#2",
        "评审会复议：创新做法突出",
    )
    assert "评审会复议：创新做法突出" in response.content.decode()


def test_award_adjust_unknown_code_is_refused(org_client, call):
    scored_round(call, random_rows(2, 2))
    org_client.post(reverse("judging:awards_propose", kwargs={"slug": call.slug}))

    response = org_client.post(
        reverse("judging:award_adjust", kwargs={"slug": call.slug}),
        {"case": "999-0001", "level": "top", "rank": 1, "reason": "x"},
        follow=True,
    )

    assert AwardChange.objects.count() == 0
    assert any("No case of this call has the code “999-0001”." in m for m in _messages(response))


# ---------------------------------------------------------------------------- notice


def _publish(client, call, *, starts, ends, title="公示"):
    return client.post(
        reverse("judging:notice_publish", kwargs={"slug": call.slug}),
        {
            "title": title,
            "text": "如有异议请于公示期内书面反映。",
            "starts_at": timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(ends).strftime("%Y-%m-%dT%H:%M"),
            "min_workdays": 5,
        },
        follow=True,
    )


def test_notice_publish_objection_answer_and_finalize(org_client, call, client):
    rnd, _j, cases = scored_round(call, random_rows(4, 2))
    org_client.post(reverse("judging:awards_propose", kwargs={"slug": call.slug}))
    now = timezone.now()
    _publish(org_client, call, starts=now, ends=notice_rules.earliest_end(now, 5))
    assert Call.objects.get(pk=call.pk).status == Call.Status.NOTICE
    notice = Notice.objects.get(call=call)

    org_client.post(
        reverse("judging:objection_record", kwargs={"slug": call.slug}),
        {
            "received_at": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
            "submitter": "某居民",
            "unit": "某社区",
            "contact": "13800000000",
            "case": cases[0].code,
            "text": "该案例数据有误。",
        },
    )
    objection = Objection.objects.get(notice=notice)
    assert (objection.case, objection.submitter) == (cases[0], "某居民")

    finalize = reverse("judging:call_finalize", kwargs={"slug": call.slug})
    early = org_client.post(finalize, follow=True)
    assert Call.objects.get(pk=call.pk).status == Call.Status.NOTICE
    assert any("The notice period runs until" in m for m in _messages(early))

    # The period passes.
    Notice.objects.filter(pk=notice.pk).update(
        starts_at=now - timedelta(days=8), ends_at=now - timedelta(days=1)
    )
    unanswered = org_client.post(finalize, follow=True)
    assert "Answer every objection before finalizing." in _messages(unanswered)

    org_client.post(
        reverse("judging:objection_answer", kwargs={"pk": objection.pk}),
        {"answer": "经核实，数据无误，维持原结果。"},
    )
    objection.refresh_from_db()
    assert objection.answer == "经核实，数据无误，维持原结果。"

    done = org_client.post(finalize, follow=True)

    assert Call.objects.get(pk=call.pk).status == Call.Status.FINAL
    notice.refresh_from_db()
    assert notice.finalized_at is not None
    assert 'data-finalized="1"' in done.content.decode()


@pytest.fixture
def final_call(org_client, call):
    rnd, _j, cases = scored_round(call, random_rows(4, 2, seed=9))
    org_client.post(reverse("judging:awards_propose", kwargs={"slug": call.slug}))
    now = timezone.now()
    _publish(org_client, call, starts=now, ends=notice_rules.earliest_end(now, 5))
    notice = Notice.objects.get(call=call)
    Notice.objects.filter(pk=notice.pk).update(  # the period passes
        starts_at=now - timedelta(days=8), ends_at=now - timedelta(days=1)
    )
    objection = Objection.objects.create(
        notice=notice, text="异议", received_at=now, answer="已答复", answered_at=now
    )
    org_client.post(reverse("judging:call_finalize", kwargs={"slug": call.slug}))
    assert Call.objects.get(pk=call.pk).status == Call.Status.FINAL
    return call, rnd, cases, objection


def test_after_finalize_awards_notice_and_results_are_locked(org_client, final_call):
    call, rnd, cases, objection = final_call
    awards_before = list(Award.objects.filter(call=call).values_list("case_id", "level", "rank"))
    computed_before = Round.objects.get(pk=rnd.pk).results_computed_at
    notice_before = Notice.objects.filter(call=call).values_list("title", "ends_at").get()
    locked = "The awards are final and locked."

    adjust = org_client.post(
        reverse("judging:award_adjust", kwargs={"slug": call.slug}),
        {"case": cases[0].code, "level": "top", "rank": 1, "reason": "改判"},
        follow=True,
    )
    propose = org_client.post(
        reverse("judging:awards_propose", kwargs={"slug": call.slug}), follow=True
    )
    republish = _publish(
        org_client,
        call,
        starts=timezone.now(),
        ends=timezone.now() + timedelta(days=30),
        title="新标题",
    )
    record = org_client.post(
        reverse("judging:objection_record", kwargs={"slug": call.slug}),
        {"received_at": "2026-01-01T10:00", "text": "迟到的异议"},
        follow=True,
    )
    answer = org_client.post(
        reverse("judging:objection_answer", kwargs={"pk": objection.pk}),
        {"answer": "改答复"},
        follow=True,
    )
    recompute = org_client.post(
        reverse("judging:results_recompute", kwargs={"pk": rnd.pk}), follow=True
    )

    for response in (adjust, propose, republish, record, answer, recompute):
        assert locked in _messages(response)
    assert (
        list(Award.objects.filter(call=call).values_list("case_id", "level", "rank"))
        == awards_before
    )
    assert AwardChange.objects.filter(call=call).count() == 0
    assert Notice.objects.filter(call=call).values_list("title", "ends_at").get() == notice_before
    assert Objection.objects.filter(notice__call=call).count() == 1
    objection.refresh_from_db()
    assert objection.answer == "已答复"
    assert Round.objects.get(pk=rnd.pk).results_computed_at == computed_before
    # The services refuse too, whoever calls them.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=locked):
        services.results_compute(round=rnd, actor=None)
    with pytest.raises(ValidationError, match=locked):
        services.award_adjust(
            call=Call.objects.get(pk=call.pk),
            case=cases[0],
            level=None,
            rank=None,
            reason="x",
            actor=None,
        )
    # The pages say so and offer no form.
    html = org_client.get(reverse("judging:awards", kwargs={"slug": call.slug})).content.decode()
    assert 'id="locked-badge"' in html and 'id="adjust-form"' not in html
    html = org_client.get(_results_url(rnd)).content.decode()
    assert 'id="recompute"' not in html and 'id="propose-awards"' not in html


# ---------------------------------------------------------------------------- demo


def test_demo_results_build_on_the_judging_demo_and_are_idempotent():
    from demo.builders import build_collection
    from judging.demo import build_judging
    from judging.demo_results import DEMO_CALL, build_results
    from judging.services import rounds

    build_collection()
    build_judging()
    call = Call.objects.get(slug=DEMO_CALL)
    first, last = list(call.rounds.order_by("number"))
    assert (first.status, last.status) == (Round.Status.CLOSED, Round.Status.OPEN)

    log = build_results()

    assert Result.objects.filter(round=first).exists()
    assert not Result.objects.filter(round=last).exists()
    assert not Award.objects.filter(call=call).exists()
    assert any("still open" in line for line in log)

    rounds.round_set_status(round=last, status=Round.Status.CLOSED, actor=None)
    build_results()
    awards = list(Award.objects.filter(call=call).values_list("case_id", "level", "rank"))
    assert awards and Notice.objects.filter(call=call).exists()
    assert Call.objects.get(pk=call.pk).status == Call.Status.NOTICE

    build_results()  # again: nothing changes

    assert list(Award.objects.filter(call=call).values_list("case_id", "level", "rank")) == awards
    assert Notice.objects.filter(call=call).count() == 1


# ---------------------------------------------------------------------------- staleness


def test_a_conflict_declared_after_submitting_voids_the_review_in_scores_and_tie_break(call):
    # Equal means (80); the first criterion decides: case 1 (30, 30, 40 → 33.3) before case 2
    # (35, 35, 20 → 30).
    rows = [[(30, 50), (30, 50), (40, 40)], [(35, 45), (35, 45), (20, 60)]]
    rnd, judges, cases = scored_round(call, rows, rule=Round.Rule.MEAN)
    services.results_compute(round=rnd, actor=None)
    assert Result.objects.get(round=rnd, case=cases[0]).rank == 1

    rounds.conflict_declare(
        judge=judges[2], case=cases[0], reason="亲属在该单位工作", actor=judges[2].user
    )

    rnd.refresh_from_db()
    assert rnd.results_computed_at is None  # the stored results are stale
    services.results_compute(round=rnd, actor=None)
    first, second = (Result.objects.get(round=rnd, case=c) for c in cases)
    # Judge C's review of case 1 no longer counts, in the mean or in the tie-break: both means
    # 80, both first-criterion means 30, and case 2 has more judges.
    assert (first.n_judges, first.mean, second.mean) == (2, 80.0, 80.0)
    assert (second.rank, first.rank) == (1, 2)


def test_changing_the_rule_of_a_round_makes_its_results_stale(call):
    rnd, _judges, _cases = scored_round(call, random_rows(3, 2, seed=9), rule=Round.Rule.MEAN)
    services.results_compute(round=rnd, actor=None)
    rnd.refresh_from_db()
    rounds.round_save(round=rnd, actor=None)  # saved unchanged: still fresh
    assert Round.objects.get(pk=rnd.pk).results_computed_at is not None

    rnd.rule = Round.Rule.ZSCORE
    rounds.round_save(round=rnd, actor=None)

    assert Round.objects.get(pk=rnd.pk).results_computed_at is None


def test_the_shared_results_table_links_pages_with_its_own_parameters(
    org_client, call, monkeypatch
):
    from judging.views import results as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    rnd, _j, _c = scored_round(call, random_rows(5, 2, seed=3))
    first = org_client.get(_results_url(rnd, order="mean", junk="mine")).content.decode()
    again = org_client.get(_results_url(rnd, order="mean", junk="yours")).content.decode()

    for html in (first, again):  # the table is cached: no visitor's parameter may stay in it
        nav = html[html.index('<ul class="pagination') :]
        nav = nav[: nav.index("</ul>")]
        assert 'href="?order=mean&amp;flag=&amp;page=2"' in nav
        assert "junk" not in nav


def test_page_numbers_are_read_as_plain_digits(org_client, call, monkeypatch):
    from judging.views import results as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    rnd, _j, _c = scored_round(call, random_rows(5, 2, seed=3))
    second = page_rows(org_client.get(_results_url(rnd, page=2)).content.decode())
    assert page_rows(org_client.get(_results_url(rnd, page="002")).content.decode()) == second
    first = page_rows(org_client.get(_results_url(rnd)).content.decode())
    for junk in ("²", "١", "9" * 40, "-1", "1e3"):
        response = org_client.get(_results_url(rnd, page=junk))
        assert response.status_code == 200
        assert page_rows(response.content.decode()) == first


def test_changing_the_award_numbers_recomputes_the_cut_line_flags(org_client, organizer, call):
    from submissions import services as submission_services

    call.award_top_n, call.award_excellent_m = 2, 1
    call.save()
    # Totals 100, 90, 80, 80: the last two are tied on every key.
    rnd, _judges, cases = scored_round(
        call, [[(40, 60)] * 2, [(35, 55)] * 2, [(30, 50)] * 2, [(30, 50)] * 2]
    )
    org_client.get(_results_url(rnd))
    flagged = set(Result.objects.filter(round=rnd, near_cut=True).values_list("case", flat=True))
    assert flagged == {cases[2].pk, cases[3].pk}  # the line after the 3rd splits the tie

    call.refresh_from_db()
    call.award_excellent_m = 2  # now the line falls after the 4th: nothing is split
    submission_services.call_save(call=call, actor=organizer)
    rnd = Round.objects.select_related("call").get(pk=rnd.pk)
    assert services.results_state(round=rnd) == "stale"

    commit_hooks()  # the call's change commits: the results task runs
    response = org_client.get(_results_url(rnd))

    assert response.status_code == 200
    rnd.refresh_from_db()
    assert (rnd.results_top_n, rnd.results_excellent_m) == (2, 2)
    assert not Result.objects.filter(round=rnd, near_cut=True).exists()


def test_the_award_numbers_of_a_final_call_cannot_change(org_client, organizer, call):
    from django.core.exceptions import ValidationError

    from submissions import services as submission_services

    Call.objects.filter(pk=call.pk).update(status=Call.Status.FINAL, award_top_n=10)
    call.refresh_from_db()
    edit = reverse("submissions:call_edit", kwargs={"slug": call.slug})
    form = org_client.get(edit).context["form"]
    assert form.fields["award_top_n"].disabled and form.fields["award_excellent_m"].disabled

    data = {name: form[name].value() for name in form.fields}
    data.update(
        award_top_n=3, title="改过的标题", opens_at="2026-01-01 08:00", closes_at="2026-02-01 08:00"
    )
    response = org_client.post(edit, data)
    assert response.status_code == 302, response.context["form"].errors
    call.refresh_from_db()
    assert (call.title, call.award_top_n) == ("改过的标题", 10)  # the rest is saved

    call.award_top_n = 3
    with pytest.raises(ValidationError) as raised:
        submission_services.call_save(call=call, actor=organizer)
    assert "award_top_n" in raised.value.message_dict
    assert Call.objects.get(pk=call.pk).award_top_n == 10


def test_saving_a_call_read_before_it_was_finalized_keeps_it_final(organizer, call):
    from submissions import services as submission_services

    opened = Call.objects.get(pk=call.pk)  # the edit page was opened before finalizing
    Call.objects.filter(pk=call.pk).update(status=Call.Status.FINAL)
    opened.title = "新标题"

    submission_services.call_save(call=opened, actor=organizer)

    call.refresh_from_db()
    assert (call.title, call.status) == ("新标题", Call.Status.FINAL)


def test_the_admin_shows_a_final_calls_status_and_award_numbers_read_only(client, call):
    from accounts.models import User

    admin_user = User.objects.create_superuser("root-admin", password="x-Pass-12345")
    client.force_login(admin_user)
    url = reverse("admin:submissions_call_change", args=[call.pk])
    assert "award_top_n" in client.get(url).context["adminform"].form.fields
    Call.objects.filter(pk=call.pk).update(status=Call.Status.FINAL)
    form = client.get(url).context["adminform"].form
    assert not {"status", "award_top_n", "award_excellent_m"} & set(form.fields)


def test_computing_results_records_its_note_not_its_derived_fields(call):
    from auditlog.models import LogEntry

    rnd, _judges, _cases = scored_round(call, random_rows(3, 2, seed=5), commit=False)
    services.results_compute(round=rnd, actor=None)

    entries = list(LogEntry.objects.get_for_object(rnd))
    notes = [(e.additional_data or {}).get("note", "") for e in entries]
    assert [n for n in notes if n.startswith("Results computed")] == [
        "Results computed: 3 case(s), 6 review(s)."
    ]
    assert not any(
        {"results_top_n", "results_excellent_m", "results_computed_at"} & set(e.changes_dict)
        for e in entries
    )


def test_the_upgrade_keeps_final_results_fresh_and_recomputes_the_others(call):
    import importlib

    from django.apps import apps

    from tests.factories import CallFactory

    backfill = importlib.import_module(
        "judging.migrations.0006_round_results_award_numbers"
    ).backfill
    final_call = CallFactory(slug="final-2025", award_top_n=8, award_excellent_m=4)
    final_round, _j, _c = scored_round(final_call, random_rows(3, 2, seed=1))
    open_round, _j, _c = scored_round(call, random_rows(3, 2, seed=2))
    for rnd in (final_round, open_round):
        services.results_compute(round=rnd, actor=None)
    Round.objects.update(results_top_n=None, results_excellent_m=None)  # as before 0006
    Call.objects.filter(pk=final_call.pk).update(status=Call.Status.FINAL)

    backfill(apps, None)

    final_round = Round.objects.select_related("call").get(pk=final_round.pk)
    open_round = Round.objects.select_related("call").get(pk=open_round.pk)
    assert (final_round.results_top_n, final_round.results_excellent_m) == (8, 4)
    assert services.results_state(round=final_round) == "fresh"
    assert open_round.results_top_n is None
    assert services.results_state(round=open_round) == "stale"


def test_the_call_form_shows_the_services_refusal(org_client, call, monkeypatch):
    from django.core.exceptions import ValidationError

    from submissions import services as submission_services

    refusal = "获奖结果已确认，奖项名额不能再更改。"

    def finalized_meanwhile(*, call, actor):
        raise ValidationError({"award_top_n": refusal})

    monkeypatch.setattr(submission_services, "call_save", finalized_meanwhile)
    edit = reverse("submissions:call_edit", kwargs={"slug": call.slug})
    form = org_client.get(edit).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(award_top_n=3, opens_at="2026-01-01 08:00", closes_at="2026-02-01 08:00")

    response = org_client.post(edit, data)

    assert response.status_code == 200
    assert response.context["form"].errors["award_top_n"] == [refusal]
    assert refusal in response.content.decode()


# ---------------------------------------------------------------------------- read-only pages


def _writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


@pytest.mark.parametrize("page", ["judging:round_results", "judging:results_stats"])
@pytest.mark.parametrize("computed_before", [False, True])
def test_a_visit_to_stale_results_writes_nothing_and_queues_nothing(
    org_client, call, page, computed_before, django_capture_on_commit_callbacks
):
    rnd, judges, cases = scored_round(call, random_rows(4, 2, seed=2), commit=computed_before)
    if computed_before:  # results stored, then the award numbers changed
        Call.objects.filter(pk=call.pk).update(award_top_n=2)
    rnd = Round.objects.select_related("call").get(pk=rnd.pk)
    assert services.results_state(round=rnd) == "stale"

    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        response = org_client.get(reverse(page, kwargs={"pk": rnd.pk}))

    assert response.status_code == 200
    assert response.context["state"] == "stale"
    assert _writes(queries.captured_queries) == []
    assert callbacks == []
    assert Round.objects.get(pk=rnd.pk).results_queued_at is None


def test_a_score_change_queues_one_recomputation_however_many_follow(
    call, monkeypatch, django_capture_on_commit_callbacks
):
    from judging import tasks
    from judging.models import Assignment
    from judging.services.reviews import review_reopen, review_save

    from .setupkit import points_for

    rnd, judges, cases = scored_round(call, random_rows(2, 2), close=False)
    sent, delays = [], []

    def apply_async(args, countdown=None):
        sent.append(args[0])
        delays.append(countdown)

    monkeypatch.setattr(tasks.results_refresh, "apply_async", apply_async)
    assignment = Assignment.objects.get(round=rnd, judge=judges[0], case=cases[0])

    with django_capture_on_commit_callbacks(execute=True):
        review_reopen(assignment=assignment, actor=None, reason="录入错误")
    with django_capture_on_commit_callbacks(execute=True):
        review_save(assignment=assignment, actor=None, points=points_for(rnd, 1, 1), submit=True)

    assert sent == [rnd.pk]  # the second change found the round queued already
    assert delays == [30]  # settings.RESULTS_REFRESH_DELAY: changes coalesce meanwhile
    rnd = Round.objects.select_related("call").get(pk=rnd.pk)
    assert services.results_state(round=rnd) == "queued"
    assert tasks.results_refresh.run(rnd.pk) == 2  # what the worker runs
    rnd = Round.objects.select_related("call").get(pk=rnd.pk)
    assert services.results_state(round=rnd) == "fresh"
    assert rnd.results_queued_at is None
    other = Assignment.objects.get(round=rnd, judge=judges[1], case=cases[0]).total
    assert Result.objects.get(round=rnd, case=cases[0]).mean == (2 + float(other)) / 2


def test_a_lost_task_leaves_the_results_stale_after_a_while(call, monkeypatch):
    rnd, _j, _c = scored_round(call, random_rows(2, 2), commit=False)
    Round.objects.filter(pk=rnd.pk).update(
        results_queued_at=timezone.now() - services.QUEUED_TTL - timedelta(seconds=1)
    )
    rnd = Round.objects.select_related("call").get(pk=rnd.pk)
    assert services.results_state(round=rnd) == "stale"
