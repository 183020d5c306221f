"""What a returned case changed when it was resubmitted: a snapshot at every submission, the
diff the organizer sees on the case page, and who sees it."""

import pytest
from django.urls import reverse

from submissions import services, snapshots
from submissions.models import Attachment, CallField, Case, CaseSnapshot, Photo

from ..factories import CallFieldFactory, CaseSnapshotFactory, unit_user
from .casekit import attachment_add, case_with_photos, photo_add

BODY = "第一段：社区开展志愿服务。\n第二段：居民积极参与。\n第三段：成效明显。"


@pytest.fixture
def field(call):
    return CallFieldFactory(call=call, kind=CallField.Kind.INTEGER, label="受益人数")


@pytest.fixture
def submitted(call, unit_a, user_a, field):
    """Unit A's case, submitted once with two photos and an attachment."""
    case = case_with_photos(call=call, unit=unit_a, created_by=user_a, photos=2, body=BODY)
    case.extra = {field.key: 120}
    case.save()
    attachment_add(case, user=user_a, name="方案.pdf")
    services.case_submit(case=case, actor=user_a)
    return Case.objects.get(pk=case.pk)


def _return_and_resubmit(case, organizer, user, edit=None):
    services.cases_screen(cases=[case], actor=organizer, action="return", reason="请补充数据。")
    case = Case.objects.get(pk=case.pk)
    if edit:
        edit(case)
    services.case_submit(case=case, actor=user)
    return Case.objects.get(pk=case.pk)


def test_every_submission_keeps_what_was_submitted(submitted, field):
    [snap] = CaseSnapshot.objects.filter(case=submitted)

    assert snap.version == 1
    values = {f["key"]: f["value"] for f in snap.data["fields"]}
    assert values["title"] == submitted.title
    assert values["body"] == BODY
    assert values[f"extra:{field.pk}"] == "120"
    assert [(p["caption"], p["position"]) for p in snap.data["photos"]] == [
        ("■说明1", 1),
        ("■说明2", 2),
    ]
    assert [(a["name"], a["size"]) for a in snap.data["attachments"]] == [
        ("方案.pdf", Attachment.objects.get(case=submitted).size)
    ]


def test_the_diff_names_each_changed_field_photo_and_attachment(
    submitted, organizer, user_a, field
):
    first, second = Photo.objects.filter(case=submitted).order_by("position")

    def edit(case):
        case.title = "“口袋公园”点亮老城区（修改稿）"
        case.body = BODY.replace("居民积极参与", "居民踊跃参与，<b>共建</b>家园")
        case.extra = {field.key: 150}
        case.save()
        first.caption = "■新的说明"
        first.position = 2
        first.save()
        second.position = 1
        second.save()
        photo_add(case, caption="■补充图片", position=3)
        Attachment.objects.filter(case=case).delete()
        attachment_add(case, user=user_a, name="补充数据.pdf")

    case = _return_and_resubmit(submitted, organizer, user_a, edit)
    changes = snapshots.diff(*[s.data for s in CaseSnapshot.objects.filter(case=case)])

    assert [(c.key, c.old, c.new) for c in changes.fields if not c.long] == [
        ("title", submitted.title, "“口袋公园”点亮老城区（修改稿）"),
        (f"extra:{field.pk}", "120", "150"),
    ]
    [body] = [c for c in changes.fields if c.long]
    assert body.key == "body"
    assert str(body.inline) == (
        "第一段：社区开展志愿服务。\n第二段：居民<del>积极</del><ins>踊跃</ins>参与"
        "<ins>，&lt;b&gt;共建&lt;/b&gt;家园</ins>。\n第三段：成效明显。"
    )
    assert [p["caption"] for p in changes.photos_added] == ["■补充图片"]
    assert changes.photos_removed == []
    assert [(p.old_caption, p.caption) for p in changes.photos_recaptioned] == [
        ("■说明1", "■新的说明")
    ]
    assert [(p.caption, p.old_position, p.new_position) for p in changes.photos_reordered] == [
        ("■说明2", 2, 1),
        ("■新的说明", 1, 2),
    ]
    assert [a["name"] for a in changes.attachments_added] == ["补充数据.pdf"]
    assert [a["name"] for a in changes.attachments_removed] == ["方案.pdf"]


def test_the_organizer_sees_the_changes_on_the_case_page(org_client, submitted, organizer, user_a):
    def edit(case):
        case.summary = "新的摘要"
        case.save()
        Photo.objects.filter(case=case, position=2).delete()

    case = _return_and_resubmit(submitted, organizer, user_a, edit)

    page = org_client.get(reverse("submissions:case_detail", args=[case.pk])).content.decode()

    assert 'id="case-changes"' in page
    assert "What the resubmission changed" in page
    assert "<ins>新的</ins>摘要" in page
    assert "Photo removed</span> ■说明2" in page


def test_a_resubmission_without_changes_says_so(org_client, submitted, organizer, user_a):
    case = _return_and_resubmit(submitted, organizer, user_a)

    page = org_client.get(reverse("submissions:case_detail", args=[case.pk])).content.decode()

    assert 'id="no-changes"' in page
    assert "No changes." in page


def test_a_case_submitted_once_shows_no_diff(org_client, submitted):
    page = org_client.get(reverse("submissions:case_detail", args=[submitted.pk]))

    assert 'id="case-changes"' not in page.content.decode()


def test_units_never_see_the_diff_and_other_units_cannot_read_the_snapshots(
    client, submitted, organizer, user_a, user_b
):
    from submissions import selectors

    case = _return_and_resubmit(submitted, organizer, user_a)

    client.force_login(user_a)
    own = client.get(reverse("submissions:case_detail", args=[case.pk]))
    assert own.status_code == 200
    assert 'id="case-changes"' not in own.content.decode()
    client.force_login(user_b)
    assert client.get(reverse("submissions:case_detail", args=[case.pk])).status_code == 404
    assert selectors.case_changes(user=user_b, case=case) is None
    assert selectors.case_changes(user=organizer, case=case) is not None


def test_the_diff_escapes_what_units_typed(unit_a):
    old = {"fields": [{"key": "body", "label": "", "value": "<script>x</script>", "long": True}]}
    new = {"fields": [{"key": "body", "label": "", "value": "<script>y</script>", "long": True}]}

    [change] = snapshots.diff(old, new).fields

    assert str(change.inline) == "&lt;script&gt;<del>x</del><ins>y</ins>&lt;/script&gt;"


def test_the_factory_builds_a_snapshot_of_its_case(db):
    snap = CaseSnapshotFactory()

    assert snap.data["fields"][0]["value"] == snap.case.title


def test_a_colleague_resubmitting_adds_the_next_version(call, unit_a, submitted, organizer):
    colleague = unit_user(unit_a, username="colleague")

    case = _return_and_resubmit(submitted, organizer, colleague)

    assert list(CaseSnapshot.objects.filter(case=case).values_list("version", flat=True)) == [
        1,
        2,
    ]
