"""Signed results and a notice that cannot be skipped, through a real browser: the organizer
names the panel leader, the signing deadline and the supervisor; one judge signs, another
refuses with a written dissent, the third says nothing and is deemed to agree by the sweep; the
leader and the supervisor sign the 评分汇总表, the results lock, and the public notice prints
the hashes. A notice period in the past is refused by the form; the default (the call's five
working days) is accepted.

Selectors use ids, names and data- attributes (translations may not be compiled yet).
"""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from judging.models import ResultSignature, RoundSigning
from judging.services import results as results_services
from judging.services import signing

from ..judging.results_kit import random_rows, scored_round  # noqa: F401
from .kit import login

pytestmark = pytest.mark.browser


def test_judges_sign_refuse_deemed_then_leader_and_supervisor_and_the_notice(
    browsing, screenshot, live_server, call, organizer
):
    call.award_top_n, call.award_excellent_m = 1, 1
    call.save()
    rnd, judges, _cases = scored_round(call, random_rows(3, 3, seed=31))
    results_services.awards_propose(call=call, actor=organizer)
    base = live_server.url
    org = browsing.new_page()
    login(org, base, organizer.username)

    # ---- the organizer names the leader, the deadline and the supervisor
    org.goto(f"{base}/judging/results/rounds/{rnd.pk}/signing/")
    org.select_option("#id_leader", str(judges[0].pk))
    sign_by = timezone.localtime() + timedelta(days=2)
    org.fill("#id_sign_by", sign_by.strftime("%Y-%m-%dT%H:%M"))
    org.fill("#id_supervisor_name", "王监督")
    org.select_option("#id_supervisor_user", str(organizer.pk))
    with org.expect_navigation():
        org.click("#signing-setup button[name=action][value=setup]")
    rnd.refresh_from_db()
    assert rnd.leader == judges[0]
    assert RoundSigning.objects.get(round=rnd).supervisor_name == "王监督"

    # ---- judge A signs from his home page
    a = browsing.new_page()
    login(a, base, judges[0].user.username)
    a.goto(f"{base}/judging/")
    with a.expect_navigation():
        a.click(f"[data-sign-round='{rnd.pk}']")
    assert a.locator("#sign-sheet tbody tr[data-case]").count() == 3
    with a.expect_navigation():
        a.click("#sign-button")
    assert a.locator("#my-signature").get_attribute("data-state") == "signed"
    screenshot(a, "signing-01-judge-signed")

    # ---- judge B refuses without a dissent (refused), then with one
    b = browsing.new_page()
    login(b, base, judges[1].user.username)
    b.goto(f"{base}/judging/review/rounds/{rnd.pk}/sign/")
    with b.expect_navigation():
        b.click("#refuse-button")
    assert b.locator("#my-signature").get_attribute("data-state") == "waiting"
    b.fill("#id_dissent", "第三个案例的得分偏低。")
    with b.expect_navigation():
        b.click("#refuse-button")
    assert b.locator("#my-signature").get_attribute("data-state") == "refused"
    assert "第三个案例的得分偏低。" in b.locator("#my-signature").inner_text()
    screenshot(b, "signing-02-judge-refused")

    # ---- judge C says nothing: the sweep records him as deemed to agree after the deadline
    assert signing.signatures_deem_due(actor=None, now=timezone.now() + timedelta(days=3)) == 1

    # ---- the leader signs the 评分汇总表, then the supervisor
    a.reload()
    with a.expect_navigation():
        a.click("#leader-button")
    org.reload()
    with org.expect_navigation():
        org.click("#supervisor-button")
    states = {(s.role, s.judge_id): s.state for s in ResultSignature.objects.filter(round=rnd)}
    assert states == {
        ("judge", judges[0].pk): "signed",
        ("judge", judges[1].pk): "refused",
        ("judge", judges[2].pk): "deemed",
        ("leader", judges[0].pk): "signed",
        ("supervisor", None): "signed",
    }
    signed = RoundSigning.objects.get(round=rnd)
    assert signed.locked_at is not None
    assert org.locator("#sheet-sha256").inner_text() == signed.sheet_sha256
    assert signed.sheet_sha256 == hashlib.sha256(signing.signed_sheet(rnd)).hexdigest()
    screenshot(org, "signing-03-locked")

    # ---- a notice in the past is refused; the offered period (five working days) is not
    org.goto(f"{base}/judging/results/calls/{call.slug}/notice/")
    offered_end = org.input_value("#id_ends_at")
    past = timezone.localtime() - timedelta(days=10)
    org.fill("#id_starts_at", past.strftime("%Y-%m-%dT%H:%M"))
    org.fill("#id_ends_at", (past + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"))
    with org.expect_navigation():
        org.click("#notice-form button[type=submit]")
    assert org.locator("#notice-state").count() == 0
    org.fill("#id_starts_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    org.fill("#id_ends_at", offered_end)
    with org.expect_navigation():
        org.click("#notice-form button[type=submit]")
    assert org.locator("#notice-state").get_attribute("data-published") == "1"
    assert "5" in org.locator("#notice-workdays").inner_text()

    reader = browsing.new_page()
    reader.goto(f"{base}/judging/notice/{call.slug}/")
    assert reader.locator("#sheet-sha256").inner_text() == signed.sheet_sha256
    assert reader.locator("#audit-sha256").inner_text() == signed.audit_sha256
    assert judges[1].name not in reader.content()
    screenshot(reader, "signing-04-public-notice")
    browsing.assert_only_local_requests()
