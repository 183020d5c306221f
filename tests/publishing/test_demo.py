from django.contrib.auth.models import AnonymousUser

from judging.models import Award
from publishing import selectors
from publishing.demo import SHOWCASE_CALL, build_publishing
from publishing.models import Series
from submissions.models import Call, Case

from .kit import awarded_call


def test_demo_builds_its_own_final_call_and_publishes_one_installment(db, editor):
    report = build_publishing()
    assert report[0].startswith("Series “某区文明城市创建优秀案例巡礼” drafted")
    call = Call.objects.get(slug=SHOWCASE_CALL)
    assert call.status == Call.Status.FINAL
    assert Award.objects.filter(call=call).count() == 6
    assert set(Case.objects.filter(call=call).values_list("status", flat=True)) == {"accepted"}
    series = Series.objects.get(call=call)
    one, two = series.installments.order_by("number")[:2]
    assert one.current_version is not None
    assert one.current_version.content["headline"] == "邻里守望 温暖同行"
    assert (two.current_version, two.scheduled) == (None, True)
    assert list(selectors.installments_visible_to(AnonymousUser())) == [one]
    assert build_publishing() == ["Demo series “某区文明城市创建优秀案例巡礼” already present."]
    assert Series.objects.count() == 1


def test_demo_uses_the_main_call_once_its_awards_are_final(db, editor):
    call = awarded_call(top=4, excellent=1)
    Call.objects.filter(pk=call.pk).update(slug="2026-civic-cases")
    build_publishing()
    series = Series.objects.get()
    assert series.call_id == call.pk
    assert not Call.objects.filter(slug=SHOWCASE_CALL).exists()
    assert series.installments.get(number=1).current_version is not None
