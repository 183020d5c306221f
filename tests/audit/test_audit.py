"""The audit trail: who did what and when, with before and after, shown to organizers only."""

import io
from datetime import timedelta

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit import display
from audit.context import acting_as, audit_context, current_actor
from audit.middleware import client_address
from judging.models import Assignment, Conflict, Round
from judging.services import rounds
from publishing.models import Installment
from submissions import services as submission_services
from submissions.models import Call, Case

from ..factories import CallFactory, CaseFactory
from ..judging.setupkit import accepted_case, form_data, judge_profile, make_round
from ..publishing.kit import awarded_call, draft

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")


def _client(user, **headers) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **headers)
    if user is not None:
        client.force_login(user)
    return client


def _rows(response) -> list[display.Row]:
    assert response.status_code == 200
    return list(response.context["rows"])


def _changes(row: display.Row) -> dict[str, tuple[str, str]]:
    return {c.label: (c.before, c.after) for c in row.changes}


def _workbook_rows(content: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    assert ws is not None  # an export has its one sheet
    return [tuple("" if v is None else v for v in row) for row in ws.iter_rows(values_only=True)]


# ---------------------------------------------------------------- each role's actions


def test_organizer_edit_of_a_call_shows_who_when_before_and_after(organizer):
    call = CallFactory(title="旧标题", slug="civic-2026")
    before = timezone.now()
    response = _client(organizer, REMOTE_ADDR="10.1.2.3").post(
        reverse("submissions:call_edit", kwargs={"slug": call.slug}),
        {
            "title": "新标题",
            "slug": call.slug,
            "host_line": call.host_line,
            "notice": "",
            "opens_at": timezone.localtime(call.opens_at).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": timezone.localtime(call.closes_at).strftime("%Y-%m-%dT%H:%M"),
            "min_photos": 1,
            "max_photos": 5,
            "max_photo_mb": 20,
            "body_max_chars": 8000,
            "award_top_n": 10,
            "award_excellent_m": 20,
        },
    )
    assert response.status_code == 302
    page = _client(organizer).get(
        LOG, {"kind": ContentType.objects.get_for_model(Call).pk, "action": LogEntry.Action.UPDATE}
    )
    [row] = _rows(page)
    assert row.actor == f"{organizer.full_name} (organizer)"
    assert row.kind == "Call"
    assert row.object == "新标题"
    assert _changes(row)["Title"] == ("旧标题", "新标题")
    assert row.address == "10.1.2.3"
    assert before <= row.when <= timezone.now()
    html = page.content.decode()
    assert "旧标题" in html and "新标题" in html and "10.1.2.3" in html
    assert timezone.localtime(row.when).strftime("%Y-%m-%d %H:%M") in html


def test_a_unit_users_case_edit_is_in_the_trail(organizer, call, unit_a, user_a):
    case = CaseFactory(call=call, unit=unit_a, title="原标题", created_by=user_a)
    response = _client(user_a).post(
        reverse("submissions:case_edit", kwargs={"pk": case.pk}),
        {
            "version": str(case.version),
            "title": "改后的标题",
            "contact_name": case.contact_name,
            "contact_phone": case.contact_phone,
            "summary": case.summary,
            "body": "新的正文。",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
            "photos-MIN_NUM_FORMS": "0",
            "photos-MAX_NUM_FORMS": "50",
        },
    )
    assert response.status_code == 302
    [row] = _rows(_client(organizer).get(LOG, {"actor": "alice"}))
    assert row.actor == f"{user_a.full_name} (alice)"
    assert (row.kind, row.action, row.object) == ("Case", "Changed", "改后的标题")
    changes = _changes(row)
    assert changes["Title"] == ("原标题", "改后的标题")
    assert changes["Body"] == (case.body, "新的正文。")
    assert "Version" not in changes  # bookkeeping is left out


def test_a_judges_scores_show_criterion_case_before_and_after(organizer, call):
    judge = judge_profile("j1", name="张教授")
    case = accepted_case(call, title="斑马线前的礼让")
    rnd = make_round(call, judges=[judge], blind=True)
    assignment = Assignment.objects.get(round=rnd, judge=judge)
    judge_client = _client(judge.user)
    url = reverse("judging:review", kwargs={"pk": assignment.pk})
    assert judge_client.post(url, form_data(rnd, "30", "", comment="初稿")).status_code == 302
    # 提交 asks first (a page with the totals); the confirmed post submits.
    confirmed = {**form_data(rnd, "35", "50", action="submit"), "confirmed": "1"}
    assert judge_client.post(url, confirmed).status_code == 302
    rows = _rows(
        _client(organizer).get(
            LOG, {"actor": "j1", "kind": ContentType.objects.get_for_model(Assignment).pk}
        )
    )
    assert [r.action for r in rows] == ["Changed", "Changed"]
    submitted, drafted = rows  # newest first
    assert submitted.kind == "Review (judge and case)"
    assert submitted.object == f"张教授 · {case.code} 斑马线前的礼让 · 初评"
    assert _changes(drafted) == {
        "Status": ("Not started", "Draft"),
        "Comment": ("", "初稿"),
        "Total": ("", "30"),
        "Score · 创新性": ("", "30"),
    }
    assert _changes(submitted) == {
        "Status": ("Draft", "Submitted"),
        "Comment": ("初稿", ""),
        "Total": ("30", "85"),
        "Score · 创新性": ("30", "35"),
        "Score · 实效性": ("", "50"),
    }
    assert submitted.actor == f"{judge.user.full_name} (j1)"


def test_an_editors_installment_edit_is_in_the_trail(organizer, editor):
    series = draft(awarded_call(top=2, excellent=0), editor=editor)
    response = _client(editor).post(
        reverse("publishing:installment_edit", args=[series.slug, 1]),
        {
            "headline": "邻里守望 温暖同行",
            "editors_note": "按语。",
            "byline": "文/记者 张某某",
            "publish_at": "2030-01-02T08:00",
        },
    )
    assert response.status_code == 302
    rows = _rows(
        _client(organizer).get(
            LOG,
            {
                "actor": "editor",
                "action": 1,
                "kind": ContentType.objects.get_for_model(Installment).pk,
            },
        )
    )
    [row] = rows
    assert row.actor == f"{editor.full_name} (editor)"
    assert row.object == "某区文明城市创建优秀案例巡礼(一)"
    changes = _changes(row)
    assert changes["Theme headline"] == ("", "邻里守望 温暖同行")
    assert changes["Editor's note (编者按)"] == ("", "按语。")
    assert changes["Publication date and time"] == ("", "2030-01-02 08:00")


def test_a_conflict_and_a_hand_made_assignment_read_as_names(organizer, call):
    zhang, li = judge_profile("j1", name="张教授"), judge_profile("j2", name="李研究员")
    case = accepted_case(call, title="斑马线前的礼让")
    rnd = make_round(call, judges=[zhang, li], status=Round.Status.DRAFT)
    rounds.assignment_add(round=rnd, judge=li, case=case, actor=organizer)
    rounds.conflict_declare(
        judge=zhang, case=case, reason="曾参与该案例的宣传报道", actor=zhang.user
    )
    org = _client(organizer)
    [conflict] = _rows(org.get(LOG, {"kind": ContentType.objects.get_for_model(Conflict).pk}))
    assert (conflict.kind, conflict.action) == ("Conflict of interest", "Created")
    assert conflict.object == f"张教授 · {case.code} 斑马线前的礼让"
    assert conflict.actor == f"{zhang.user.full_name} (j1)"
    assert _changes(conflict) == {
        "Judge": ("", "张教授"),
        "Case": ("", "斑马线前的礼让"),
        "Reason": ("", "曾参与该案例的宣传报道"),
    }
    [assigned] = _rows(org.get(LOG, {"kind": ContentType.objects.get_for_model(Assignment).pk}))
    assert (assigned.kind, assigned.action) == ("Review (judge and case)", "Created")
    assert assigned.object == f"李研究员 · {case.code} 斑马线前的礼让 · 初评"
    assert _changes(assigned) == {
        "Round": ("", f"{call.title} · 初评"),
        "Judge": ("", "李研究员"),
        "Case": ("", "斑马线前的礼让"),
        "Status": ("", "Not started"),
    }
    page = org.get(LOG).content.decode()
    assert f"张教授 · {case.code} 斑马线前的礼让" in page
    assert f"李研究员 · {case.code} 斑马线前的礼让 · 初评" in page
    assert "object (" not in page


def test_every_app_registers_its_own_models_with_the_trail():
    from audit import registry
    from judging import models as judging
    from publishing import models as publishing
    from submissions import models as submissions

    tracked = {m._meta.label for m in registry.tracked_models()}
    assert tracked == {
        "accounts.User",
        "core.SiteProfile",  # tracked by the audit app itself (core sits below it)
        *(f"submissions.{n}" for n in ("Unit", "Membership", "Call", "Category")),
        "submissions.CallDocument",
        "submissions.CallField",
        "submissions.DeadlineExtension",
        "submissions.Case",
        *(f"judging.{n}" for n in ("Judge", "Round", "Criterion", "Conflict", "Assignment")),
        *(f"judging.{n}" for n in ("Award", "Notice", "Objection")),
        *(f"judging.{n}" for n in ("Invitation", "PledgeSignature")),
        *(f"judging.{n}" for n in ("DrawingRecord", "ExpertRating")),
        *(f"judging.{n}" for n in ("Discussion", "DiscussionComment", "TieDecision")),
        *(f"judging.{n}" for n in ("RoundSigning", "ResultSignature", "WorkCalendarDay")),
        *(f"publishing.{n}" for n in ("Series", "Installment", "Feature", "FeaturePhoto")),
        "certificates.CertificateDesign",
        "certificates.Certificate",
        "messaging.MessageTemplate",
    }
    # logs, uploads and derived rows are left out
    for model in (
        submissions.CaseEvent,
        submissions.Photo,
        judging.Score,
        judging.Result,
        publishing.InstallmentVersion,
    ):
        assert model._meta.label not in tracked
    assert registry.display_of(judging.Round).label_for("_entries") == "Cases in the round"
    assert registry.display_of(judging.Assignment).label_for("score:创新性") == "Score · 创新性"
    assert registry.display_of(Case).label_for("_entries") is None


def test_the_audit_app_names_no_app_above_it():
    import re
    from pathlib import Path

    audit_dir = Path(display.__file__).parent
    sources = [p for p in audit_dir.glob("*.py")]
    assert sources
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"submissions|judging|publishing", text), path.name


# ---------------------------------------------------------------- who may see it


# Who may open the trail and its export: the access table of tests/audit/test_access.py.


def test_the_nav_link_is_for_organizers_only(organizer, editor):
    assert (
        'href="/audit/"'
        in _client(organizer).get(reverse("submissions:call_list")).content.decode()
    )
    page = _client(editor).get(reverse("publishing:series_list")).content.decode()
    assert 'href="/audit/"' not in page


# ---------------------------------------------------------------- filters and export


@pytest.fixture
def mixed(db, organizer, unit_a, user_a):
    """Entries by two people, of two kinds, on two days."""
    call = CallFactory(slug="mixed", title="征集甲")
    with acting_as(organizer):
        call.title = "征集乙"
        submission_services.call_save(call=call, actor=organizer)
    with acting_as(user_a):
        case = CaseFactory(call=call, unit=unit_a, title="案例丙")
        case.title = "案例丁"
        case.save()
    old = timezone.now() - timedelta(days=10)
    LogEntry.objects.filter(object_repr="案例丙").update(timestamp=old)
    return {"call": call, "case": case, "old": old}


def _objects(response) -> list[str]:
    return [r.object for r in _rows(response)]


def test_filters_narrow_by_who_what_action_dates_and_text(org_client, mixed):
    all_rows = _objects(org_client.get(LOG))
    assert set(all_rows) >= {"征集乙", "案例丙", "案例丁"}
    assert _objects(org_client.get(LOG, {"actor": "alice"})) == ["案例丁", "案例丙"]
    # part of a full name (both people are 用户N); entries nobody made are left out
    assert _objects(org_client.get(LOG, {"actor": "用户"})) == ["案例丁", "征集乙", "案例丙"]
    assert set(_objects(org_client.get(LOG, {"actor": "organizer"}))) == {"征集乙"}
    case_type = ContentType.objects.get_for_model(Case).pk
    assert _objects(org_client.get(LOG, {"kind": case_type})) == ["案例丁", "案例丙"]
    assert _objects(org_client.get(LOG, {"kind": case_type, "action": 0})) == ["案例丙"]
    today = timezone.localdate().isoformat()
    old_day = timezone.localtime(mixed["old"]).date().isoformat()
    assert _objects(org_client.get(LOG, {"kind": case_type, "date_from": today})) == ["案例丁"]
    assert _objects(org_client.get(LOG, {"kind": case_type, "date_to": old_day})) == ["案例丙"]
    # a before value, and the factory's own creation of the call (made by nobody)
    assert _objects(org_client.get(LOG, {"q": "征集甲"})) == ["征集乙", "征集甲"]
    assert _objects(org_client.get(LOG, {"q": "丁"})) == ["案例丁"]
    assert _objects(org_client.get(LOG, {"q": "nothing-like-this"})) == []


def test_export_holds_the_rows_the_page_shows(org_client, mixed):
    filters = {"kind": ContentType.objects.get_for_model(Case).pk}
    shown = _rows(org_client.get(LOG, filters))
    response = org_client.get(EXPORT, filters)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = _workbook_rows(response.content)
    assert header[:5] == ("When", "Who", "Action", "What", "Object")
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        (s.actor, s.action, s.kind, s.object) for s in shown
    ]
    created = rows[-1]
    assert "Title" in created[5].split("\n")
    assert "案例丙" in created[7].split("\n")


def test_export_is_capped_with_a_message(org_client, mixed, settings):
    settings.AUDIT_EXPORT_MAX_ROWS = 2
    response = org_client.get(EXPORT)
    assert response["X-Audit-Capped"] == "1"
    header, *rows = _workbook_rows(response.content)
    assert len([r for r in rows if len(r) > 1 and r[1]]) == 2
    assert rows[-1][0] == (
        "Only the newest 2 entries are in this file: narrow the filters "
        "(dates, who, what) to export the rest."
    )
    page = org_client.get(LOG).content.decode()  # the warning also shows on the next page
    assert "Only the newest 2 entries" in page


def test_a_long_trail_is_counted_only_up_to_a_cap(org_client, mixed, monkeypatch):
    from audit.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 2)
    response = org_client.get(LOG)
    assert response.context["page"].paginator.count == 3
    assert len(_rows(response)) == 3  # the page still shows what it holds
    assert "More than 2 entries: the newest are shown" in response.content.decode()
    response = org_client.get(LOG, {"actor": "alice"})
    assert "2 entries" in response.content.decode()
    assert "More than" not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-45"},
        {"date_to": "not a date"},
        {"date_from": "99999-01-01"},
        {"date_to": "0001-01-01"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"q": "案" * 100_000},
        {"actor": "x" * 5000},
        {"q": "abc\x00def"},
        {"kind": "abc"},
        {"kind": "99999999999999999999"},
        {"action": "7"},
        {"page": "-1"},
    ],
)
@pytest.mark.parametrize("url", [LOG, EXPORT])
def test_bad_filters_get_a_message_not_a_server_error(org_client, mixed, params, url):
    response = org_client.get(url, params)
    if "page" in params:
        assert response.status_code == 200  # the last page is shown
        return
    assert response.status_code == 400
    assert response.context["form"].errors
    assert "Correct the filters above to see the entries." in response.content.decode()


# ---------------------------------------------------------------- secrets and cost


def test_passwords_never_reach_the_trail(organizer, unit_a):
    secret = "Very-Secret-Pass-987"
    with acting_as(organizer):
        account = submission_services.unit_account_create(
            unit=unit_a, username="newbie", password=secret, actor=organizer
        )
    client = _client(account.user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": secret,
            "new_password1": "Another-Secret-654",
            "new_password2": "Another-Secret-654",
        },
    )
    assert response.status_code == 302
    account.user.refresh_from_db()
    hash_tail = account.user.password.split("$")[-1]
    org = _client(organizer)
    texts = [
        org.get(LOG).content.decode(),
        org.get(LOG, {"actor": "newbie"}).content.decode(),
        str(_workbook_rows(org.get(EXPORT).content)),
    ]
    texts += [f"{e.changes} {e.changes_text} {e.serialized_data}" for e in LogEntry.objects.all()]
    for text in texts:
        for needle in (secret, "Another-Secret-654", hash_tail, account.user.password):
            assert needle not in text
    changed = [r for r in _rows(org.get(LOG, {"actor": "newbie"})) if "Password" in _changes(r)]
    assert [_changes(r)["Password"] for r in changed] == [("********", "********")]
    created = (
        LogEntry.objects.get_for_object(account.user).filter(action=LogEntry.Action.CREATE).get()
    )
    assert created.changes_dict["password"] == ["None", "********"]  # nothing masked before


def _case_creations(n: int, organizer, unit) -> None:
    """n entries of one shape: a case created (its call, unit and author named on the page)."""
    call = CallFactory()
    with acting_as(organizer):
        for i in range(n):
            CaseFactory(call=call, unit=unit, number=1000 + i, created_by=organizer)
    LogEntry.objects.exclude(content_type=ContentType.objects.get_for_model(Case)).delete()


def test_the_log_page_costs_the_same_queries_for_1_and_50_entries(org_client, organizer, unit_a):
    _case_creations(1, organizer, unit_a)
    org_client.get(LOG)  # warm the content-type cache
    with CaptureQueriesContext(connection) as one:
        [row] = _rows(org_client.get(LOG))
    assert _changes(row)["Unit"] == ("", unit_a.name)  # names, not ids
    assert _changes(row)["Call"][1].startswith("2026年度")
    _case_creations(50, organizer, unit_a)
    with CaptureQueriesContext(connection) as many:
        assert len(_rows(org_client.get(LOG))) == 50
    assert len(many) == len(one)


# ---------------------------------------------------------------- attribution


def test_remote_address_honours_forwarded_for_only_behind_configured_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.AXES_IPWARE_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.9"  # a client cannot choose its address
    settings.AXES_IPWARE_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.7"  # what the trusted proxy saw
    settings.AXES_IPWARE_PROXY_COUNT = 3
    assert client_address(request) == "10.0.0.9"  # fewer hops than proxies: not trusted
    assert client_address(rf.get("/", REMOTE_ADDR="not-an-ip")) is None


def test_contexts_nest_and_restore(db, organizer, editor):
    assert current_actor() is None
    with audit_context(via="command:import_cases", actor=organizer):
        with acting_as(editor):
            assert current_actor() == editor
        assert current_actor() == organizer
    assert current_actor() is None


def test_bulk_assignment_is_one_summary_entry_by_the_organizer(organizer, call):
    judges = [judge_profile(f"j{i}") for i in range(3)]
    for _ in range(4):
        accepted_case(call)
    rnd = make_round(call, judges=judges, status=Round.Status.DRAFT)
    with acting_as(organizer):
        report = rounds.round_assign(round=rnd, actor=organizer)
    assert report.created == 12
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Round), object_id=rnd.pk, actor=organizer
    )
    [row] = display.rows(entries.select_related("actor", "content_type"))
    assert _changes(row) == {"Assignments": ("0", "12")}
    assert row.note == "Assigned automatically: 12 added, 0 removed."
    assert not LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Assignment)
    ).exists()


def test_a_scheduled_publication_is_shown_as_a_system_task(organizer, editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor)
    inst = series.installments.get(number=1)
    Installment.objects.filter(pk=inst.pk).update(
        scheduled=True, publish_at=timezone.now() - timedelta(minutes=1)
    )  # no headline: fails
    from publishing.tasks import installment_publish_scheduled

    installment_publish_scheduled.apply(args=[inst.pk])
    [row] = _rows(_client(organizer).get(LOG, {"q": "scheduled time"}))
    assert row.actor == "System task (publishing.installment_publish_scheduled)"
    assert _changes(row) == {"Scheduled": ("Yes", "No")}
    assert row.note.startswith("Not published at the scheduled time: ")


def test_the_demo_fills_the_trail_with_every_roles_actions(db):
    call_command("load_demo", stdout=io.StringIO())
    by = set(LogEntry.objects.exclude(actor=None).values_list("actor__username", flat=True))
    assert {"organizer", "editor", "judge1", "unit1"} <= by
    scores = LogEntry.objects.filter(actor__username="judge2", changes_text__contains="score:")
    assert scores.exists()
    assert not LogEntry.objects.filter(actor=None).exclude(additional_data__via="demo").exists()


def test_a_command_line_import_is_one_entry_by_the_named_user(organizer, call, tmp_path):
    from ..submissions.test_import import case_row, write_csv

    path = write_csv(tmp_path / "cases.csv", [case_row(title="导入的案例", photos="")])
    call_command(
        "import_cases", str(path), "--call", call.slug, "--as", "organizer", stdout=io.StringIO()
    )
    assert Case.objects.filter(call=call, title="导入的案例").count() == 1
    [row] = display.rows(
        LogEntry.objects.select_related("actor", "content_type").filter(
            content_type=ContentType.objects.get_for_model(Call), actor=organizer
        )
    )
    assert row.actor == f"{organizer.full_name} (organizer) · Command line (import_cases)"
    assert row.note == "Imported 1 case(s) from “cases.csv”. New units: 甲街道."
    assert not LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Case)
    ).exists()
