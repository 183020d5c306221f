"""Judging and publishing send through the outbox: the notice published, the results final,
a case published (once, not at every republication)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from judging.services import results as judging_services
from messaging.models import Message
from publishing import services as publishing_services
from submissions.models import Case, Unit
from tests import factories
from tests.judging.results_kit import random_rows, scored_round
from tests.publishing import kit

pytestmark = pytest.mark.django_db


def _members_of_units_with_cases(call) -> list[str]:
    units = Unit.objects.filter(pk__in=Case.objects.filter(call=call).values("unit_id"))
    return sorted(
        factories.unit_user(unit, email=f"m{unit.pk}@x.cn").email for unit in units.order_by("pk")
    )


def test_the_notice_and_the_final_results_go_to_the_units_with_cases(call, organizer):
    scored_round(call, random_rows(4, 2, seed=3))
    judging_services.awards_propose(call=call, actor=organizer)
    emails = _members_of_units_with_cases(call)
    factories.unit_user(factories.UnitFactory(), email="elsewhere@x.cn")  # no case: nothing
    now = timezone.now()
    judging_services.notice_publish(
        call=call,
        title="公示",
        text="",
        starts_at=now,
        ends_at=now + timedelta(days=10),
        actor=organizer,
    )
    notice = Message.objects.filter(event="notice_published")
    assert sorted(notice.values_list("address", flat=True)) == emails
    assert {m.about_url for m in notice} == {f"http://127.0.0.1:8000/judging/notice/{call.slug}/"}
    judging_services.call_finalize(call=call, actor=organizer, now=now + timedelta(days=11))
    final = Message.objects.filter(event="results_final")
    assert sorted(final.values_list("address", flat=True)) == emails


def test_a_published_installment_tells_each_cases_unit_once(editor):
    call = kit.awarded_call(top=2, excellent=0)
    emails = _members_of_units_with_cases(call)
    series = kit.draft(call, editor=editor)
    inst = kit.ready(series.installments.get(number=1))
    publishing_services.installment_publish(installment=inst, actor=editor)
    rows = Message.objects.filter(event="case_published")
    assert sorted(rows.values_list("address", flat=True)) == emails
    assert {m.created_by for m in rows} == {editor}
    publishing_services.installment_publish(installment=inst, actor=editor)  # a correction
    assert Message.objects.filter(event="case_published").count() == 2
