"""Drafting, editing, publishing (snapshots), scheduling: the services and the beat task."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from judging.models import Award
from publishing import selectors, services, tasks
from publishing.content import draft_content
from publishing.models import Feature, Installment, InstallmentVersion, PublishedPhoto, Series
from submissions import services as submission_services
from submissions.models import Call, Case, Photo

from ..factories import CaseFactory
from .kit import awarded_call, draft, photo_add, ready


def _titles(installment):
    return list(installment.features.order_by("position").values_list("title", flat=True))


# ---------------------------------------------------------------- drafting


def test_draft_orders_top_ten_by_rank_then_excellent_by_rank(editor):
    call = awarded_call(top=3, excellent=3)
    # Re-rank so that plain rank order would interleave the two levels.
    awards = {a.case.title: a for a in Award.objects.filter(call=call).select_related("case")}
    for title, rank in (
        ("案例标题1", 3),
        ("案例标题2", 1),
        ("案例标题3", 2),
        ("案例标题4", 2),
        ("案例标题5", 1),
        ("案例标题6", 3),
    ):
        Award.objects.filter(pk=awards[title].pk).update(rank=rank)
    series = draft(call, editor=editor, per_installment=4)
    one, two = series.installments.order_by("number")
    assert _titles(one) == ["案例标题2", "案例标题3", "案例标题1", "案例标题5"]
    assert _titles(two) == ["案例标题4", "案例标题6"]


def test_draft_makes_installments_of_the_chosen_size_and_nothing_public(editor):
    call = awarded_call(top=10, excellent=2, photos=2)
    series = draft(call, editor=editor)
    assert list(series.installments.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
        3,
    ]
    assert [i.features.count() for i in series.installments.order_by("number")] == [5, 5, 2]
    assert series.host_line == "某区委宣传部 某区文明办"
    assert series.per_installment == 5
    assert list(selectors.installments_visible_to(AnonymousUser())) == []
    assert list(selectors.series_visible_to(AnonymousUser())) == []
    feature = series.features.order_by("installment__number", "position").first()
    assert (feature.title, feature.unit_line) == ("案例标题1", "选送单位1")
    assert feature.body == "案例标题1的第一段。\n案例标题1的第二段。"
    assert list(feature.photos.values_list("caption", "position")) == [
        ("案例标题1的图片1。", 1),
        ("案例标题1的图片2。", 2),
    ]


def test_draft_title_and_host_line_default_from_the_call(editor):
    call = awarded_call(top=1, excellent=0)
    call.title = "2026年度文明城市创建优秀案例征集"
    call.save()
    series = services.series_draft_from_awards(call=call, actor=editor, slug="s")
    assert series.title == "2026年度文明城市创建优秀案例巡礼"
    assert series.host_line == call.host_line


@pytest.mark.parametrize("status", [Call.Status.NOTICE, Call.Status.JUDGING, Call.Status.CLOSED])
def test_draft_refuses_awards_that_are_not_final(editor, status):
    call = awarded_call(status=status)
    with pytest.raises(ValidationError) as exc:
        draft(call, editor=editor)
    assert exc.value.code == "not_final"
    assert Series.objects.count() == 0


def test_draft_refuses_a_call_without_awards(editor, call):
    Call.objects.filter(pk=call.pk).update(status=Call.Status.FINAL)
    call.refresh_from_db()
    with pytest.raises(ValidationError, match="no awards"):
        draft(call, editor=editor)


def test_draft_refuses_more_than_ninety_nine_installments(editor):
    call = awarded_call(top=10, excellent=90, photos=0)
    with pytest.raises(ValidationError, match="at most 99"):
        draft(call, editor=editor, per_installment=1)


def test_draft_refuses_a_taken_slug(editor):
    call = awarded_call(top=1, excellent=0)
    draft(call, editor=editor, slug="same")
    with pytest.raises(ValidationError):
        draft(call, editor=editor, slug="same")


# ---------------------------------------------------------------- editing


def test_feature_update_changes_the_published_version_but_never_the_submission(editor):
    series = draft(awarded_call(top=1, excellent=0, photos=3), editor=editor)
    feature = series.features.get()
    case = feature.case
    before = (
        case.title,
        case.body,
        case.version,
        case.updated_at,
        list(case.photos.values_list("caption", "position")),
    )
    p1, p2, p3 = case.photos.order_by("position")
    services.feature_update(
        feature=feature,
        title=" 新标题 ",
        unit_line="新单位",
        body="短文。\r\n\r\n第二段。",
        photos=[
            services.FeaturePhotoRow(photo=p3, position=1, caption="■第三张"),
            services.FeaturePhotoRow(photo=p1, position=2, caption="第一张"),
        ],
        actor=editor,
    )
    feature.refresh_from_db()
    assert (feature.title, feature.unit_line) == ("新标题", "新单位")
    assert feature.body == "短文。\n\n第二段。"
    assert list(feature.photos.values_list("photo_id", "caption", "position")) == [
        (p3.pk, "第三张", 1),
        (p1.pk, "第一张", 2),
    ]
    case.refresh_from_db()
    assert (
        case.title,
        case.body,
        case.version,
        case.updated_at,
        list(case.photos.values_list("caption", "position")),
    ) == before


def test_feature_update_refuses_photos_of_another_case(editor):
    series = draft(awarded_call(top=2, excellent=0), editor=editor)
    one, two = series.features.order_by("position")
    with pytest.raises(ValidationError, match="its own case"):
        services.feature_update(
            feature=one,
            title="t",
            unit_line="u",
            body="b",
            actor=editor,
            photos=[services.FeaturePhotoRow(photo=two.case.photos.get(), position=1, caption="")],
        )


def test_features_move_between_installments_and_reorder(editor):
    series = draft(awarded_call(top=4, excellent=0), editor=editor, per_installment=2)
    one, two = series.installments.order_by("number")
    first = one.features.get(position=1)
    services.feature_move(feature=first, installment=two, actor=editor)
    assert _titles(one) == ["案例标题2"]
    assert _titles(two) == ["案例标题3", "案例标题4", "案例标题1"]
    assert list(one.features.values_list("position", flat=True)) == [1]
    services.feature_shift(feature=Feature.objects.get(title="案例标题1"), offset=-1, actor=editor)
    assert _titles(two) == ["案例标题3", "案例标题1", "案例标题4"]
    services.feature_shift(
        feature=Feature.objects.get(title="案例标题3"), offset=-1, actor=editor
    )  # already first: nothing moves
    assert _titles(two) == ["案例标题3", "案例标题1", "案例标题4"]


def test_feature_move_stays_within_the_series(editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor, slug="a")
    other = draft(awarded_call(top=1, excellent=0), editor=editor, slug="b")
    with pytest.raises(ValidationError, match="within its series"):
        services.feature_move(
            feature=series.features.get(), installment=other.installments.get(), actor=editor
        )


def test_feature_add_takes_accepted_or_awarded_cases_of_the_call_only(editor):
    call = awarded_call(top=1, excellent=0)
    series = draft(call, editor=editor)
    inst = series.installments.get()
    accepted = CaseFactory(call=call, status=Case.Status.ACCEPTED, title="入围未获奖")
    photo_add(accepted, caption="说明")
    rejected = CaseFactory(call=call, status=Case.Status.REJECTED)
    elsewhere = CaseFactory(status=Case.Status.ACCEPTED)
    assert list(selectors.candidate_cases(series=series)) == [accepted]
    feature = services.feature_add(installment=inst, case=accepted, actor=editor)
    assert (feature.position, feature.title) == (2, "入围未获奖")
    assert feature.photos.get().caption == "说明"
    for case in (rejected, elsewhere):
        with pytest.raises(ValidationError) as exc:
            services.feature_add(installment=inst, case=case, actor=editor)
        assert exc.value.code == "case"
    with pytest.raises(ValidationError) as exc:
        services.feature_add(installment=inst, case=accepted, actor=editor)
    assert exc.value.code == "duplicate"
    assert list(selectors.candidate_cases(series=series)) == []


def test_feature_remove_renumbers_and_the_case_can_come_back(editor):
    series = draft(awarded_call(top=3, excellent=0), editor=editor)
    inst = series.installments.get()
    services.feature_remove(feature=inst.features.get(position=1), actor=editor)
    assert list(inst.features.values_list("title", "position")) == [
        ("案例标题2", 1),
        ("案例标题3", 2),
    ]
    case = Case.objects.get(title="案例标题1")
    assert list(selectors.candidate_cases(series=series)) == [case]
    services.feature_add(installment=inst, case=case, actor=editor)
    assert _titles(inst) == ["案例标题2", "案例标题3", "案例标题1"]


def test_installment_add_and_delete_keep_numbers_whole(editor):
    series = draft(awarded_call(top=2, excellent=0), editor=editor, per_installment=1)
    third = services.installment_add(series=series, actor=editor)
    assert third.number == 3
    second = series.installments.get(number=2)
    with pytest.raises(ValidationError, match="last installment"):
        services.installment_delete(installment=second, actor=editor)
    services.installment_delete(installment=third, actor=editor)
    with pytest.raises(ValidationError, match="Move or remove"):
        services.installment_delete(installment=second, actor=editor)
    services.feature_move(
        feature=second.features.get(), installment=series.installments.get(number=1), actor=editor
    )
    services.installment_delete(installment=second, actor=editor)
    assert list(series.installments.values_list("number", flat=True)) == [1]


def test_a_published_installment_is_never_deleted(editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor)
    inst = ready(series.installments.get())
    services.installment_publish(installment=inst, actor=editor)
    services.feature_remove(feature=inst.features.get(), actor=editor)
    with pytest.raises(ValidationError, match="published is kept"):
        services.installment_delete(installment=inst, actor=editor)


# ---------------------------------------------------------------- publishing and snapshots


def test_publish_needs_a_headline_and_cases_with_a_body(editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor)
    inst = series.installments.get()
    with pytest.raises(ValidationError, match="headline"):
        services.installment_publish(installment=inst, actor=editor)
    ready(inst)
    feature = inst.features.get()
    services.feature_update(
        feature=feature, title=feature.title, unit_line="单位", body="  ", photos=[], actor=editor
    )
    with pytest.raises(ValidationError, match="has no body"):
        services.installment_publish(installment=inst, actor=editor)
    assert InstallmentVersion.objects.count() == 0
    assert PublishedPhoto.objects.count() == 0


def test_publish_freezes_content_and_photo_copies(editor):
    series = draft(awarded_call(top=2, excellent=0, photos=2), editor=editor)
    inst = series.installments.get()
    ready(inst, editors_note="编者按：按语。")
    version = services.installment_publish(installment=inst, actor=editor)
    inst.refresh_from_db()
    assert inst.current_version == version
    assert (version.number, version.published_by) == (1, editor)
    assert inst.first_published_at == version.published_at
    content = version.content
    assert content["heading"] == "某区文明城市创建优秀案例巡礼(一)"
    assert content["editors_note"] == ["按语。"]
    assert [f["title"] for f in content["features"]] == ["案例标题1", "案例标题2"]
    photos = content["features"][0]["photos"]
    assert [p["caption"] for p in photos] == ["案例标题1的图片1。", "案例标题1的图片2。"]
    copies = {str(c.uid): c for c in PublishedPhoto.objects.filter(version=version)}
    assert len(copies) == 4
    assert all(p["uid"] in copies for f in content["features"] for p in f["photos"])
    assert all(c.file.name.startswith("published/") for c in copies.values())
    assert list(selectors.installments_visible_to(AnonymousUser())) == [inst]


def test_publish_names_the_case_of_an_unreadable_photo_and_keeps_nothing(editor):
    series = draft(awarded_call(top=1, excellent=0, photos=1), editor=editor)
    inst = series.installments.get()
    ready(inst, editors_note="编者按：按语。")
    photo = Photo.objects.get(case__title="案例标题1")
    with photo.image.storage.open(photo.image.name, "wb") as fh:
        fh.write(b"not an image")
    with pytest.raises(ValidationError) as exc:
        services.installment_publish(installment=inst, actor=editor)
    [message] = exc.value.messages
    assert message.startswith("A photo of “案例标题1” cannot be read (")
    assert message.endswith("); take it out of the feature.")
    assert not PublishedPhoto.objects.exists()


def test_later_edits_never_change_the_published_version_until_republished(editor):
    series = draft(awarded_call(top=1, excellent=0, photos=1), editor=editor)
    inst = series.installments.get()
    ready(inst)
    v1 = services.installment_publish(installment=inst, actor=editor)
    frozen = InstallmentVersion.objects.get(pk=v1.pk).content
    feature = inst.features.get()
    case = feature.case
    # The case, the draft and the photo all change after publication.
    Case.objects.filter(pk=case.pk).update(title="改后的申报标题", body="改后的申报正文")
    services.feature_update(
        feature=feature,
        title="改后的标题",
        unit_line="改后的单位",
        body="改后的正文",
        photos=[],
        actor=editor,
    )
    services.installment_update(
        installment=inst,
        headline="改后的主题",
        editors_note="",
        byline="",
        publish_at=None,
        actor=editor,
    )
    Series.objects.filter(pk=series.pk).update(title="改后的系列名")
    submission_services.upload_delete(case.photos.get(), actor=None)
    assert InstallmentVersion.objects.get(pk=v1.pk).content == frozen
    inst.refresh_from_db()
    assert inst.current_version_id == v1.pk
    v2 = services.installment_publish(installment=inst, actor=editor)
    inst.refresh_from_db()
    assert inst.current_version_id == v2.pk
    assert v2.number == 2
    assert v2.content["headline"] == "改后的主题"
    assert v2.content["heading"] == "改后的系列名(一)"
    assert v2.content["features"][0]["photos"] == []
    assert InstallmentVersion.objects.get(pk=v1.pk).content == frozen  # the old one is kept
    assert inst.first_published_at == v1.published_at


def test_withdraw_hides_the_installment_and_keeps_its_versions(editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor)
    inst = ready(series.installments.get())
    services.installment_publish(installment=inst, actor=editor)
    services.installment_withdraw(installment=inst, actor=editor)
    assert list(selectors.installments_visible_to(AnonymousUser())) == []
    assert inst.versions.count() == 1
    assert list(selectors.installments_visible_to(editor)) == [inst]


def test_print_check_flags_small_photos_long_bodies_and_missing_captions(editor):
    call = awarded_call(top=2, excellent=0, photos=0)
    big, small = Case.objects.filter(call=call).order_by("number")
    photo_add(big, size=(1600, 1200), caption="大图")
    photo_add(small, size=(1499, 1000), caption="")
    Case.objects.filter(pk=big.pk).update(body="字" * 1001)
    series = draft(call, editor=editor)
    inst = selectors.installment_for_editing(slug=series.slug, number=1)
    problems = [(p.title, p.message) for p in selectors.print_check(inst)]
    assert problems == [
        ("案例标题1", "The body has 1001 characters; print allows 1000."),
        (
            "案例标题2",
            "Photo 1 is 1499×1000 pixels: too small for print (at least 1500 on the long side).",
        ),
        ("案例标题2", "Photo 1 has no caption."),
    ]


def test_draft_content_never_holds_contact_data(editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor)
    inst = selectors.installment_for_editing(slug=series.slug, number=1)
    text = repr(draft_content(inst))
    assert "联系人王五" not in text and "13900001111" not in text and "不公开的摘要" not in text


# ---------------------------------------------------------------- scheduling


def test_schedule_needs_a_future_time_and_a_publishable_draft(editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor)
    inst = series.installments.get()
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        services.installment_schedule(installment=inst, actor=editor)
    assert exc.value.code == "no_time"
    with pytest.raises(ValidationError) as exc:
        services.installment_schedule(
            installment=inst, actor=editor, publish_at=now - timedelta(minutes=1)
        )
    assert exc.value.code == "past"
    with pytest.raises(ValidationError) as exc:
        services.installment_schedule(
            installment=inst, actor=editor, publish_at=now + timedelta(hours=1)
        )
    assert exc.value.messages == ["Write the theme headline."]
    inst.refresh_from_db()
    assert inst.scheduled is False


def test_beat_task_publishes_scheduled_installments_when_due(editor):
    series = draft(awarded_call(top=2, excellent=0), editor=editor, per_installment=1)
    one, two = series.installments.order_by("number")
    later = timezone.now() + timedelta(hours=1)
    for inst in (one, two):
        ready(inst, publish_at=later)
        services.installment_schedule(installment=inst, actor=editor)
    assert tasks.publish_due.delay().get() == 0
    # The time of (一) comes; (二) is still ahead.
    Installment.objects.filter(pk=one.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert tasks.publish_due.delay().get() == 1
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.current_version is not None and one.scheduled is False
    assert one.current_version.published_by is None
    assert two.current_version is None and two.scheduled is True
    # Running again changes nothing (idempotent).
    assert tasks.publish_due.delay().get() == 0
    assert tasks.installment_publish_scheduled.delay(one.pk).get() is None
    assert one.versions.count() == 1


def test_scheduled_installment_that_became_unpublishable_keeps_the_reason(editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor)
    inst = ready(series.installments.get(), publish_at=timezone.now() + timedelta(hours=1))
    services.installment_schedule(installment=inst, actor=editor)
    Installment.objects.filter(pk=inst.pk).update(
        headline="", publish_at=timezone.now() - timedelta(1)
    )
    tasks.publish_due.delay()
    inst.refresh_from_db()
    assert (inst.current_version, inst.scheduled) == (None, False)
    assert inst.publish_error == "Write the theme headline."


def test_publish_task_for_a_deleted_installment_returns_quietly(db):
    assert tasks.installment_publish_scheduled.delay(987654).get() is None


def test_a_scheduled_installment_cannot_be_moved_into_the_past(editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor)
    later = timezone.now() + timedelta(hours=1)
    inst = ready(series.installments.get(), publish_at=later)
    services.installment_schedule(installment=inst, actor=editor)
    with pytest.raises(ValidationError) as exc:
        ready(inst, publish_at=timezone.now() - timedelta(minutes=5))
    assert exc.value.code == "past"
    ready(inst, publish_at=later + timedelta(days=1))  # a later time keeps the schedule
    inst.refresh_from_db()
    assert (inst.scheduled, inst.publish_at) == (True, later + timedelta(days=1))
    ready(inst, publish_at=None)  # no time: no schedule
    inst.refresh_from_db()
    assert inst.scheduled is False


def test_cancelling_a_schedule_stops_the_beat(editor):
    series = draft(awarded_call(top=1, excellent=0), editor=editor)
    inst = ready(series.installments.get(), publish_at=timezone.now() + timedelta(hours=1))
    services.installment_schedule(installment=inst, actor=editor)
    services.installment_unschedule(installment=inst, actor=editor)
    Installment.objects.filter(pk=inst.pk).update(publish_at=timezone.now() - timedelta(1))
    assert tasks.publish_due.delay().get() == 0
