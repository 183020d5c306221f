"""Consensus (合议) and ties decided by people, through a real browser.

1. The organizer names the panel leader and opens a discussion on a case the results flag; a
   judge sees the other judges' scores, comments and revises the score once with a reason; the
   leader records the panel's decision, which closes the discussion.
2. A tie at the 十佳 line blocks the award proposal until the organizer records who goes above
   the line (a panel vote with its count); the award list then follows that decision.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import pytest

from judging.models import Award, Discussion, ScoreAudit

from ..judging.results_kit import scored_round
from .kit import login

pytestmark = pytest.mark.browser

# Three judges; the first two cases are exactly equal (a tie at the 十佳 line), the third lower.
ROWS = [
    [(30, 50), (32, 52), (28, 48)],
    [(30, 50), (32, 52), (28, 48)],
    [(20, 30), (21, 31), (22, 32)],
]


@pytest.fixture
def tied_round(call):
    call.award_top_n, call.award_excellent_m = 1, 1
    call.save()
    rnd, judges, cases = scored_round(call, ROWS)
    return rnd, judges, cases


def test_consensus_discussion_ends_with_a_revised_score_and_the_leaders_decision(
    browsing, screenshot, live_server, call, organizer, tied_round
):
    rnd, judges, cases = tied_round
    base = live_server.url
    org = browsing.new_page()
    org.on("dialog", lambda dialog: dialog.accept())
    login(org, base, organizer.username)

    # ---- the results page links the flagged case to the consensus page
    org.goto(f"{base}/judging/results/rounds/{rnd.pk}/")
    assert org.locator(f"tr[data-case='{cases[0].code}'] [data-flag='near_cut']").count() == 1
    assert org.locator(f"tr[data-case='{cases[0].code}'] [data-flag='tied']").count() == 1
    with org.expect_navigation():
        org.click(f"tr[data-case='{cases[0].code}'] a[data-action='discuss']")

    # ---- names the panel leader, opens the discussion on the flagged case
    org.select_option("#id_leader", str(judges[2].pk))
    with org.expect_navigation():
        org.click("#save-leader")
    assert org.locator("#id_leader").input_value() == str(judges[2].pk)
    assert org.locator(f"#flagged-cases tr[data-case='{cases[0].code}']").count() == 1
    with org.expect_navigation():
        org.click(f"#flagged-cases tr[data-case='{cases[0].code}'] button[type=submit]")
    discussion = Discussion.objects.get(round=rnd, case=cases[0])
    assert org.url.endswith(f"/judging/discussions/{discussion.pk}/")
    assert org.locator("#discussion-status").get_attribute("data-status") == "open"
    screenshot(org, "consensus-01-opened")

    # ---- a judge sees the others' scores, comments and revises once with a reason
    judge = browsing.new_page()
    judge.on("dialog", lambda dialog: dialog.accept())
    login(judge, base, judges[0].user.username)
    judge.goto(f"{base}/judging/")
    with judge.expect_navigation():
        judge.click(f"#my-discussions a[data-discussion='{discussion.pk}']")
    totals = {
        name: judge.locator(f"#voices tr[data-judge='{name}'] [data-col='total']").inner_text()
        for name in (j.name for j in judges)
    }
    assert totals == {judges[0].name: "80", judges[1].name: "84", judges[2].name: "76"}
    assert cases[0].unit.name not in judge.content()  # a blind round: never the unit
    judge.fill("#comment-form textarea[name=text]", "我再看了一遍材料，成效部分偏保守。")
    with judge.expect_navigation():
        judge.click("#comment-form button[type=submit]")
    assert "成效部分偏保守" in judge.locator("#comments").inner_text()
    inputs = judge.locator("#revise-form input[inputmode='decimal']")
    assert inputs.count() == 2
    inputs.nth(1).fill("51")
    judge.fill("#revise-form textarea[name=reason]", "补看回访数据后上调实效性")
    with judge.expect_navigation():
        judge.click("#revise-form button[type=submit]")
    assert judge.locator(f"#voices tr[data-judge='{judges[0].name}'] [data-revised]").count() == 1
    assert judge.locator("#revise-form").count() == 0  # once per discussion
    revision = ScoreAudit.objects.get(action=ScoreAudit.Action.REVISE)
    assert (revision.before["total"], revision.after["total"]) == ("80.00", "81.0")
    assert revision.reason == "补看回访数据后上调实效性"
    screenshot(judge, "consensus-02-revised")

    # ---- the leader records the panel's decision, which closes the discussion
    leader = browsing.new_page()
    login(leader, base, judges[2].user.username)
    leader.goto(f"{base}/judging/discussions/{discussion.pk}/")
    leader.fill("#decide-form textarea[name=decision]", "评审组合议：认可修正后的评分。")
    with leader.expect_navigation():
        leader.click("#decide-form button[type=submit]")
    assert leader.locator("#discussion-status").get_attribute("data-status") == "decided"
    assert "认可修正后的评分" in leader.locator("#decision").inner_text()
    assert leader.locator("#comment-form").count() == 0
    screenshot(leader, "consensus-03-decided")

    browsing.assert_only_local_requests()
    browsing.assert_healthy()


def test_a_tie_at_the_cut_line_must_be_decided_before_the_awards(
    browsing, screenshot, live_server, call, organizer, tied_round
):
    rnd, _judges, cases = tied_round
    first, second = cases[0], cases[1]
    base = live_server.url
    org = browsing.new_page()
    org.on("dialog", lambda dialog: dialog.accept())
    login(org, base, organizer.username)

    # ---- the proposal is refused while the tie is undecided
    org.goto(f"{base}/judging/results/calls/{call.slug}/awards/")
    with org.expect_navigation():
        org.click("#propose-awards")
    assert first.code in org.locator(".alert-danger, .alert-warning, .alert").first.inner_text()
    assert Award.objects.filter(call=call).count() == 0

    # ---- the organizer records the panel's vote: the later case above the line
    org.goto(f"{base}/judging/results/rounds/{rnd.pk}/consensus/")
    tie = org.locator(f"[data-tie='{first.pk},{second.pk}']")
    assert tie.count() == 1
    prefix = f"tie-{first.pk}-{second.pk}"
    tie.locator(f"select[name='{prefix}-place{second.pk}']").select_option("1")
    tie.locator(f"select[name='{prefix}-place{first.pk}']").select_option("2")
    tie.locator(f"input[name='{prefix}-method'][value='vote']").check()
    tie.locator(f"input[name='{prefix}-vote_count']").fill("3:0")
    tie.locator(f"textarea[name='{prefix}-reason']").fill("评审组表决：实施时间更长者列前")
    with org.expect_navigation():
        tie.locator("button[type=submit]").click()
    assert org.locator(f"[data-tie='{first.pk},{second.pk}'] [data-decided]").count() == 1
    screenshot(org, "consensus-04-tie-decided")

    # ---- now the proposal follows the decision; the results keep the tie (并列)
    org.goto(f"{base}/judging/results/calls/{call.slug}/awards/")
    with org.expect_navigation():
        org.click("#propose-awards")
    levels = dict(Award.objects.filter(call=call).values_list("case_id", "level"))
    assert levels == {second.pk: "top", first.pk: "excellent"}
    assert org.locator(f"tr[data-case='{second.code}'][data-level='top']").count() == 1
    org.goto(f"{base}/judging/results/rounds/{rnd.pk}/")
    assert org.locator(f"tr[data-case='{first.code}'] [data-col='rank']").inner_text() == "1"
    assert org.locator(f"tr[data-case='{second.code}'] [data-col='rank']").inner_text() == "1"

    browsing.assert_only_local_requests()
    browsing.assert_healthy()
