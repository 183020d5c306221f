"""Invitations and the pledge, through a real browser: a drawing invites 王一 (backup: 张三);
王一 opens the personal link without logging in and declines with a reason; 张三, the backup, is
invited at once and accepts through his own link; the organizer sees both answers on the round
page; 张三 logs in, is led to the pledge, signs it, and only then reaches his queue and the
scoring page.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import pytest

from judging.models import Assignment, Invitation, PledgeSignature, Round
from judging.services import rounds
from judging.signals import experts_drawn

from ..judging.setupkit import accepted_case, judge_profile, make_round
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser


def _submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_invitation_decline_backup_accept_pledge_then_scoring(
    browsing, screenshot, live_server, call, organizer
):
    base = live_server.url
    case = accepted_case(call, title="背街小巷“微更新”")
    wang, zhang = judge_profile("wangyi", name="王一"), judge_profile("zhangsan", name="张三")
    rnd = make_round(
        call, judges=[], status=Round.Status.DRAFT, pledge_required=True, actor=organizer
    )
    experts_drawn.send(sender=None, round=rnd, drawn=[wang], backups=[zhang], actor=organizer)
    first = Invitation.objects.get(round=rnd, judge=wang)
    assert first.status == "invited"

    # ---- 王一 declines through the personal link, without logging in
    expert = browsing.new_page()
    expert.goto(f"{base}/judging/invitation/{first.token}/")
    assert expert.locator("#invitation[data-status='invited']").count() == 1
    assert call.title in expert.inner_text("#invitation")
    screenshot(expert, "invitation-01-link")
    assert_accessible(expert)
    expert.check("input[name=answer][value=decline]")
    expert.fill("#id_reason", "当周在外地出差")
    _submit(expert, "#send-answer")
    assert expert.locator("#invitation[data-status='declined']").count() == 1
    assert "当周在外地出差" in expert.inner_text("#answer-state")

    # ---- the backup is invited in his place, and accepts through his own link
    backup = Invitation.objects.get(round=rnd, judge=zhang)
    assert (backup.status, backup.replaces_id) == ("invited", first.pk)
    other = browsing.new_page()
    other.goto(f"{base}/judging/invitation/{backup.token}/")
    other.check("input[name=answer][value=accept]")
    _submit(other, "#send-answer")
    assert other.locator("#invitation[data-status='accepted']").count() == 1
    assert list(rnd.panel.all()) == [zhang]

    # ---- the organizer sees the answers on the round page, assigns and opens the round
    rounds.round_assign(round=rnd, actor=organizer)
    rounds.round_set_status(
        round=rnd, status=Round.Status.OPEN, actor=organizer, collection="close"
    )
    org = browsing.new_page()
    login(org, base, organizer.username)
    org.goto(f"{base}/judging/rounds/{rnd.pk}/")
    rows = org.locator("#invitation-list tbody tr")
    assert rows.count() == 2
    assert org.locator(f"tr[data-invitation='{first.pk}'][data-status='declined']").count() == 1
    assert "当周在外地出差" in org.inner_text(f"tr[data-invitation='{first.pk}']")
    assert org.locator(f"tr[data-invitation='{backup.pk}'][data-status='accepted']").count() == 1
    screenshot(org, "invitation-02-round-page")
    assert_accessible(org)

    # ---- 张三 logs in: the pledge comes first, then his queue and the scoring page
    judge = browsing.new_page()
    login(judge, base, zhang.user.username)
    judge.goto(f"{base}/judging/review/rounds/{rnd.pk}/")
    assert judge.url == f"{base}/judging/review/rounds/{rnd.pk}/pledge/"
    assert case.title not in judge.content()
    screenshot(judge, "invitation-03-pledge")
    assert_accessible(judge)
    judge.fill("#id_typed_name", "张三")
    judge.check("#id_agreed")
    _submit(judge, "#sign-pledge")
    assert judge.url == f"{base}/judging/review/rounds/{rnd.pk}/"
    assert PledgeSignature.objects.filter(round=rnd, judge=zhang).count() == 1
    review = Assignment.objects.get(round=rnd, judge=zhang)
    with judge.expect_navigation():
        judge.click(f"[data-review='{review.pk}'] a, a[href='/judging/review/{review.pk}/']")
    assert judge.url == f"{base}/judging/review/{review.pk}/"
    assert judge.locator("input[name^=c]").count() >= 2
    screenshot(judge, "invitation-04-scoring")
    browsing.assert_only_local_requests()
    browsing.assert_healthy()
