"""What a unit sees of its cases' outcome on its own pages (submissions.outcomes with the
providers of judging and publishing): nothing before the notice is published; then the award,
the category, the rank only when the organizer publishes ranks, final once final, a link to
the public notice, and links to the installments where the case appears once published."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from judging.models import Award, Notice
from publishing import services as publishing
from submissions import lifecycle
from submissions.models import Call, Case, Membership
from submissions.outcomes import Link, outcomes_for

from .factories import CategoryFactory, NoticeFactory, UserFactory
from .publishing.kit import awarded_call, draft, ready


@pytest.fixture
def world(db):
    """A call being judged with two awarded cases of 选送单位1 and 选送单位2 (十佳 rank 1,
    优秀 rank 1), and a user of 选送单位1."""
    call = awarded_call(top=1, excellent=1, status=Call.Status.JUDGING)
    top = Case.objects.get(call=call, award__level=Award.Level.TOP)
    excellent = Case.objects.get(call=call, award__level=Award.Level.EXCELLENT)
    user = UserFactory(username="unit-1")
    Membership.objects.create(unit=top.unit, user=user)
    return {"call": call, "top": top, "excellent": excellent, "user": user}


def _notice(call, *, starts_in=timedelta(0), publish_ranks=False) -> Notice:
    lifecycle.call_place_for_setup(call=call, status=Call.Status.NOTICE)
    return NoticeFactory.create(
        call=call, starts_at=timezone.now() + starts_in, publish_ranks=publish_ranks
    )


def _outcome(case):
    return outcomes_for([Case.objects.get(pk=case.pk)])[case.pk]


def _page(client, user, url) -> str:
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.get(url).content.decode()


def test_nothing_is_shown_while_judging(world):
    outcome = _outcome(world["top"])

    assert (bool(outcome), outcome.award, outcome.links) == (False, "", [])


def test_nothing_is_shown_before_the_notice_starts(world):
    _notice(world["call"], starts_in=timedelta(days=2))

    assert bool(_outcome(world["top"])) is False


def test_the_award_and_the_notice_link_once_the_notice_is_published(world):
    _notice(world["call"])

    top, excellent = _outcome(world["top"]), _outcome(world["excellent"])

    notice_url = reverse("judging:public_notice", kwargs={"slug": world["call"].slug})
    assert (top.award, top.rank, top.final) == ("十佳案例", None, False)
    assert top.links == [Link("The public notice", notice_url)]
    assert (excellent.award, excellent.rank) == ("优秀案例", None)


def test_the_rank_only_when_the_organizer_publishes_ranks(world):
    notice = _notice(world["call"])
    assert _outcome(world["top"]).rank is None

    Notice.objects.filter(pk=notice.pk).update(publish_ranks=True)

    assert (_outcome(world["top"]).rank, _outcome(world["excellent"]).rank) == (1, 1)


def test_final_and_the_category(world):
    category = CategoryFactory(call=world["call"], name="社区组")
    Award.objects.filter(case=world["top"]).update(category=category)
    _notice(world["call"])
    lifecycle.call_place_for_setup(call=world["call"], status=Call.Status.FINAL)

    outcome = _outcome(world["top"])

    assert (outcome.award, outcome.category, outcome.final) == ("十佳案例", "社区组", True)


def test_a_case_without_award_shows_nothing_after_the_notice(world):
    Award.objects.filter(case=world["excellent"]).delete()
    _notice(world["call"])

    assert bool(_outcome(world["excellent"])) is False


def test_an_imported_final_call_shows_the_award_without_a_notice_link(world):
    lifecycle.call_place_for_setup(call=world["call"], status=Call.Status.FINAL)

    outcome = _outcome(world["top"])

    assert (outcome.award, outcome.final, outcome.links) == ("十佳案例", True, [])


def test_installment_links_only_once_published(world, editor):
    call = world["call"]
    _notice(call)
    lifecycle.call_place_for_setup(call=call, status=Call.Status.FINAL)
    series = draft(call, per_installment=1, editor=editor)
    first, second = series.installments.order_by("number")
    ready(first, editor=editor)
    ready(second, editor=editor, publish_at=timezone.now() + timedelta(days=3))
    publishing.installment_schedule(installment=second, actor=editor)
    notice_link = Link(
        "The public notice", reverse("judging:public_notice", kwargs={"slug": call.slug})
    )
    assert _outcome(world["top"]).links == [notice_link]  # a draft: no link

    publishing.installment_publish(installment=first, actor=editor)

    assert _outcome(world["top"]).links == [
        notice_link,
        Link(f"{series.title}(一)", first.get_absolute_url()),
    ]
    # the second installment is scheduled, not yet out
    assert _outcome(world["excellent"]).links == [notice_link]


def test_the_unit_sees_the_award_on_its_case_list_and_case_page(client, world):
    _notice(world["call"], publish_ranks=True)
    user = world["user"]

    listing = _page(client, user, reverse("submissions:case_list"))
    detail = _page(client, user, world["top"].get_absolute_url())

    assert '<th class="d-none d-md-table-cell">Outcome</th>' in listing
    # in its column, and under the title on a phone
    assert listing.count('<span class="badge text-bg-danger">十佳案例</span>') == 2
    assert "案例标题2" not in listing  # the other unit's case is not listed
    assert 'id="case-outcome"' in detail
    assert '<span class="badge text-bg-danger fs-6" data-award>十佳案例</span>' in detail
    assert '<dd class="col-7" data-rank>1</dd>' in detail


def test_the_unit_sees_no_outcome_column_value_before_the_notice(client, world):
    listing = _page(client, world["user"], reverse("submissions:case_list"))
    detail = _page(client, world["user"], world["top"].get_absolute_url())

    assert "十佳案例" not in listing
    assert 'id="case-outcome"' not in detail


def test_the_notice_form_offers_the_rank_choice_off_by_default(org_client, world):
    call = world["call"]
    lifecycle.call_place_for_setup(call=call, status=Call.Status.JUDGING)
    page = org_client.get(reverse("judging:notice", kwargs={"slug": call.slug})).content.decode()

    assert 'name="publish_ranks"' in page
    assert 'name="publish_ranks" class="checkboxinput form-check-input" checked' not in page
