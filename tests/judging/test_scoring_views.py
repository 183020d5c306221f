"""The judge's pages: queue, scoring page, drafts and submission, the lock, errors, conflicts,
photos and attachments; blind rounds leak no unit or contact; fixed query counts."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.db.models.signals import pre_save
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from judging.models import Assignment, Conflict, Round, Score, ScoreAudit
from judging.services import rounds
from judging.services.reviews import review_save
from tests.submissions.casekit import attachment_add

from ..factories import UnitFactory
from .setupkit import accepted_case, form_data, judge_profile, make_round, photo_add, points_for

pytestmark = pytest.mark.django_db

UNIT_NAME = "蓝鲸湾街道办事处"
CONTACT = "欧阳娜娜"
PHONE = "13987654321"


@pytest.fixture
def j1(db):
    return judge_profile("j1", name="林评委")


@pytest.fixture
def j2(db):
    return judge_profile("j2", name="钱评委")


@pytest.fixture
def secret_case(call):
    """A case whose unit and contact are distinctive, mentioned in its own text and captions."""
    unit = UnitFactory(name=UNIT_NAME)
    case = accepted_case(
        call,
        unit=unit,
        title="“口袋公园”点亮老城区",
        contact_name=CONTACT,
        contact_phone=PHONE,
        summary=f"{UNIT_NAME}见缝插绿。",
        body=f"联系人{CONTACT}，电话138 7654 321 0不是它；"
        f"电话{PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}。",
    )
    photo_add(case, caption=f"{UNIT_NAME}的志愿者", original_name=f"{UNIT_NAME}-{CONTACT}.jpg")
    photo_add(case, caption="居民休憩", position=2, original_name=f"{PHONE}.jpg", renditions=False)
    return case


def _page(client, name, **kwargs):
    return client.get(reverse(f"judging:{name}", kwargs=kwargs))


def _review_url(a) -> str:
    return reverse("judging:review", kwargs={"pk": a.pk})


# ---- blind rounds ---------------------------------------------------------------------------


def _everything_a_judge_reaches(client, rnd, a) -> tuple[str, list[str]]:
    """Every page and file of the judge for this case, as text and header lines."""
    html = []
    for response in (
        _page(client, "home"),
        _page(client, "queue", pk=rnd.pk),
        client.get(_review_url(a)),
        _page(client, "review_conflict", pk=a.pk),
        client.post(_review_url(a), form_data(rnd, "99", "1")),  # the error page too
    ):
        assert response.status_code in (200, 400)
        html.append(response.content.decode())
    headers: list[str] = []
    urls = sorted(
        set(
            re.findall(
                r'(?:src|href)="(/judging/review/(?:photos|attachments)/[^"]+)"', "".join(html)
            )
        )
    )
    assert len(urls) >= 4 or not rnd.blind
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        headers.extend(f"{k}: {v}" for k, v in response.headers.items())
        b"".join(response.streaming_content)
    return "\n".join(html), headers


def test_blind_round_shows_no_unit_or_contact_anywhere(client, call, secret_case, j1):
    rnd = make_round(call, judges=[j1], blind=True)
    a = Assignment.objects.get(round=rnd, judge=j1)
    client.force_login(j1.user)
    html, headers = _everything_a_judge_reaches(client, rnd, a)
    for secret in (UNIT_NAME, CONTACT, PHONE, "139-8765-4321", "蓝鲸湾"):
        assert secret not in html, secret
        assert not [h for h in headers if secret in h], secret
    assert "“口袋公园”点亮老城区" in html  # the case itself is there
    assert "[withheld]见缝插绿。" in html or "〔已隐去〕见缝插绿" in html
    assert "138 7654 321 0不是它" in html  # other numbers are left alone
    dispositions = [h for h in headers if h.startswith("Content-Disposition")]
    photos = list(secret_case.photos.all())
    assert sorted(dispositions) == sorted(
        [
            f'Content-Disposition: inline; filename="{photos[0].uid.hex}-web.jpg"',
            f'Content-Disposition: inline; filename="{photos[0].uid.hex}-thumb.jpg"',
            f'Content-Disposition: inline; filename="{photos[1].uid.hex}.jpg"',
            f'Content-Disposition: inline; filename="{photos[1].uid.hex}.jpg"',
        ]
    )


def test_non_blind_round_shows_the_unit_and_contact(client, call, secret_case, j1):
    attachment_add(secret_case, name=f"{UNIT_NAME}材料.pdf")
    rnd = make_round(call, judges=[j1], blind=False)
    a = Assignment.objects.get(round=rnd, judge=j1)
    client.force_login(j1.user)
    queue = _page(client, "queue", pk=rnd.pk).content.decode()
    page = client.get(_review_url(a)).content.decode()
    assert UNIT_NAME in queue
    assert f"{UNIT_NAME}见缝插绿。" in page
    assert CONTACT in page and PHONE in page
    att = secret_case.attachments.get()
    response = client.get(reverse("judging:review_attachment", kwargs={"uid": att.uid}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{att.uid.hex}.pdf"'


def test_attachments_never_reach_a_judge_of_a_blind_round(client, call, secret_case, j1):
    att = attachment_add(secret_case, name=f"{UNIT_NAME}.pdf")
    make_round(call, judges=[j1], blind=True)
    client.force_login(j1.user)
    assert (
        client.get(reverse("judging:review_attachment", kwargs={"uid": att.uid})).status_code == 404
    )


def test_photo_original_and_foreign_photos_are_404(client, call, secret_case, j1):
    other = accepted_case(call)
    foreign = photo_add(other, caption="别人的")
    make_round(call, judges=[j1], cases=[secret_case])
    mine = secret_case.photos.first()
    client.force_login(j1.user)

    def get(photo, variant):
        return client.get(
            reverse("judging:review_photo", kwargs={"uid": photo.uid, "variant": variant})
        ).status_code

    assert (get(mine, "thumb"), get(mine, "web"), get(mine, "original")) == (200, 200, 404)
    assert (get(foreign, "thumb"), get(foreign, "web")) == (404, 404)


# ---- scoring -------------------------------------------------------------------------------


@pytest.fixture
def two_cases(call):
    return [accepted_case(call), accepted_case(call)]


@pytest.fixture
def rnd(call, two_cases, j1, j2):
    return make_round(call, judges=[j1, j2])


def _a(rnd, judge, case) -> Assignment:
    return Assignment.objects.get(round=rnd, judge=judge, case=case)


def test_queue_lists_the_judges_cases_in_order(client, rnd, j1, two_cases):
    client.force_login(j1.user)
    response = _page(client, "queue", pk=rnd.pk)
    assert response.status_code == 200
    rows = re.findall(r'data-review="(\d+)"', response.content.decode())
    assert rows == [str(_a(rnd, j1, c).pk) for c in two_cases]


def test_draft_is_saved_and_the_page_shows_it(client, rnd, j1, two_cases):
    a = _a(rnd, j1, two_cases[0])
    client.force_login(j1.user)
    response = client.post(_review_url(a), form_data(rnd, "35", "", comment="很有新意"))
    assert response.status_code == 302 and response.url == _review_url(a)
    a.refresh_from_db()
    assert (a.status, a.total, a.comment) == (Assignment.Status.DRAFT, Decimal("35"), "很有新意")
    page = client.get(_review_url(a)).content.decode()
    first = rnd.criteria.first()
    assert f'name="c{first.pk}" id="id_c{first.pk}" value="35"' in page
    assert "很有新意" in page


def _confirmed(rnd, *values, comment=""):
    return {**form_data(rnd, *values, comment=comment, action="submit"), "confirmed": "1"}


def test_submit_asks_first_showing_the_scores_and_total(client, rnd, j1, two_cases):
    """Submitting is final: 提交 beside 保存草稿 no longer locks the scores in one click. The
    scores are saved as a draft and a page shows them with the total before the judge
    confirms (no JavaScript needed)."""
    a = _a(rnd, j1, two_cases[0])
    client.force_login(j1.user)

    response = client.post(
        _review_url(a), form_data(rnd, "30", "50", comment="好", action="submit")
    )

    assert (response.status_code, response.url) == (302, _review_url(a) + "?confirm")
    a.refresh_from_db()
    assert (a.status, a.total) == (Assignment.Status.DRAFT, Decimal("80"))
    page = client.get(response.url).content.decode()
    assert re.search(r'id="confirm-total">80 / 100<', page)
    innovation, effect = rnd.criteria.all()
    assert f'<input type="hidden" name="c{innovation.pk}" value="30">' in page
    assert f'<input type="hidden" name="c{effect.pk}" value="50">' in page
    assert 'name="confirmed" value="1"' in page
    client.post(_review_url(a), _confirmed(rnd, "30", "50", comment="好"))
    a.refresh_from_db()
    assert (a.status, a.total, a.comment) == (Assignment.Status.SUBMITTED, Decimal("80"), "好")
    # a draft with a criterion missing has nothing to confirm: the scoring page shows instead
    other = _a(rnd, j1, two_cases[1])
    review_save(assignment=other, actor=j1.user, points=points_for(rnd, "30", ""))
    assert 'id="review-form"' in client.get(_review_url(other) + "?confirm").content.decode()


def test_submit_moves_on_to_the_next_open_case_then_back_to_the_list(client, rnd, j1, two_cases):
    first, second = (_a(rnd, j1, c) for c in two_cases)
    client.force_login(j1.user)
    response = client.post(_review_url(first), _confirmed(rnd, "30", "50"))
    assert response.url == _review_url(second)
    response = client.post(_review_url(second), _confirmed(rnd, "20", "40"))
    assert response.url == reverse("judging:queue", kwargs={"pk": rnd.pk})
    assert list(
        Assignment.objects.filter(round=rnd, judge=j1).values_list("status", flat=True)
    ) == ["submitted", "submitted"]


def test_submitted_scores_are_locked_on_the_page(client, rnd, j1, two_cases):
    a = _a(rnd, j1, two_cases[0])
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "30", "50"), submit=True)
    client.force_login(j1.user)
    page = client.get(_review_url(a)).content.decode()
    assert 'id="review-form"' not in page and 'id="my-scores"' in page
    response = client.post(_review_url(a), form_data(rnd, "40", "60", action="submit"))
    assert response.status_code == 302 and response.url == _review_url(a)
    response = client.post(_review_url(a), form_data(rnd, "4x", "", action="save"), follow=True)
    assert (
        "You have submitted this review; it can no longer be changed. Ask the organizer "
        "to reopen it if it must change."
    ) in response.content.decode()
    a.refresh_from_db()
    assert a.total == Decimal("80")
    assert list(ScoreAudit.objects.filter(assignment=a).values_list("action", flat=True)) == [
        "submit"
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (("3x", "10"), "“创新性”: “3x” is not a number."),
        (("41", "10"), "“创新性”: give between 0 and 40 points."),
        (("10", "9.5"), "“实效性”: scores go in steps of 1."),
    ],
)
def test_wrong_scores_are_shown_beside_their_criterion_and_nothing_is_saved(
    client, rnd, j1, two_cases, values, message
):
    a = _a(rnd, j1, two_cases[0])
    client.force_login(j1.user)
    response = client.post(_review_url(a), form_data(rnd, *values, comment="评语", action="submit"))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'value="{values[0]}"' in page and f'value="{values[1]}"' in page  # kept as typed
    a.refresh_from_db()
    assert (a.status, a.total, a.comment) == (Assignment.Status.PENDING, None, "")
    assert Score.objects.filter(assignment=a).count() == 0
    assert ScoreAudit.objects.filter(assignment=a).count() == 0


def test_submit_with_a_criterion_missing_is_refused(client, rnd, j1, two_cases):
    a = _a(rnd, j1, two_cases[0])
    client.force_login(j1.user)
    response = client.post(_review_url(a), form_data(rnd, "30", "", action="submit"))
    assert response.status_code == 400
    assert "Score every criterion before submitting: 实效性." in response.content.decode()
    assert Assignment.objects.get(pk=a.pk).status == Assignment.Status.PENDING


def test_a_judge_never_sees_another_judges_scores(client, rnd, j1, j2, two_cases):
    theirs = _a(rnd, j2, two_cases[0])
    review_save(
        assignment=theirs,
        actor=j2.user,
        points=points_for(rnd, "37", "59"),
        comment="钱评委的独家评语",
        submit=True,
    )
    mine = _a(rnd, j1, two_cases[0])
    client.force_login(j1.user)
    pages = [
        client.get(_review_url(mine)),
        _page(client, "queue", pk=rnd.pk),
        _page(client, "home"),
    ]
    for response in pages:
        text = response.content.decode()
        assert response.status_code == 200
        assert "钱评委的独家评语" not in text and "钱评委" not in text
    assert client.get(_review_url(theirs)).status_code == 404
    assert _page(client, "review_history", pk=theirs.pk).status_code == 403


def test_previous_and_next_follow_the_queue(client, rnd, j1, two_cases):
    first, second = (_a(rnd, j1, c) for c in two_cases)
    client.force_login(j1.user)
    page = client.get(_review_url(first)).content.decode()
    assert f'href="{_review_url(second)}" id="next-case"' in page
    assert 'id="prev-case"' not in page
    page = client.get(_review_url(second)).content.decode()
    assert f'href="{_review_url(first)}" id="prev-case"' in page


def test_closed_round_disappears_for_judges(client, rnd, j1, two_cases):
    a = _a(rnd, j1, two_cases[0])
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=None)
    client.force_login(j1.user)
    assert _page(client, "queue", pk=rnd.pk).status_code == 404
    response = client.get(_review_url(a))  # a bookmark, or "Next" in a tab left open
    assert response.status_code == 200
    assert _text_of(response, "closed-note") == (
        f"The organizer closed the round “初评” of “{rnd.call.title}”; case "
        f"{a.case.code} can no longer be scored."
    )
    assert 'id="review-form"' not in response.content.decode()
    assert f'data-round="{rnd.pk}"' not in _page(client, "home").content.decode()


# ---- a round closed before (or while) the judge's scores arrive ------------------------------


def _text_of(response, element_id: str) -> str:
    """The text of the element with this id, tags removed and white space collapsed."""
    html = response.content.decode()
    match = re.search(rf'<(\w+)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no #{element_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split())


def _closed_rows(response) -> list[list[str]]:
    table = re.search(r'id="closed-scores">(.*?)</table>', response.content.decode(), re.S)
    assert table
    return [
        [
            " ".join(unescape(re.sub(r"<[^>]+>", "", c)).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]


def test_scores_sent_after_the_round_closed_get_a_page_saying_the_draft_stays(
    client, rnd, j1, two_cases
):
    a = _a(rnd, j1, two_cases[0])
    client.force_login(j1.user)
    client.post(_review_url(a), form_data(rnd, "30", "40", comment="初稿评语"))
    a.refresh_from_db()
    saved_at = a.updated_at
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=None)

    response = client.post(_review_url(a), form_data(rnd, "38", "55", action="submit"))

    assert response.status_code == 409
    assert _text_of(response, "not-recorded") == (
        f"The organizer closed the round “初评” of “{rnd.call.title}” before your scores for "
        f"case {a.case.code} arrived. What you just sent was not recorded."
    )
    local = timezone.localtime(saved_at).strftime("%Y-%m-%d %H:%M")
    assert _text_of(response, "saved-state") == (
        f"Your draft saved on {local} is kept as it was (70 points), but it was never "
        "submitted, so it does not count in the results."
    )
    assert _closed_rows(response) == [
        ["Criterion", "Saved", "Just sent (not recorded)"],
        ["创新性", "30 / 40", "38"],
        ["实效性", "40 / 60", "55"],
    ]
    a.refresh_from_db()
    assert (a.status, a.total, a.comment) == (Assignment.Status.DRAFT, Decimal(70), "初稿评语")
    assert ScoreAudit.objects.filter(assignment=a).count() == 1


def test_a_submitted_review_is_said_to_count_when_the_round_has_closed(client, rnd, j1, two_cases):
    a = _a(rnd, j1, two_cases[0])
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "35", "50"), submit=True)
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=None)
    client.force_login(j1.user)
    response = client.get(_review_url(a))
    a.refresh_from_db()
    local = timezone.localtime(a.submitted_at).strftime("%Y-%m-%d %H:%M")
    assert _text_of(response, "saved-state") == (
        f"Your review was submitted on {local} and counts in the results, with 85 points."
    )


def test_round_closed_while_the_scores_are_saved_gets_the_same_page(client, rnd, j1, two_cases):
    a = _a(rnd, j1, two_cases[0])
    client.force_login(j1.user)

    def close_the_round(sender, instance, **kwargs):  # the organizer, at that very moment
        Round.objects.filter(pk=rnd.pk).update(status=Round.Status.CLOSED)

    pre_save.connect(close_the_round, sender=Assignment, dispatch_uid="close-the-round")
    try:
        response = client.post(_review_url(a), form_data(rnd, "38", "55", comment="迟到的评语"))
    finally:
        pre_save.disconnect(sender=Assignment, dispatch_uid="close-the-round")

    assert response.status_code == 409
    assert "What you just sent was not recorded." in _text_of(response, "not-recorded")
    assert _text_of(response, "saved-state") == (
        "Nothing had been saved for this case before, so it has no score from you."
    )
    a.refresh_from_db()
    assert (a.status, Score.objects.filter(assignment=a).count()) == (Assignment.Status.PENDING, 0)


def test_another_judges_review_of_a_closed_round_is_still_a_404(client, rnd, j1, j2, two_cases):
    theirs = _a(rnd, j2, two_cases[0])
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=None)
    client.force_login(j1.user)
    assert client.get(_review_url(theirs)).status_code == 404
    assert client.post(_review_url(theirs), form_data(rnd, "1", "1")).status_code == 404


# ---- changes until the round closes -------------------------------------------------------


def test_a_round_may_let_judges_change_submitted_scores_until_it_closes(client, rnd, j1, two_cases):
    Round.objects.filter(pk=rnd.pk).update(changes_until_close=True)
    a = _a(rnd, j1, two_cases[0])
    client.force_login(j1.user)

    # submitting needs no confirmation: it can still change
    response = client.post(_review_url(a), form_data(rnd, "30", "50", action="submit"))
    assert response.url == _review_url(_a(rnd, j1, two_cases[1]))
    page = client.get(_review_url(a)).content.decode()
    assert 'id="review-form"' in page and 'id="changeable-note"' in page
    assert 'id="save-draft"' not in page  # a submitted review never goes back to a draft

    client.post(_review_url(a), form_data(rnd, "35", "50", action="submit"))
    a.refresh_from_db()
    assert (a.status, a.total) == (Assignment.Status.SUBMITTED, Decimal("85"))
    audits = list(ScoreAudit.objects.filter(assignment=a).order_by("pk"))
    assert [(x.action, x.before["total"], x.after["total"]) for x in audits] == [
        ("submit", None, "80"),
        ("submit", "80.00", "85"),
    ]
    assert audits[1].reason == "Changed after submission (allowed until the round closes)."
    assert Round.objects.get(pk=rnd.pk).results_computed_at is None  # recomputed as scheduled

    # once the round closes the scores are final
    rounds.round_set_status(round=rnd, status=Round.Status.CLOSED, actor=None)
    client.post(_review_url(a), form_data(rnd, "40", "50", action="submit"))
    a.refresh_from_db()
    assert a.total == Decimal("85")


def test_the_round_form_offers_changes_until_close(client, rnd, organizer):
    client.force_login(organizer)
    page = client.get(reverse("judging:round_edit", kwargs={"pk": rnd.pk})).content.decode()
    assert 'name="changes_until_close"' in page


# ---- conflicts -----------------------------------------------------------------------------


def test_declaring_a_conflict_moves_the_case_to_another_judge(client, call, j1, j2):
    case = accepted_case(call)
    j3 = judge_profile("j3")
    rnd = make_round(call, judges=[j1, j2, j3], mode=Round.Mode.BALANCED, k=1)
    a = Assignment.objects.get(round=rnd, case=case)
    holder = a.judge
    client.force_login(holder.user)
    url = reverse("judging:review_conflict", kwargs={"pk": a.pk})
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "我曾指导该项目"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("judging:home")
    assert "The case was given to another judge." in response.content.decode()
    assert Conflict.objects.get(judge=holder, case=case).reason == "我曾指导该项目"
    new_holder = Assignment.objects.get(round=rnd, case=case).judge
    assert new_holder != holder
    # The old link says what happened (not a 404, which DEBUG shows as a list of URLs).
    gone = client.get(_review_url(a))
    assert gone.status_code == 410
    assert "This case has been reassigned to another judge" in gone.content.decode()
    assert 'id="back-home"' in gone.content.decode()


def test_an_old_link_to_a_reassigned_case_leads_back_to_the_queue(client, call, j1, j2):
    first, second = accepted_case(call), accepted_case(call)
    rnd = make_round(call, judges=[j1, j2], mode=Round.Mode.BALANCED, k=1)
    a = Assignment.objects.get(round=rnd, case=first)
    holder, other = (j1, j2) if a.judge == j1 else (j2, j1)
    Assignment.objects.filter(round=rnd, case=second).update(judge=holder)
    rounds.conflict_declare(judge=holder, case=first, reason="曾在该单位任职", actor=holder.user)

    client.force_login(holder.user)
    page = client.get(_review_url(a))

    assert page.status_code == 410
    html = page.content.decode()
    assert "This case has been reassigned to another judge" in html
    assert f'href="{reverse("judging:queue", kwargs={"pk": rnd.pk})}" id="back-to-queue"' in html
    assert first.title not in html  # nothing about the case or who has it now
    client.force_login(other.user)  # the link of someone else's review stays a plain 404
    assert client.get(_review_url(a)).status_code == 404


def test_conflict_with_nobody_free_is_reported_to_the_organizer(client, call, j1, j2, organizer):
    case = accepted_case(call, title="无人可接的案例")
    rnd = make_round(call, judges=[j1, j2], mode=Round.Mode.BALANCED, k=2)
    a = _a(rnd, j1, case)
    client.force_login(j1.user)
    response = client.post(
        reverse("judging:review_conflict", kwargs={"pk": a.pk}),
        {"reason": "配偶在该单位"},
        follow=True,
    )
    assert "no other judge was free" in response.content.decode()
    client.force_login(organizer)
    page = _page(client, "round_detail", pk=rnd.pk).content.decode()
    assert 'id="shortfalls"' in page
    assert f'data-case="{case.pk}"' in page and "无人可接的案例" in page
    assert "Only 1 judge(s) of the panel are free of a conflict of interest" in page
    assert "配偶在该单位" in page  # the declared reason is listed for the organizer


def test_submitted_review_cannot_be_declared_a_conflict_by_the_judge(client, rnd, j1, two_cases):
    a = _a(rnd, j1, two_cases[0])
    review_save(assignment=a, actor=j1.user, points=points_for(rnd, "1", "1"), submit=True)
    client.force_login(j1.user)
    response = client.post(
        reverse("judging:review_conflict", kwargs={"pk": a.pk}), {"reason": "后来才发现"}
    )
    assert response.status_code == 302 and response.url == _review_url(a)
    assert not Conflict.objects.exists()


# ---- query counts --------------------------------------------------------------------------


def _round_with(call, judge, n) -> Round:
    cases = [accepted_case(call) for _ in range(n)]
    for c in cases:
        photo_add(c, caption="说明")
    return make_round(call, judges=[judge], cases=cases, name=f"第{n}轮")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queue_and_scoring_page_queries_do_not_grow_with_the_cases(
    client, call, j1, django_assert_num_queries
):
    small, large = _round_with(call, j1, 5), _round_with(call, j1, 50)
    client.force_login(j1.user)
    for rnd in (small, large):  # some reviews in every state
        mine = list(Assignment.objects.filter(round=rnd).order_by("case__number"))
        review_save(
            assignment=mine[0], actor=j1.user, points=points_for(rnd, "1", "2"), submit=True
        )
        review_save(assignment=mine[1], actor=j1.user, points=points_for(rnd, "1", ""))

    def urls(rnd):
        a = Assignment.objects.filter(round=rnd).order_by("case__number")[2]
        return [reverse("judging:queue", kwargs={"pk": rnd.pk}), _review_url(a)]

    for small_url, large_url in zip(urls(small), urls(large), strict=True):
        expected = _queries(client, small_url)
        with django_assert_num_queries(expected):
            assert client.get(large_url).status_code == 200


def _position(html: str) -> tuple[str | None, str | None, str]:
    prev = re.search(r'href="/judging/review/(\d+)/" id="prev-case"', html)
    nxt = re.search(r'href="/judging/review/(\d+)/" id="next-case"', html)
    shown = re.search(r"(\d+) of (\d+)", html)
    assert shown is not None, "no position shown"
    return (prev and prev.group(1), nxt and nxt.group(1), shown.group(0))


def test_the_queue_behind_previous_and_next_is_cached_and_follows_changes(
    client, call, j1, j2, django_capture_on_commit_callbacks
):
    rnd = _round_with(call, j1, 3)
    rounds.round_set_panel(round=rnd, judges=[j1, j2], actor=None)
    mine = list(Assignment.objects.filter(round=rnd, judge=j1).order_by("case__number"))
    client.force_login(j1.user)
    first = _queries(client, _review_url(mine[1]))
    again = _queries(client, _review_url(mine[1]))
    assert again == first - 1  # the queue came from the cache
    html = client.get(_review_url(mine[1])).content.decode()
    assert _position(html) == (str(mine[0].pk), str(mine[2].pk), "2 of 3")

    # A fourth case reaches the judge: the page counts it at once (not after the cache expires).
    extra = accepted_case(call)
    rnd.status = Round.Status.DRAFT
    rnd.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        rounds.round_set_entries(
            round=rnd, case_ids=[*(a.case_id for a in mine), extra.pk], actor=None
        )
        added = rounds.assignment_add(round=rnd, judge=j1, case=extra, actor=None)
        rounds.round_set_status(round=rnd, status=Round.Status.OPEN, actor=None)
    html = client.get(_review_url(mine[2])).content.decode()
    assert _position(html) == (str(mine[1].pk), str(added.pk), "3 of 4")

    # Declaring a conflict takes the case out of the judge's queue.
    with django_capture_on_commit_callbacks(execute=True):
        rounds.conflict_declare(judge=j1, case=mine[1].case, reason="曾在该单位任职", actor=j1.user)
    html = client.get(_review_url(mine[2])).content.decode()
    assert _position(html) == (str(mine[0].pk), str(added.pk), "2 of 3")
