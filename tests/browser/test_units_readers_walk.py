"""Issue 15's walk, end to end, in Chinese, as the people concerned click it:

- a reader opens `/` and reads the open call;
- a unit submits its case and downloads the receipt, whose QR code opens the verification page;
- the case is judged, the notice published: the reader finds the notice from `/`, the unit sees
  its award; the results become final and the certificates are made: the unit downloads its
  certificate, whose QR code opens the verification page with the same text; a revoked
  certificate's page says so;
- the organizer's outbox shows every message of the walk, and the colleague whose mail server
  refuses the address has a message retried, then failed with the server's reason.

What judges and organizers do in between (screening, scoring, the notice, certificates) goes
through the services: their own browser flows are elsewhere.
"""

from datetime import timedelta

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone

from certificates import services as certificates
from certificates.models import Certificate
from judging.models import Assignment, Round
from judging.services import results, reviews, rounds
from messaging import tasks as messaging_tasks
from messaging.models import Message
from submissions import services as submissions
from submissions.models import Receipt

from ..certificates.kit import design
from ..factories import CallFactory, UnitFactory, UserFactory, unit_user
from ..judging.results_kit import panel
from ..judging.setupkit import accepted_case, make_round, points_for
from ..messaging.servers import smtp_server
from ..submissions.casekit import case_with_photos
from .kit import assert_accessible, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
REFUSED = "old-mailbox@example.gov.cn"


def _both(page, screenshot, name):
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESK)
    screenshot(page, f"{name}-1280")


def _pdf(download, tmp_path, name):
    """(text, [QR codes]) of the first page of a downloaded PDF."""
    path = tmp_path / name
    download.save_as(str(path))
    pdf = pypdfium2.PdfDocument(str(path))
    text = pdf[0].get_textpage().get_text_range().replace("\r", "").replace("\n", "")
    codes = [c.text for c in zxingcpp.read_barcodes(pdf[0].render(scale=3).to_pil())]
    pdf.close()
    return text, codes


def _judge_and_publish_the_notice(call, case, organizer):
    """Accept the case, judge it with two others (it scores best), propose the awards and
    publish the notice (starting now, ten days)."""
    submissions.cases_screen(cases=[case], actor=organizer, action="accept")
    others = [accepted_case(call, title=f"其他案例{i}") for i in (1, 2)]
    judges = panel(2)
    rnd = make_round(call, judges=judges, cases=[case, *others], actor=organizer)
    given = {case.pk: (38, 58), others[0].pk: (30, 50), others[1].pk: (20, 40)}
    for a in Assignment.objects.filter(round=rnd).select_related("judge__user"):
        reviews.review_save(
            assignment=a, actor=a.judge.user, points=points_for(rnd, *given[a.case_id]), submit=True
        )
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=organizer)
    results.awards_propose(call=call, actor=organizer)
    now = timezone.now()
    results.notice_publish(
        call=call,
        title="2026年度文明创建优秀案例评选结果公示",
        text="现将评选结果予以公示。",
        starts_at=now,
        ends_at=now + timedelta(days=10),
        publish_ranks=True,
        actor=organizer,
    )
    return now


def test_reader_unit_and_organizer_walk_from_the_home_to_a_verified_certificate(
    browsing, screenshot, live_server, settings, tmp_path
):
    base = live_server.url
    settings.PORTAL_BASE_URL = base
    settings.LANGUAGE_CODE = "zh-hans"  # the portal's language: messages are worded in it
    organizer = UserFactory(username="organizer", is_organizer=True)
    call = CallFactory(
        slug="civic-2026",
        title="2026年度文明创建优秀案例征集",
        notice="围绕文明城市创建，征集各单位的优秀案例。",
        award_top_n=1,
        award_excellent_m=2,
    )
    unit = UnitFactory(name="甲街道")
    alice = unit_user(unit, username="alice", email="alice@example.gov.cn")
    unit_user(unit, username="zhao", email=REFUSED)  # a colleague whose mailbox is gone
    case = case_with_photos(
        call=call, unit=unit, created_by=alice, photos=2, title="“口袋公园”点亮老城区"
    )

    with smtp_server(settings, refuse={REFUSED}) as smtp:
        # ---- a reader opens the portal's address and reads the open call
        reader = browsing.new_page()
        reader.goto(f"{base}/")
        with reader.expect_navigation():
            reader.click(f"[data-call='{call.slug}'] a[href='/calls/{call.slug}/']")
        assert "围绕文明城市创建，征集各单位的优秀案例。" in reader.inner_text("main")
        _both(reader, screenshot, "walk-01-open-call")
        assert_accessible(reader)

        # ---- the unit submits its case and downloads the receipt
        page = browsing.new_page()
        login(page, base, alice.username)
        page.goto(f"{base}{case.get_absolute_url()}")
        with page.expect_navigation():
            page.click(f"form[action='/collect/cases/{case.pk}/submit/'] button[type=submit]")
        receipt = Receipt.objects.get(case=case)
        with page.expect_download() as info:
            page.click("#receipt-latest")
        text, codes = _pdf(info.value, tmp_path, "receipt.pdf")
        assert codes == [f"{base}/verify/receipt/{receipt.token}/"]
        assert receipt.number in text and case.code in text
        reader.goto(codes[0])
        assert reader.inner_text("[data-field=number]") == receipt.number
        assert reader.inner_text("[data-field=title]") == "“口袋公园”点亮老城区"
        _both(reader, screenshot, "walk-02-receipt-verified")

        # ---- judged; the notice runs: the reader finds it from the home, the unit its award
        now = _judge_and_publish_the_notice(call, case, organizer)
        reader.goto(f"{base}/")
        with reader.expect_navigation():
            reader.click(f"#current-notices [data-notice='{call.slug}'] a")
        assert "2026年度文明创建优秀案例评选结果公示" in reader.inner_text("main")
        assert "“口袋公园”点亮老城区" in reader.inner_text("main")
        _both(reader, screenshot, "walk-03-notice")
        assert_accessible(reader)
        page.goto(f"{base}{case.get_absolute_url()}")
        assert page.inner_text("#case-outcome [data-award]") == "十佳案例"
        assert page.inner_text("#case-outcome [data-rank]") == "1"

        # ---- final; certificates made; another unit's is revoked
        results.call_finalize(call=call, actor=organizer, now=now + timedelta(days=11))
        design(call, actor=organizer)
        certificates.job_start(call=call, actor=organizer)
        mine = Certificate.objects.get(case=case)
        other = Certificate.objects.exclude(case=case).order_by("number").first()
        certificates.certificate_revoke(
            certificate=other, reason="案例材料与实际不符，撤销奖项", actor=organizer
        )

        # ---- the unit downloads its certificate from the case page; its QR code verifies it
        page.goto(f"{base}{case.get_absolute_url()}")
        link = page.locator(f"#case-outcome a[href='/certificates/{mine.pk}/download/']")
        with page.expect_download() as info:
            link.click()
        text, codes = _pdf(info.value, tmp_path, "certificate.pdf")
        assert codes == [f"{base}/verify/{mine.full_number}/"]
        reader.goto(codes[0])
        assert reader.locator("#verdict[data-valid='1']").count() == 1
        shown = [line for line in reader.inner_text("#cert-text").split("\n") if line.strip()]
        assert shown == [line for line in mine.text.splitlines() if line.strip()]
        assert all(line.replace(" ", "") in text.replace(" ", "") for line in shown)
        _both(reader, screenshot, "walk-04-certificate-verified")
        assert_accessible(reader)
        reader.goto(f"{base}/verify/{other.full_number}/")
        assert reader.locator("#verdict[data-valid='0']").count() == 1
        assert reader.inner_text("#revoke-reason") == "案例材料与实际不符，撤销奖项"
        _both(reader, screenshot, "walk-05-certificate-revoked")

        # ---- the outbox holds every message of the walk, the refused ones failed with why
        org = browsing.new_page()
        login(org, base, organizer.username)
        org.goto(f"{base}/messages/outbox/?q=alice")
        events = set(Message.objects.filter(user=alice).values_list("event", flat=True))
        assert events == {"case_accepted", "notice_published", "results_final", "certificate_ready"}
        assert org.locator("#outbox tbody tr[data-message]").count() == 4
        assert Message.objects.filter(user=alice).exclude(status="sent").count() == 0
        _both(org, screenshot, "walk-06-outbox")
        assert_accessible(org)
        org.goto(f"{base}/messages/outbox/?status=failed")
        failed = Message.objects.filter(address=REFUSED)
        assert set(failed.values_list("event", "status")) == {(e, "failed") for e in events}
        tries = messaging_tasks.message_send.max_retries + 1
        assert set(failed.values_list("attempts", flat=True)) == {tries}
        assert org.locator("#outbox tbody tr[data-message]").count() == 4
        reasons = org.locator(".outbox-reason").all_inner_texts()
        assert len(reasons) == 4
        assert all(r.startswith("邮件服务器拒收该收件人：550 5.1.1") for r in reasons)
        assert smtp.delivered == 4  # alice's four; the colleague's were refused every time
        _both(org, screenshot, "walk-07-outbox-failed")

    browsing.assert_only_local_requests()
    browsing.assert_healthy()
