"""Hostile input in every form of expert judging: the pool (add, edit, import), rounds (create,
edit, criteria, panel, entries), assignment changes, conflicts, reopening, awards, the public
notice, objections and answers; and junk in the query strings of its pages.
Never a server error; invalid input gets a page with a message."""

import itertools

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core.forms import TableUploadForm
from judging.forms import (
    AnswerForm,
    AssignmentAddForm,
    AwardAdjustForm,
    BaseCriterionFormSet,
    ConflictDeclareForm,
    ConflictRecordForm,
    CriterionForm,
    EntriesForm,
    JudgeEditForm,
    JudgeForm,
    NoticeForm,
    ObjectionForm,
    PanelForm,
    ReasonForm,
    RoundForm,
    ScoreImportForm,
)
from judging.models import Assignment, Award, Notice, Objection, Round
from judging.services import results as results_services

from .fuzzkit import (
    FUZZ,
    FUZZ_FEW,
    assert_form_error,
    db_text,
    fuzzes,
    get_ok,
    hostile,
    hostile_content,
    hostile_datetime,
    hostile_filename,
    hostile_nonblank,
    hostile_number,
    post_ok,
    upload,
)
from .judging.results_kit import commit_hooks, scored_round
from .judging.setupkit import accepted_case, judge_profile, make_round

_serial = itertools.count(1)
ids = st.one_of(hostile_number, st.lists(hostile_number, max_size=5))


@pytest.fixture
def open_round(call):
    judges = [judge_profile(f"fj{i}") for i in range(3)]
    cases = [accepted_case(call) for _ in range(3)]
    return make_round(call, judges=judges, cases=cases, k=2, mode=Round.Mode.BALANCED)


@pytest.fixture
def noticed(call, organizer):
    """A call whose last round is closed, with proposed awards and a published notice."""
    call.award_top_n, call.award_excellent_m = 1, 1
    call.save()
    scored_round(call, [[(30, 50), (20, 40)], [(10, 20), (15, 25)]])
    results_services.awards_propose(call=call, actor=organizer)
    from django.utils import timezone

    now = timezone.now()
    results_services.notice_publish(
        call=call,
        title="公示",
        text="异议",
        starts_at=now,
        ends_at=now + timezone.timedelta(days=30),
        actor=organizer,
    )
    return call


# ---- the expert pool -------------------------------------------------------------------------


@fuzzes(JudgeForm)
@FUZZ
@given(
    name=hostile,
    username=hostile,
    email=hostile,
    unit=hostile_number,
    affiliation=hostile,
    expertise=hostile,
    password=hostile,
)
def test_judge_add(org_client, name, username, email, unit, affiliation, expertise, password):
    response = post_ok(
        org_client,
        reverse("judging:judge_list"),
        {
            "name": name,
            "username": username,
            "email": email,
            "unit": unit,
            "affiliation": affiliation,
            "expertise": expertise,
            "password": password,
        },
    )
    if not name.strip() or not username.strip():
        assert_form_error(response, org_client)


@fuzzes(JudgeEditForm)
@FUZZ
@given(name=hostile, email=hostile, unit=hostile_number, affiliation=hostile, expertise=hostile)
def test_judge_edit(org_client, db, name, email, unit, affiliation, expertise):
    judge = judge_profile(f"je{next(_serial)}")
    response = post_ok(
        org_client,
        reverse("judging:judge_edit", args=[judge.pk]),
        {
            "name": name,
            "email": email,
            "unit": unit,
            "affiliation": affiliation,
            "expertise": expertise,
        },
    )
    if not name.strip():
        assert_form_error(response, org_client)


@fuzzes(TableUploadForm)
@FUZZ
@given(
    name=hostile,
    username=hostile,
    email=hostile,
    unit=hostile,
    filename=hostile_filename,
    fmt=st.sampled_from(["csv", "xlsx"]),
)
def test_judge_import(org_client, db, name, username, email, unit, filename, fmt):
    from .fuzzkit import table_file

    data = table_file(
        ["姓名", "用户名", "邮箱", "单位", "工作单位", "专业领域", "初始密码"],
        [[name, username, email, unit, name, username, ""]],
        fmt,
    )
    post_ok(org_client, reverse("judging:judge_import"), {"file": upload(filename, data)})


@FUZZ_FEW
@given(filename=hostile_filename, content=hostile_content)
def test_judge_import_garbage(org_client, db, filename, content):
    response = post_ok(
        org_client, reverse("judging:judge_import"), {"file": upload(filename, content)}
    )
    assert_form_error(response, org_client)


# ---- rounds ----------------------------------------------------------------------------------


@fuzzes(RoundForm, CriterionForm, BaseCriterionFormSet)
@FUZZ
@given(
    name=hostile,
    step=hostile_number,
    rule=hostile,
    trim=hostile_number,
    entry=hostile,
    entry_round=hostile_number,
    top_n=hostile_number,
    mode=hostile,
    k=hostile_number,
    deadline=hostile_datetime,
    cname=hostile,
    cdesc=hostile,
    cmax=hostile_number,
    total=hostile_number,
)
def test_round_create(
    org_client,
    call,
    name,
    step,
    rule,
    trim,
    entry,
    entry_round,
    top_n,
    mode,
    k,
    deadline,
    cname,
    cdesc,
    cmax,
    total,
):
    response = post_ok(
        org_client,
        reverse("judging:round_create", args=[call.slug]),
        {
            "name": name,
            "blind": "on",
            "score_step": step,
            "rule": rule,
            "trim_min_judges": trim,
            "entry": entry,
            "entry_round": entry_round,
            "entry_top_n": top_n,
            "mode": mode,
            "judges_per_case": k,
            "deadline": deadline,
            "criteria-TOTAL_FORMS": total,
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": cname,
            "criteria-0-description": cdesc,
            "criteria-0-max_points": cmax,
        },
    )
    if not name.strip():
        assert_form_error(response, org_client)


@FUZZ
@given(
    name=hostile,
    deadline=hostile_datetime,
    cname=hostile,
    cmax=hostile_number,
    delete=st.sampled_from(["", "on", "x"]),
)
def test_round_edit(org_client, open_round, name, deadline, cname, cmax, delete):
    Round.objects.filter(pk=open_round.pk).update(status=Round.Status.DRAFT)
    post_ok(
        org_client,
        reverse("judging:round_edit", args=[open_round.pk]),
        {
            "name": name,
            "score_step": "1",
            "rule": "mean",
            "entry": "picked",
            "mode": "all",
            "judges_per_case": "2",
            "deadline": deadline,
            "criteria-TOTAL_FORMS": "2",
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": cname,
            "criteria-0-max_points": cmax,
            "criteria-1-name": cname,
            "criteria-1-max_points": "10",
            "criteria-1-DELETE": delete,
        },
    )


def test_round_far_deadline_gets_a_message(org_client, call):
    response = post_ok(
        org_client,
        reverse("judging:round_create", args=[call.slug]),
        {
            "name": "初评",
            "score_step": "1",
            "rule": "mean",
            "entry": "accepted",
            "mode": "all",
            "judges_per_case": "2",
            "deadline": "0001-01-01T00:00",
            "criteria-TOTAL_FORMS": "1",
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": "创新性",
            "criteria-0-max_points": "10",
        },
    )
    assert_form_error(response, org_client)
    assert "between the years 2000 and 2099" in response.content.decode()


@fuzzes(PanelForm)
@FUZZ
@given(judges=ids)
def test_round_panel(org_client, open_round, judges):
    post_ok(org_client, reverse("judging:round_panel", args=[open_round.pk]), {"judges": judges})


def test_round_panel_huge_id_is_refused(org_client, open_round):
    """A judge id too big for a database integer overflowed SQLite (a 500)."""
    response = post_ok(
        org_client,
        reverse("judging:round_panel", args=[open_round.pk]),
        {"judges": ["99999999999999999999"]},
    )
    assert_form_error(response, org_client)


@fuzzes(EntriesForm)
@FUZZ
@given(cases=ids, numbers=hostile)
def test_round_entries(org_client, open_round, cases, numbers):
    Round.objects.filter(pk=open_round.pk).update(status=Round.Status.DRAFT)
    post_ok(
        org_client,
        reverse("judging:round_entries", args=[open_round.pk]),
        {"cases": cases, "numbers": numbers},
    )


def test_round_entries_odd_digits_get_a_message(org_client, open_round):
    """ "²" and "٣" pass str.isdigit(); int("²") raised (a 500), as did 5,000 digits."""
    Round.objects.filter(pk=open_round.pk).update(status=Round.Status.DRAFT)
    for numbers in ("²", "٣", "9" * 5000, "99999999999999999999"):
        response = post_ok(
            org_client, reverse("judging:round_entries", args=[open_round.pk]), {"numbers": numbers}
        )
        assert_form_error(response, org_client)


@FUZZ
@given(status=hostile)
def test_round_status(org_client, open_round, status):
    post_ok(org_client, reverse("judging:round_status", args=[open_round.pk]), {"status": status})


# ---- assignments, conflicts, reopening ---------------------------------------------------------


@fuzzes(AssignmentAddForm)
@FUZZ
@given(number=hostile_number, judge=hostile_number)
def test_assignment_add(org_client, open_round, number, judge):
    post_ok(
        org_client,
        reverse("judging:assignment_add", args=[open_round.pk]),
        {"case_number": number, "judge": judge},
    )


@fuzzes(ConflictRecordForm)
@FUZZ
@given(number=hostile_number, judge=hostile_number, reason=hostile)
def test_conflict_record(org_client, open_round, number, judge, reason):
    response = post_ok(
        org_client,
        reverse("judging:conflict_record", args=[open_round.pk]),
        {"case_number": number, "judge": judge, "reason": reason},
    )
    if not reason.strip():
        assert_form_error(response, org_client)


def _assignment(rnd) -> Assignment:
    """A pending assignment of the round (made again when a test removed it)."""
    judge, case = rnd.panel.first(), rnd.entries.first().case
    return Assignment.objects.get_or_create(round=rnd, judge=judge, case=case)[0]


@FUZZ
@given(target=hostile)
def test_assignment_remove_next(org_client, open_round, target):
    a = _assignment(open_round)
    response = post_ok(
        org_client, reverse("judging:assignment_remove", args=[a.pk]), {"next": target}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/"), response["Location"]
    assert not response["Location"].startswith("//")


def test_assignment_remove_never_redirects_off_site(org_client, open_round):
    for target in (
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/ok\x00",
        "http:\\\\evil.example",
    ):
        a = _assignment(open_round)
        response = org_client.post(
            reverse("judging:assignment_remove", args=[a.pk]), {"next": target}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("judging:assignment_list", args=[open_round.pk])


@fuzzes(ConflictDeclareForm)
@FUZZ_FEW
@given(reason=hostile)
def test_conflict_declare(client, call, reason):
    judges = [judge_profile(f"cd{next(_serial)}") for _ in range(2)]
    case = accepted_case(call)
    rnd = make_round(
        call, judges=judges, cases=[case], k=1, mode=Round.Mode.BALANCED, name=f"R{next(_serial)}"
    )
    a = Assignment.objects.filter(round=rnd).first()
    client.force_login(a.judge.user)
    response = post_ok(client, reverse("judging:review_conflict", args=[a.pk]), {"reason": reason})
    if not reason.strip():
        assert_form_error(response, client)


@fuzzes(ReasonForm)
@FUZZ
@given(reason=hostile)
def test_review_reopen(org_client, open_round, reason):
    a = Assignment.objects.filter(round=open_round).first()
    response = post_ok(
        org_client, reverse("judging:review_reopen", args=[a.pk]), {"reason": reason}
    )
    if not reason.strip():
        assert_form_error(response, org_client)


# ---- results: score import, awards, notice, objections -----------------------------------------


@fuzzes(ScoreImportForm)
@FUZZ_FEW
@given(filename=hostile_filename, content=hostile_content)
def test_score_import_garbage(org_client, open_round, filename, content):
    response = post_ok(
        org_client,
        reverse("judging:results_import", args=[open_round.pk]),
        {"file": upload(filename, content)},
    )
    assert_form_error(response, org_client)


@FUZZ
@given(
    judge=hostile,
    code=hostile,
    points=hostile_number,
    comment=hostile,
    fmt=st.sampled_from(["csv", "xlsx"]),
)
def test_score_import_cells(org_client, open_round, judge, code, points, comment, fmt):
    from .fuzzkit import table_file

    names = [c.name for c in open_round.criteria.all()]
    data = table_file(
        ["评审专家", "案例编号", "案例标题", *names, "评语"],
        [[judge, code, code, points, points, comment]],
        fmt,
    )
    post_ok(
        org_client,
        reverse("judging:results_import", args=[open_round.pk]),
        {"file": upload(f"scores.{fmt}", data)},
    )


@fuzzes(AwardAdjustForm)
@FUZZ
@given(
    code=hostile,
    level=st.sampled_from(["top", "excellent", "none", "", "x"]) | hostile,
    rank=hostile_number,
    reason=hostile,
)
def test_award_adjust(org_client, noticed, code, level, rank, reason):
    Notice.objects.filter(call=noticed).update(finalized_at=None)
    post_ok(
        org_client,
        reverse("judging:award_adjust", args=[noticed.slug]),
        {"case": code, "level": level, "rank": rank, "reason": reason},
    )


def test_award_rank_is_at_most_999(org_client, noticed):
    """A rank too big for the database column was a 500; ranks are now 1 … 999."""
    case = Award.objects.filter(call=noticed).first().case
    for rank in ("1000", "99999999999999999999"):
        response = post_ok(
            org_client,
            reverse("judging:award_adjust", args=[noticed.slug]),
            {"case": case.code, "level": "top", "rank": rank, "reason": "调整"},
        )
        page = assert_form_error(response, org_client)
        assert "999" in page.content.decode()
    assert Award.objects.get(case=case).rank < 1000


@fuzzes(NoticeForm)
@FUZZ
@given(
    title=hostile,
    text=hostile,
    starts=hostile_datetime,
    ends=hostile_datetime,
    min_workdays=hostile,
)
def test_notice_publish(org_client, noticed, title, text, starts, ends, min_workdays):
    post_ok(
        org_client,
        reverse("judging:notice_publish", args=[noticed.slug]),
        {
            "title": title,
            "text": text,
            "starts_at": starts,
            "ends_at": ends,
            "min_workdays": min_workdays,
        },
    )
    get_ok(org_client, reverse("judging:public_notice", args=[noticed.slug]))


@fuzzes(ObjectionForm)
@FUZZ
@given(
    received=hostile_datetime,
    submitter=hostile,
    unit=hostile,
    contact=hostile,
    case=hostile,
    text=hostile,
)
def test_objection_record(org_client, noticed, received, submitter, unit, contact, case, text):
    response = post_ok(
        org_client,
        reverse("judging:objection_record", args=[noticed.slug]),
        {
            "received_at": received,
            "submitter": submitter,
            "unit": unit,
            "contact": contact,
            "case": case,
            "text": text,
        },
    )
    if not text.strip():
        assert_form_error(response, org_client)
    get_ok(org_client, reverse("judging:notice", args=[noticed.slug]))


@fuzzes(AnswerForm)
@FUZZ
@given(answer=hostile)
def test_objection_answer(org_client, noticed, organizer, answer):
    objection = Objection.objects.filter(notice__call=noticed).first() or Objection.objects.create(
        notice=Notice.objects.get(call=noticed),
        text="异议",
        received_at=noticed.closes_at,
        recorded_by=organizer,
    )
    response = post_ok(
        org_client, reverse("judging:objection_answer", args=[objection.pk]), {"answer": answer}
    )
    if not answer.strip():
        assert_form_error(response, org_client)


# ---- query strings ---------------------------------------------------------------------------


@FUZZ
@given(q=hostile, page=hostile_number, judge=hostile_number, order=hostile, flag=hostile)
def test_judging_query_strings(org_client, open_round, q, page, judge, order, flag):
    get_ok(org_client, reverse("judging:judge_list"), {"q": q, "page": page})
    get_ok(
        org_client,
        reverse("judging:assignment_list", args=[open_round.pk]),
        {"judge": judge, "page": page},
    )
    get_ok(
        org_client,
        reverse("judging:round_progress", args=[open_round.pk]),
        {"open": q, "page": page},
    )
    get_ok(
        org_client,
        reverse("judging:round_results", args=[open_round.pk]),
        {"order": order, "flag": flag, "page": page},
    )
    get_ok(org_client, reverse("judging:judge_sheets", args=[open_round.pk]), {"page": page})


# ---- exports of hostile text -----------------------------------------------------------------


@FUZZ_FEW
@given(title=hostile_nonblank, comment=hostile, unit=hostile_nonblank)
def test_exports_of_hostile_text(org_client, call, organizer, title, comment, unit):
    """Control characters in titles and comments broke the .xlsx workbooks (openpyxl raises
    IllegalCharacterError); every export opens."""
    import io

    import openpyxl

    from judging.services.reviews import review_save
    from submissions.models import Case, Unit

    from .judging.setupkit import points_for

    serial = next(_serial)
    judge = judge_profile(f"ex{serial}")
    the_unit = Unit.objects.create(name=f"{db_text(unit, 150)}{serial}")
    case = accepted_case(call, title=db_text(title, 200), unit=the_unit)
    rnd = make_round(call, judges=[judge], cases=[case], name=f"X{serial}")
    a = Assignment.objects.get(round=rnd)
    review_save(
        assignment=a,
        actor=judge.user,
        points=points_for(rnd, 30, 40),
        submit=True,
        comment=db_text(comment, 5000),
    )
    Case.objects.filter(pk=case.pk).update(summary=db_text(comment, 500))
    commit_hooks()  # the review commits: the results task computes the results
    for url in (
        reverse("judging:results_export", args=[rnd.pk]),
        reverse("judging:judge_sheet_xlsx", args=[rnd.pk, judge.pk]),
    ):
        response = get_ok(org_client, url)
        assert response.status_code == 200
        openpyxl.load_workbook(
            io.BytesIO(
                b"".join(response.streaming_content) if response.streaming else response.content
            )
        )
    get_ok(org_client, reverse("judging:judge_sheet_print", args=[rnd.pk, judge.pk]))


def test_reminder_email_is_plain_text_with_a_one_line_subject(
    call, django_capture_on_commit_callbacks
):
    from django.core import mail

    from judging.tasks import judge_reminder_send

    judge = judge_profile("remind", name="A&B <专家>")
    judge.user.email = "judge@example.org_client"
    judge.user.save()
    rnd = make_round(call, judges=[judge], cases=[accepted_case(call)], name="复评\n第二行 & <轮>")
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends on commit
        assert judge_reminder_send(rnd.pk, judge.pk) == 1
    (message,) = mail.outbox
    assert "A&B <专家>" in message.body and "&amp;" not in message.body
    assert message.subject.endswith("复评 第二行 & <轮>")


def test_judge_sheet_with_a_name_excel_refuses_in_sheet_titles(org_client, call):
    """openpyxl refuses []:*?/\\ in a sheet title: a judge called "张/李" broke their sheet."""
    import io

    import openpyxl

    judge = judge_profile("slash", name="张/李[组长]:*?\\")
    rnd = make_round(call, judges=[judge], cases=[accepted_case(call)], name="初评")
    response = get_ok(org_client, reverse("judging:judge_sheet_xlsx", args=[rnd.pk, judge.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames[0] == "张李组长评分表"
