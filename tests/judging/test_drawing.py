"""The random drawing for a round: exclusions from the pool, commit then reveal, redraws, the
signal to the invitations, the commands and the pages."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from judging import drawing
from judging.models import DrawingRecord, ExpertRating, Invitation, Round
from judging.services import drawing as services
from judging.signals import experts_drawn

from ..factories import CallFactory, ConflictFactory, ExpertRatingFactory, RoundFactory, UnitFactory
from .setupkit import accepted_case, judge_profile, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool():
    unit = UnitFactory(name="甲街道")
    judges = {
        "city1": judge_profile("city1"),
        "city2": judge_profile("city2"),
        "social": judge_profile("social"),
        "plain": judge_profile("plain"),
        "plain2": judge_profile("plain2"),
        "own_unit": judge_profile("own", unit=unit),
        "away": judge_profile("away"),
        "conflicted": judge_profile("conflicted"),
    }
    for key in ("city1", "city2"):
        judges[key].fields = ["城市管理"]
        judges[key].save()
    judges["social"].fields = ["社会治理"]
    judges["social"].save()
    judges["away"].available, judges["away"].unavailable_reason = False, "出国"
    judges["away"].save()
    return unit, judges


@pytest.fixture
def rnd(call, organizer, pool):
    unit, judges = pool
    case = accepted_case(call, unit=unit)
    ConflictFactory(judge=judges["conflicted"], case=case, reason="亲属")
    return make_round(call, judges=[], cases=[case], status=Round.Status.DRAFT, actor=organizer)


def _commit(rnd, organizer, **kwargs):
    rules = services.DrawingRules(
        count=kwargs.pop("count", 3), backups=kwargs.pop("backups", 1), **kwargs
    )
    return services.drawing_commit(round=rnd, rules=rules, witness="纪检 王某", actor=organizer)


def test_the_snapshot_excludes_by_unit_conflict_and_availability_with_reasons(rnd, organizer, pool):
    _unit, judges = pool
    record = _commit(rnd, organizer)
    reasons = {x["name"]: x["reason"] for x in record.payload["snapshot"]["excluded"]}
    assert reasons == {
        "专家own": "works for a unit with a case in the call",
        "专家away": "unavailable: 出国",
        "专家conflicted": "declared a conflict of interest with a case of the call",
    }
    eligible = [e["id"] for e in record.payload["snapshot"]["eligible"]]
    assert eligible == sorted(
        j.pk for k, j in judges.items() if k not in ("own_unit", "away", "conflicted")
    )


def test_the_commitment_comes_first_and_the_reveal_matches_it(rnd, organizer):
    record = _commit(rnd, organizer, quotas=[("城市管理", 2)])
    assert record.status == DrawingRecord.Status.COMMITTED and record.result == {}
    assert services.record_json(record).get("seed") is None  # secret until drawn
    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    experts_drawn.connect(receiver)
    try:
        record = services.drawing_reveal(record=record, actor=organizer)
    finally:
        experts_drawn.disconnect(receiver)
    data = services.record_json(record)
    assert drawing.verify(data) == []
    assert len(data["result"]["drawn"]) == 3 and len(data["result"]["backups"]) == 1
    assert data["result_names"]["drawn"][:2] and all(
        n in ("专家city1", "专家city2") for n in data["result_names"]["drawn"][:2]
    )
    assert [j.pk for j in sent[0]["drawn"]] == data["result"]["drawn"]
    assert [j.pk for j in sent[0]["backups"]] == data["result"]["backups"]
    assert sent[0]["round"] == rnd
    assert list(rnd.panel.all()) == []  # the invitations add accepted experts, not the draw


def test_a_redraw_needs_a_reason_and_keeps_the_first_record(rnd, organizer):
    first = services.drawing_reveal(record=_commit(rnd, organizer), actor=organizer)
    with pytest.raises(ValidationError, match="A redraw needs a reason"):
        _commit(rnd, organizer)
    rules = services.DrawingRules(count=3, backups=1)
    second = services.drawing_commit(
        round=rnd,
        rules=rules,
        witness="纪检 王某",
        redraw_reason="两位专家同时生病",
        actor=organizer,
    )
    assert second.redraw_of == first
    assert second.payload["facts"]["redraw_of"] == first.commitment
    assert DrawingRecord.objects.filter(round=rnd).count() == 2
    with pytest.raises(ValidationError, match="waits to be drawn"):
        services.drawing_commit(
            round=rnd, rules=rules, witness="x", redraw_reason="again", actor=organizer
        )


def test_rules_are_checked(rnd, organizer):
    with pytest.raises(ValidationError, match="add up to more"):
        _commit(rnd, organizer, count=2, quotas=[("城市管理", 2), ("社会治理", 1)])
    with pytest.raises(ValidationError, match="witness"):
        services.drawing_commit(
            round=rnd, rules=services.DrawingRules(count=1), witness=" ", actor=organizer
        )
    assert services.parse_quota("城市管理=2") == ("城市管理", 2)
    with pytest.raises(ValidationError):
        services.parse_quota("城市管理")


def test_a_poor_rating_excludes_or_de_prioritises(rnd, organizer, pool):
    _unit, judges = pool
    earlier = RoundFactory(call=CallFactory(opens_at=rnd.call.opens_at.replace(year=2020)))
    ExpertRatingFactory(
        judge=judges["plain"], round=earlier, rating=ExpertRating.Rating.INCOMPETENT
    )
    record = _commit(rnd, organizer, rating=services.RATING_EXCLUDE)
    assert (
        "rated incompetent"
        in {x["id"]: x["reason"] for x in record.payload["snapshot"]["excluded"]}[
            judges["plain"].pk
        ]
    )
    services.drawing_reveal(record=record, actor=organizer)
    record = services.drawing_commit(
        round=rnd,
        rules=services.DrawingRules(count=4, rating=services.RATING_DEPRIORITISE),
        witness="w",
        redraw_reason="规则调整",
        actor=organizer,
    )
    tiers = {e["id"]: e["tier"] for e in record.payload["snapshot"]["eligible"]}
    assert tiers[judges["plain"].pk] == 1 and tiers[judges["plain2"].pk] == 0
    record = services.drawing_reveal(record=record, actor=organizer)
    assert judges["plain"].pk not in record.result["drawn"]  # four others were left


def test_served_on_recent_calls_and_drawn_often_are_excluded(rnd, organizer, pool):
    _unit, judges = pool
    earlier = RoundFactory(call=CallFactory(opens_at=rnd.call.opens_at.replace(year=2020)))
    earlier.panel.add(judges["social"])
    record = _commit(rnd, organizer, recent_calls=1, count=4, backups=0)
    reasons = {x["id"]: x["reason"] for x in record.payload["snapshot"]["excluded"]}
    assert reasons[judges["social"].pk] == "served on one of the last 1 calls"
    record = services.drawing_reveal(record=record, actor=organizer)
    other = RoundFactory(status=Round.Status.DRAFT)
    again = _commit(other, organizer, max_draws_year=1)
    excluded = {x["id"] for x in again.payload["snapshot"]["excluded"]}
    assert set(record.result["drawn"]) <= excluded


def test_draw_experts_and_verify_draw_commands(rnd, organizer, tmp_path, capsys):
    path = tmp_path / "record.json"
    call_command(
        "draw_experts",
        "--call",
        rnd.call.slug,
        "--round",
        str(rnd.number),
        "--count",
        "3",
        "--backups",
        "2",
        "--field",
        "城市管理=2",
        "--operator",
        "organizer",
        "--witness",
        "纪检 王某",
        "-o",
        str(path),
    )
    out = capsys.readouterr().out
    assert "Commitment: " in out and "Record written" in out
    call_command("verify_draw", str(path))
    assert capsys.readouterr().out.startswith("OK: commitment ")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["result"]["drawn"].reverse()
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as failed:
        call_command("verify_draw", str(path))
    assert failed.value.returncode == 1
    assert "DIFFERS: result.drawn" in capsys.readouterr().out


def test_draw_experts_refuses_a_non_organizer(rnd):
    judge_profile("notorg")
    with pytest.raises(CommandError, match="No organizer"):
        call_command(
            "draw_experts",
            "--call",
            rnd.call.slug,
            "--round",
            str(rnd.number),
            "--count",
            "1",
            "--operator",
            "notorg",
            "--witness",
            "w",
        )


def test_the_page_commits_draws_and_offers_the_record(client, rnd, organizer):
    client.force_login(organizer)
    url = reverse("judging:round_drawing", args=[rnd.pk])
    data = {
        "count": 3,
        "backups": 1,
        "quotas": "城市管理=1，社会治理=1",
        "own_unit": "call",
        "relationships": "on",
        "recent_calls": 0,
        "max_draws_year": 0,
        "rating": "off",
        "rating_calls": 3,
        "witness": "纪检 王某",
    }
    assert client.post(url, data).status_code == 302
    record = DrawingRecord.objects.get(round=rnd)
    page = client.get(url).content.decode()
    assert record.commitment in page and record.seed not in page
    client.post(reverse("judging:drawing_reveal", args=[record.pk]))
    record.refresh_from_db()
    page = client.get(url).content.decode()
    assert record.seed in page and record.status == "drawn"
    download = client.get(reverse("judging:drawing_record", args=[record.pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    body = download.content
    verify = reverse("judging:drawing_verify")
    client.logout()
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = client.post(verify, {"record": SimpleUploadedFile("r.json", body)}).content.decode()
    assert 'data-ok="1"' in ok
    edited = json.loads(body)
    edited["facts"]["witness"] = "别人"
    bad = client.post(
        verify, {"record": SimpleUploadedFile("r.json", json.dumps(edited).encode())}
    ).content.decode()
    assert 'data-ok="0"' in bad and "commitment" in bad


def test_the_drawing_page_costs_the_same_for_one_and_many_records(
    client, rnd, organizer, django_assert_num_queries
):
    client.force_login(organizer)
    url = reverse("judging:round_drawing", args=[rnd.pk])
    services.drawing_reveal(record=_commit(rnd, organizer), actor=organizer)
    with django_assert_num_queries(QUERIES):
        assert client.get(url).status_code == 200
    for reason in ("一", "二", "三"):
        record = services.drawing_commit(
            round=rnd,
            rules=services.DrawingRules(count=2),
            witness="w",
            redraw_reason=reason,
            actor=organizer,
        )
        services.drawing_reveal(record=record, actor=organizer)
    with django_assert_num_queries(QUERIES):
        assert client.get(url).content.decode().count('class="card mb-3 drawing-record"') == 4


QUERIES = 7  # session, user, round, current record, records, names, messages


def test_the_demo_round_has_a_drawing_record_matching_its_panel(db):
    from demo.builders import build_collection
    from judging.demo import build_judging

    build_collection()
    build_judging()
    first = Round.objects.get(call__slug="2026-civic-cases", number=1)
    record = DrawingRecord.objects.get(round=first)
    data = services.record_json(record)
    assert drawing.verify(data) == []
    # The drawing and the invitations tell one story: one drawn expert declined, the first
    # backup took the place; the panel is what the drawing and that decline give.
    declined = Invitation.objects.get(round=first, status=Invitation.Status.DECLINED)
    backups = data["result"]["backups"]
    assert len(backups) == 2
    assert declined.judge_id in data["result"]["drawn"]
    assert sorted(first.panel.values_list("pk", flat=True)) == sorted(
        [pk for pk in data["result"]["drawn"] if pk != declined.judge_id] + backups[:1]
    )
    assert [x["name"] for x in data["snapshot"]["excluded"]] == ["孙老师"]
    build_judging()
    assert DrawingRecord.objects.filter(round=first).count() == 1


def test_the_seed_stays_out_of_the_audit_trail(rnd, organizer):
    from auditlog.models import LogEntry

    record = _commit(rnd, organizer)
    assert LogEntry.objects.filter(object_pk=str(record.pk)).exists()
    assert not [e for e in LogEntry.objects.all() if record.seed in str(e.changes)]
