"""Who acts is explicit: every write service takes `actor` and records it itself
(`audit.context.acts`); a request adds only its address and correlation id."""

import io

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from audit import display
from audit.context import audit_context, current, current_actor
from audit.middleware import AuditMiddleware
from judging.models import Round
from judging.services import rounds
from submissions import services as submission_services
from submissions.models import Call, ImportJob, Unit
from submissions.tasks import import_job_run

from ..factories import CallFactory
from ..judging.setupkit import accepted_case, judge_profile, make_round
from ..submissions.test_import import case_row, write_csv


def _entries(model, pk) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id=pk
        ).order_by("pk")
    )


def test_a_service_outside_any_context_records_its_actor(organizer):
    call = CallFactory(title="旧标题")
    judges = [judge_profile(f"j{i}") for i in range(2)]
    accepted_case(call)
    rnd = make_round(call, judges=judges, status=Round.Status.DRAFT, actor=organizer)
    LogEntry.objects.all().delete()
    assert current() is None

    call.title = "新标题"
    submission_services.call_save(call=call, actor=organizer)  # a signal's entry
    rounds.round_assign(round=rnd, actor=organizer)  # a summary entry via `record`

    [call_entry] = _entries(Call, call.pk)
    assert (call_entry.actor, call_entry.changes["title"]) == (organizer, ["旧标题", "新标题"])
    summary = [e for e in _entries(Round, rnd.pk) if "_assignments" in (e.changes or {})]
    assert [(e.actor, e.changes["_assignments"]) for e in summary] == [(organizer, ["0", "2"])]
    assert not LogEntry.objects.filter(actor=None).exists()
    assert current() is None  # nothing is left behind


def test_the_given_actor_wins_over_the_outer_context_and_the_outer_one_comes_back(
    organizer, editor
):
    call = CallFactory(title="旧标题")
    with audit_context(via="command:import_cases", actor=editor, cid="c-1"):
        call.title = "新标题"
        submission_services.call_save(call=call, actor=organizer)
        assert current_actor() == editor
    [entry] = _entries(Call, call.pk)[-1:]
    assert (entry.actor, entry.cid, entry.additional_data["via"]) == (
        organizer,
        "c-1",
        "command:import_cases",
    )


def test_a_write_service_refuses_to_run_without_an_actor(db):
    with pytest.raises(TypeError, match=r"unit_get_or_create\(\) needs the keyword argument"):
        submission_services.unit_get_or_create(name="甲街道")
    assert not Unit.objects.exists()


def test_a_service_in_a_request_records_the_given_user_with_the_requests_address(organizer):
    call = CallFactory(title="旧标题")
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    request.user = organizer  # the request is the organizer's, who is the one acting

    def view(request):
        call.title = "新标题"
        submission_services.call_save(call=call, actor=request.user)
        submission_services.unit_get_or_create(name="新单位", actor=request.user)
        return HttpResponse()

    AuditMiddleware(view)(request)

    [call_entry] = _entries(Call, call.pk)[-1:]
    [unit_entry] = _entries(Unit, Unit.objects.get(name="新单位").pk)
    for entry in (call_entry, unit_entry):
        assert (entry.actor, entry.remote_addr) == (organizer, "203.0.113.7")
    assert call_entry.cid == unit_entry.cid  # one request, one correlation id
    assert current() is None


def test_a_web_page_records_the_logged_in_user_and_the_address(org_client, organizer):
    org_client.post(
        reverse("submissions:unit_list"), {"name": "乙社区"}, REMOTE_ADDR="198.51.100.4"
    )
    [entry] = _entries(Unit, Unit.objects.get(name="乙社区").pk)
    assert (entry.actor, entry.remote_addr) == (organizer, "198.51.100.4")


def test_a_task_records_the_user_it_was_given(organizer, call, tmp_path):
    path = write_csv(tmp_path / "cases.csv", [case_row(title="任务导入的案例")])
    job = ImportJob(call=call, original_name="cases.csv", created_by=organizer)
    job.file.save("cases.csv", ContentFile(path.read_bytes()), save=True)
    LogEntry.objects.all().delete()

    import_job_run.apply(args=[job.pk])

    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE
    [entry] = _entries(Call, call.pk)
    assert entry.actor == organizer
    [row] = display.rows(
        LogEntry.objects.select_related("actor", "content_type").filter(pk=entry.pk)
    )
    assert (
        row.actor == f"{organizer.full_name} (organizer) · System task (submissions.import_job_run)"
    )
    assert row.note == "Imported 1 case(s) from “cases.csv”. New units: 甲街道."
    assert not LogEntry.objects.filter(actor=None).exists()


def test_a_command_records_the_user_named_by_actor(organizer, call, tmp_path):
    path = write_csv(tmp_path / "cases.csv", [case_row(title="命令导入的案例")])
    LogEntry.objects.all().delete()

    call_command(
        "import_cases", str(path), "--call", call.slug, "--actor", "organizer", stdout=io.StringIO()
    )

    [entry] = _entries(Call, call.pk)
    assert (entry.actor, entry.additional_data["via"]) == (organizer, "command:import_cases")
    with pytest.raises(CommandError, match="No user is named “nobody”."):
        call_command("import_cases", str(path), "--call", call.slug, "--actor", "nobody")
