"""Signed results (签字确认): the three states of a judge's signature (signed, refused with
dissent, deemed to agree by the sweep), the leader's and the supervisor's, the lock, and the
hashes `verify_results` checks."""

import hashlib
import io
import time
from datetime import timedelta

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from judging import exports
from judging.models import Assignment, ResultSignature, Round
from judging.services import results as results_services
from judging.services import rounds, signing
from judging.services.reviews import review_reopen, review_save
from judging.tasks import signatures_sweep

from .results_kit import random_rows, scored_round

pytestmark = pytest.mark.django_db

Role, State = ResultSignature.Role, ResultSignature.State


@pytest.fixture
def signed_setup(call, organizer):
    rnd, judges, cases = scored_round(call, random_rows(4, 3, seed=7))
    Round.objects.filter(pk=rnd.pk).update(leader=judges[0])
    rnd.refresh_from_db()
    signing.signing_setup(
        round=rnd,
        sign_by=timezone.now() + timedelta(days=2),
        supervisor_name="王监督",
        supervisor_user=organizer,
        actor=organizer,
    )
    return rnd, judges, cases


def _sign_all(rnd, judges, organizer, *, deem_last=False):
    signing.sheet_sign(round=rnd, judge=judges[0], actor=judges[0].user)
    signing.sheet_sign(
        round=rnd, judge=judges[1], refuse=True, dissent="案例2分数偏高。", actor=judges[1].user
    )
    if deem_last:
        later = timezone.now() + timedelta(days=3)
        assert signing.signatures_deem_due(actor=None, now=later) == 1
    else:
        signing.sheet_sign(round=rnd, judge=judges[2], actor=judges[2].user)
    signing.summary_sign(round=rnd, role=Role.LEADER, actor=judges[0].user)
    signing.summary_sign(round=rnd, role=Role.SUPERVISOR, actor=organizer)


def test_signing_needs_a_closed_round_with_results(call):
    rnd, judges, _cases = scored_round(call, random_rows(2, 2), close=False)
    with pytest.raises(ValidationError) as exc:
        signing.sheet_sign(round=rnd, judge=judges[0], actor=judges[0].user)
    assert exc.value.messages == [
        "The results can be signed once the round is closed and its results are computed."
    ]


def test_the_three_states_and_the_lock(signed_setup, organizer):
    rnd, judges, _cases = signed_setup
    _sign_all(rnd, judges, organizer, deem_last=True)
    states = sorted(
        (s.role, s.name, s.state, s.dissent) for s in ResultSignature.objects.filter(round=rnd)
    )
    assert states == sorted(
        [
            (Role.JUDGE, judges[0].name, State.SIGNED, ""),
            (Role.JUDGE, judges[1].name, State.REFUSED, "案例2分数偏高。"),
            (Role.JUDGE, judges[2].name, State.DEEMED, ""),
            (Role.LEADER, judges[0].name, State.SIGNED, ""),
            (Role.SUPERVISOR, "王监督", State.SIGNED, ""),
        ]
    )
    signing_row = rnd.signing
    signing_row.refresh_from_db()
    assert signing_row.locked_at is not None
    assert len(signing_row.sheet_sha256) == 64
    assert len(signing_row.audit_sha256) == 64
    assert signing_row.sheet_sha256 == hashlib.sha256(signing.signed_sheet(rnd)).hexdigest()


def test_a_refusal_needs_dissent(signed_setup):
    rnd, judges, _cases = signed_setup
    with pytest.raises(ValidationError) as exc:
        signing.sheet_sign(round=rnd, judge=judges[1], refuse=True, dissent=" ", actor=None)
    assert exc.value.messages == ["Write down your dissent: a refusal needs its reasons."]


def test_leader_and_supervisor_sign_after_the_judges_and_only_they(signed_setup, organizer):
    rnd, judges, _cases = signed_setup
    with pytest.raises(ValidationError) as exc:
        signing.summary_sign(round=rnd, role=Role.LEADER, actor=judges[0].user)
    assert exc.value.messages == [
        "Every judge signs, refuses or passes the deadline before the 评分汇总表 is signed."
    ]
    for judge in judges:
        signing.sheet_sign(round=rnd, judge=judge, actor=judge.user)
    with pytest.raises(ValidationError) as exc:
        signing.summary_sign(round=rnd, role=Role.LEADER, actor=judges[1].user)
    assert exc.value.messages == ["Only the panel leader signs as panel leader."]
    with pytest.raises(ValidationError) as exc:
        signing.summary_sign(round=rnd, role=Role.SUPERVISOR, actor=judges[1].user)
    assert exc.value.messages == [
        "Only the supervisor, with the account recorded for him or her, signs."
    ]
    signing.summary_sign(round=rnd, role=Role.SUPERVISOR, actor=organizer)
    assert not signing.is_locked(rnd)
    signing.summary_sign(round=rnd, role=Role.LEADER, actor=judges[0].user)
    assert signing.is_locked(rnd)


def test_the_sweep_deems_only_after_the_deadline(signed_setup):
    rnd, judges, _cases = signed_setup
    signing.sheet_sign(round=rnd, judge=judges[0], actor=judges[0].user)
    assert signatures_sweep() == 0  # the deadline is two days ahead
    assert signing.signatures_deem_due(actor=None, now=timezone.now() + timedelta(days=3)) == 2
    deemed = ResultSignature.objects.filter(round=rnd, state=State.DEEMED)
    assert sorted(s.judge_id for s in deemed) == sorted([judges[1].pk, judges[2].pk])
    assert {s.at for s in deemed} == {rnd.signing.sign_by}
    with pytest.raises(ValidationError) as exc:
        signing.sheet_sign(round=rnd, judge=judges[1], actor=judges[1].user)
    assert exc.value.messages == ["Your score sheet is signed already."]


def test_the_lock_refuses_changes(signed_setup, organizer):
    rnd, judges, _cases = signed_setup
    _sign_all(rnd, judges, organizer)
    locked = "The results of this round are signed and locked: they can no longer change."
    with pytest.raises(ValidationError) as exc:
        results_services.results_compute(round=rnd, actor=organizer)
    assert exc.value.messages == [locked]
    with pytest.raises(ValidationError) as exc:
        results_services.results_refresh(round=rnd, actor=organizer)
    assert exc.value.messages == [locked]
    assignment = Assignment.objects.filter(round=rnd).first()
    with pytest.raises(ValidationError) as exc:
        review_reopen(assignment=assignment, actor=organizer, reason="再议")
    assert exc.value.messages == [locked]
    with pytest.raises(ValidationError) as exc:
        review_save(assignment=assignment, actor=organizer, points={}, action="import")
    assert exc.value.messages == [locked]
    with pytest.raises(ValidationError) as exc:
        rounds.round_set_status(round=rnd, status=Round.Status.OPEN, actor=organizer)
    assert exc.value.messages == [
        "Judges have signed the results of this round: it cannot be reopened."
    ]


def test_the_signed_sheet_is_made_byte_for_byte_again(signed_setup, organizer):
    rnd, judges, _cases = signed_setup
    _sign_all(rnd, judges, organizer)
    first = signing.signed_sheet(rnd)
    time.sleep(1.1)  # a second later: no "now" of the writer's leaks into the file
    assert signing.signed_sheet(rnd) == first
    assert hashlib.sha256(first).hexdigest() == signing.signing_of(rnd).sheet_sha256
    book = openpyxl.load_workbook(io.BytesIO(first))
    rows = list(book[exports.SIGNATURES_SHEET].iter_rows(values_only=True))
    assert rows[1] == ("身份", "姓名", "签字状态", "时间", "不同意见")
    assert [r[:3] for r in rows[2:]] == [
        ("评审组长", judges[0].name, "已签字"),
        ("监督人", "王监督", "已签字"),
        ("评审专家", judges[0].name, "已签字"),
        ("评审专家", judges[1].name, "拒绝签字（有不同意见）"),
        ("评审专家", judges[2].name, "已签字"),
    ]
    assert rows[5][4] == "案例2分数偏高。"


def test_the_judge_sheet_shows_the_signature(signed_setup):
    rnd, judges, _cases = signed_setup
    signing.sheet_sign(round=rnd, judge=judges[1], refuse=True, dissent="不同意。", actor=None)
    sheet = exports.judge_sheet(round=rnd, judge=judges[1])
    at = timezone.localtime(sheet.signature.at).strftime("%Y-%m-%d %H:%M")
    assert sheet.signature_text == (
        f"评审专家签字确认：{judges[1].name}，拒绝签字（有不同意见），{at}；不同意见：不同意。"
    )


def test_verify_results_ok_and_changed(signed_setup, organizer, tmp_path, capsys):
    rnd, judges, _cases = signed_setup
    _sign_all(rnd, judges, organizer)
    good = tmp_path / "signed.xlsx"
    good.write_bytes(signing.signed_sheet(rnd))
    call_command("verify_results", "--call", rnd.call.slug, str(good))
    assert "OK:" in capsys.readouterr().out
    content = bytearray(good.read_bytes())
    content[100] ^= 1
    bad = tmp_path / "changed.xlsx"
    bad.write_bytes(bytes(content))
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_results", "--call", rnd.call.slug, str(bad))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert rnd.signing.sheet_sha256 in out
    assert hashlib.sha256(bytes(content)).hexdigest() in out


def test_the_deadline_cannot_be_moved_into_the_past(signed_setup, organizer):
    rnd, _judges, _cases = signed_setup
    with pytest.raises(ValidationError) as exc:
        signing.signing_setup(
            round=rnd,
            sign_by=timezone.now() - timedelta(minutes=1),
            supervisor_name="王监督",
            supervisor_user=organizer,
            actor=organizer,
        )
    assert exc.value.messages == ["The signing deadline must lie in the future."]
    assert signing.signatures_deem_due(actor=None) == 0
