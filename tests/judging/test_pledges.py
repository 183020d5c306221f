"""The pledge (回避与保密承诺书): a judge who has not signed it sees nothing of the round — no
queue, no review, no photo, no attachment, not even a case title — and signs it with the name
the pool knows, a tick, and (if need be) conflicts with the round's units declared right there."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from judging.models import Assignment, Conflict, PledgeSignature, Round
from judging.services import pledges
from submissions.models import DEFAULT_PLEDGE_TEXT
from tests.submissions.casekit import attachment_add

from ..factories import CallFactory, RoundFactory, UnitFactory
from .setupkit import accepted_case, judge_profile, make_round, photo_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(call, organizer):
    """An open, non-blind round that requires the pledge: two cases of two units, a photo and
    an attachment, and one judge who has not signed."""
    east, west = UnitFactory(name="东城街道"), UnitFactory(name="西城社区")
    cases = [
        accepted_case(call, unit=east, title="东城垃圾分类新做法"),
        accepted_case(call, unit=west, title="西城邻里守望互助队"),
    ]
    photo = photo_add(cases[0], caption="现场")
    att = attachment_add(cases[0])
    judge = judge_profile("pledger", name="刘专家")
    other = judge_profile("colleague", name="陈专家")
    rnd = make_round(
        call, judges=[judge, other], blind=False, pledge_required=True, actor=organizer
    )
    return {
        "round": rnd,
        "cases": cases,
        "units": (east, west),
        "photo": photo,
        "attachment": att,
        "judge": judge,
        "review": Assignment.objects.get(round=rnd, judge=judge, case=cases[0]),
    }


def _judge_urls(w) -> dict[str, str]:
    rnd, review = w["round"], w["review"]
    return {
        "queue": reverse("judging:queue", args=[rnd.pk]),
        "review": reverse("judging:review", args=[review.pk]),
        "review_conflict": reverse("judging:review_conflict", args=[review.pk]),
        "review_photo": reverse("judging:review_photo", args=[w["photo"].uid, "web"]),
        "review_thumb": reverse("judging:review_photo", args=[w["photo"].uid, "thumb"]),
        "review_attachment": reverse("judging:review_attachment", args=[w["attachment"].uid]),
        "home": reverse("judging:home"),
    }


def test_an_unsigned_judge_sees_nothing_of_the_round_on_any_judge_url(client, world):
    client.force_login(world["judge"].user)
    pledge_url = reverse("judging:pledge", args=[world["round"].pk])
    answers = {}
    for name, url in _judge_urls(world).items():
        response = client.get(url)
        body = b"" if getattr(response, "streaming", False) else response.content
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content)
        answers[name] = (response.status_code, response.get("Location", ""))
        text = body.decode(errors="replace")
        for case in world["cases"]:
            assert case.title not in text, name
    assert answers == {
        "queue": (302, pledge_url),
        "review": (302, pledge_url),
        "review_conflict": (404, ""),
        "review_photo": (404, ""),
        "review_thumb": (404, ""),
        "review_attachment": (404, ""),
        "home": (200, ""),
    }
    home = client.get(reverse("judging:home")).content.decode()
    assert f'data-pledge="{world["round"].pk}"' in home
    assert f'data-round="{world["round"].pk}"' not in home


def test_after_signing_the_judge_reaches_every_page(client, world):
    judge = world["judge"]
    client.force_login(judge.user)
    url = reverse("judging:pledge", args=[world["round"].pk])
    page = client.get(url).content.decode()
    assert "东城街道" in page and "西城社区" in page  # the units, never a case
    assert all(case.title not in page for case in world["cases"])
    response = client.post(url, {"typed_name": "刘专家", "agreed": "on"}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert response["Location"] == reverse("judging:queue", args=[world["round"].pk])
    sig = PledgeSignature.objects.get(round=world["round"], judge=judge)
    assert (sig.typed_name, sig.ip_address, sig.text) == ("刘专家", "10.1.2.3", DEFAULT_PLEDGE_TEXT)
    assert sig.units_listed == ["东城街道", "西城社区"]
    assert len(sig.text_hash) == 64
    answers = {name: client.get(u).status_code for name, u in _judge_urls(world).items()}
    assert answers == {
        "queue": 200,
        "review": 200,
        "review_conflict": 200,
        "review_photo": 200,
        "review_thumb": 200,
        "review_attachment": 200,
        "home": 200,
    }
    assert client.get(url).status_code == 404  # signed once; the page is gone


def test_the_typed_name_must_be_the_pool_name_and_the_box_ticked(world):
    rnd, judge = world["round"], world["judge"]
    for typed, agreed in (("刘某", True), ("", True), ("刘专家", False)):
        with pytest.raises(ValidationError):
            pledges.pledge_sign(
                round=rnd,
                judge=judge,
                typed_name=typed,
                agreed=agreed,
                ip_address=None,
                actor=judge.user,
            )
    assert not PledgeSignature.objects.exists()


def test_a_wrong_name_is_shown_on_the_page(client, world):
    client.force_login(world["judge"].user)
    url = reverse("judging:pledge", args=[world["round"].pk])
    response = client.post(url, {"typed_name": "别人", "agreed": "on"})
    assert response.status_code == 400
    assert "Type your name as the expert pool knows it: 刘专家." in response.content.decode()


def test_conflicts_declared_on_the_pledge_keep_the_units_cases_away(client, world):
    judge, (east, _west) = world["judge"], world["units"]
    client.force_login(judge.user)
    url = reverse("judging:pledge", args=[world["round"].pk])
    client.post(
        url,
        {
            "typed_name": "刘专家",
            "agreed": "on",
            "conflict_units": [str(east.pk)],
            "conflict_reason": "本人曾在该街道挂职",
        },
    )
    assert list(Conflict.objects.filter(judge=judge).values_list("case__title", "reason")) == [
        ("东城垃圾分类新做法", "本人曾在该街道挂职")
    ]
    queue = client.get(reverse("judging:queue", args=[world["round"].pk])).content.decode()
    assert "西城邻里守望互助队" in queue and "东城垃圾分类新做法" not in queue


def test_a_conflict_needs_its_reason(world):
    judge, (east, _west) = world["judge"], world["units"]
    with pytest.raises(ValidationError):
        pledges.pledge_sign(
            round=world["round"],
            judge=judge,
            typed_name="刘专家",
            agreed=True,
            ip_address=None,
            conflict_unit_ids=[east.pk],
            actor=None,
        )
    assert not Conflict.objects.exists()


def test_only_panel_judges_sign(world):
    outsider = judge_profile("outside", name="外人")
    with pytest.raises(ValidationError):
        pledges.pledge_sign(
            round=world["round"],
            judge=outsider,
            typed_name="外人",
            agreed=True,
            ip_address=None,
            actor=None,
        )


def test_rounds_without_the_pledge_need_no_signature(client, call, organizer):
    judge = judge_profile("plain")
    case = accepted_case(call)
    rnd = make_round(call, judges=[judge], actor=organizer)
    assert rnd.pledge_required is False
    client.force_login(judge.user)
    assert case.title in client.get(reverse("judging:queue", args=[rnd.pk])).content.decode()


def test_a_new_round_requires_the_pledge_by_default():
    assert Round(call=CallFactory(), name="初评").pledge_required is True


def test_the_organizer_edits_the_pledge_text_and_signatures_keep_theirs(world, org_client):
    rnd, judge = world["round"], world["judge"]
    pledges.pledge_sign(
        round=rnd, judge=judge, typed_name="刘专家", agreed=True, ip_address=None, actor=None
    )
    response = org_client.post(
        reverse("judging:round_pledge_text", args=[rnd.pk]), {"pledge_text": "新的承诺书文本。"}
    )
    assert response.status_code == 302
    rnd.call.refresh_from_db()
    assert rnd.call.pledge_text == "新的承诺书文本。"
    assert PledgeSignature.objects.get(judge=judge).text == DEFAULT_PLEDGE_TEXT


def test_the_round_page_and_the_export_show_the_signed_pledges(world, org_client):
    rnd, judge = world["round"], world["judge"]
    sig = pledges.pledge_sign(
        round=rnd, judge=judge, typed_name="刘专家", agreed=True, ip_address="10.0.0.9", actor=None
    )
    page = org_client.get(reverse("judging:round_detail", args=[rnd.pk])).content.decode()
    assert 'id="pledge-list"' in page and "刘专家" in page and "10.0.0.9" in page
    response = org_client.get(reverse("judging:round_pledges_export", args=[rnd.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:6] == (
        "Expert",
        "Name typed",
        "Signed at",
        "Address",
        "Units listed",
        "SHA-256 of the text signed",
    )
    assert rows[1][0] == "刘专家" and rows[1][3] == "10.0.0.9"
    assert rows[1][4] == "东城街道、西城社区" and rows[1][5] == sig.text_hash


def test_a_closed_round_shows_an_unsigned_judge_nothing_either(client, world, organizer):
    from judging.services import rounds

    rounds.round_set_status(round=world["round"], status=Round.Status.CLOSED, actor=organizer)
    client.force_login(world["judge"].user)
    response = client.get(reverse("judging:review", args=[world["review"].pk]))
    assert response.status_code == 404
    assert world["cases"][0].code not in response.content.decode()


def test_a_copied_call_keeps_its_pledge_text_and_its_rounds_require_the_pledge(organizer):
    from datetime import timedelta

    from django.utils import timezone

    from submissions.services import call_copy

    source = CallFactory(pledge_text="本单位自拟的承诺书。")
    RoundFactory.create(call=source, number=1, answer_hours=24)
    now = timezone.now()
    copy = call_copy(
        source=source,
        slug="copy-2027",
        title="2027年度",
        opens_at=now,
        closes_at=now + timedelta(days=30),
        actor=organizer,
    )
    assert copy.pledge_text == "本单位自拟的承诺书。"
    rnd = copy.rounds.get()
    assert (rnd.answer_hours, rnd.pledge_required) == (24, True)
