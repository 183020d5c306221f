"""Editor pages through the client, the reader pages and feeds, and query counts."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from publishing import services
from publishing.models import Feature, Installment, Series
from submissions import services as submission_services
from submissions.models import Call, Case

from .kit import awarded_call, draft, published_series, ready

ATOM = "{http://www.w3.org/2005/Atom}"


def _xml(data: bytes):
    return ET.fromstring(data)  # noqa: S314 — the portal's own feed, made by this test


# ---------------------------------------------------------------- drafting from the UI


def test_series_list_says_clearly_when_awards_are_not_final(client, editor):
    final = awarded_call(top=1, excellent=0)
    notice = awarded_call(top=1, excellent=0, status=Call.Status.NOTICE)
    client.force_login(editor)
    page = client.get("/publish/").content.decode()
    assert f'data-draft="{final.slug}"' in page
    assert f'data-draft="{notice.slug}"' not in page
    assert 'id="pending-calls"' in page and notice.title in page
    draft_page = client.get(reverse("publishing:series_draft", args=[notice.slug]))
    assert 'id="not-final"' in draft_page.content.decode()
    assert 'id="series-draft-form"' not in draft_page.content.decode()
    response = client.post(
        reverse("publishing:series_draft", args=[notice.slug]),
        {"title": "巡礼", "slug": "notice-series", "host_line": "", "per_installment": 5},
    )
    assert response.status_code == 200
    assert Series.objects.count() == 0


def test_editor_drafts_a_series_from_the_form(client, editor):
    call = awarded_call(top=3, excellent=4)
    client.force_login(editor)
    form = client.get(reverse("publishing:series_draft", args=[call.slug]))
    assert form.context["form"].initial["host_line"] == "某区委宣传部 某区文明办"
    assert form.context["form"].initial["per_installment"] == 5
    response = client.post(
        reverse("publishing:series_draft", args=[call.slug]),
        {
            "title": "某区文明城市创建优秀案例巡礼",
            "slug": "xunli",
            "host_line": "某区委宣传部",
            "per_installment": 3,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/publish/series/xunli/"
    series = Series.objects.get(slug="xunli")
    assert (series.title, series.host_line, series.created_by) == (
        "某区文明城市创建优秀案例巡礼",
        "某区委宣传部",
        editor,
    )
    assert list(series.installments.values_list("number", flat=True)) == [1, 2, 3]
    page = client.get("/publish/series/xunli/").content.decode()
    assert "(一)" in page and "(三)" in page


# ---------------------------------------------------------------- editing from the UI


@pytest.fixture
def series(db, editor):
    return draft(awarded_call(top=3, excellent=0, photos=2), editor=editor, per_installment=2)


def test_editor_edits_an_installment_and_publishes_it(client, editor, series):
    client.force_login(editor)
    url = reverse("publishing:installment_edit", args=["xunli", 1])
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="publish-problems"' in page.content.decode()
    response = client.post(
        url,
        {
            "headline": "邻里守望 温暖同行",
            "editors_note": "按语。",
            "byline": "文/记者 张某某 图/受访单位提供",
            "publish_at": "2030-01-02T08:00",
        },
    )
    assert response.status_code == 302
    inst = Installment.objects.get(series=series, number=1)
    assert inst.headline == "邻里守望 温暖同行"
    assert timezone.localtime(inst.publish_at).strftime("%Y-%m-%d %H:%M") == "2030-01-02 08:00"
    preview = client.get(reverse("publishing:installment_preview", args=["xunli", 1]))
    assert "邻里守望 温暖同行" in preview.content.decode()
    client.post(reverse("publishing:installment_publish", args=["xunli", 1]))
    inst.refresh_from_db()
    assert inst.current_version.number == 1
    client.logout()
    public = client.get("/series/xunli/1/").content.decode()
    assert "邻里守望 温暖同行" in public and "编者按：" in public


def test_editor_schedules_and_cancels(client, editor, series):
    client.force_login(editor)
    inst = ready(series.installments.get(number=1), publish_at=timezone.now() + timedelta(days=1))
    client.post(reverse("publishing:installment_schedule", args=["xunli", 1]))
    inst.refresh_from_db()
    assert inst.scheduled is True
    page = client.get(inst.get_edit_url()).content.decode()
    assert 'data-state="scheduled"' in page
    client.post(reverse("publishing:installment_unschedule", args=["xunli", 1]))
    inst.refresh_from_db()
    assert inst.scheduled is False
    client.post(reverse("publishing:installment_schedule", args=["xunli", 1]))
    edit = {"headline": inst.headline, "editors_note": "", "byline": inst.byline}
    response = client.post(inst.get_edit_url(), {**edit, "publish_at": "2001-01-01T08:00"})
    assert response.status_code == 200  # the form again, with the reason
    assert "choose a future publication time" in response.content.decode()
    inst.refresh_from_db()
    assert inst.scheduled is True and inst.publish_at > timezone.now()
    response = client.post(inst.get_edit_url(), {**edit, "publish_at": ""})
    inst.refresh_from_db()
    assert (inst.scheduled, inst.publish_at) == (False, None)


def test_editor_edits_a_feature_text_photos_and_captions(client, editor, series):
    client.force_login(editor)
    feature = Feature.objects.get(series=series, title="案例标题1")
    case_before = Case.objects.values().get(pk=feature.case_id)
    p1, p2 = feature.case.photos.order_by("position")
    url = reverse("publishing:feature_edit", args=[feature.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["chars"] == 20
    assert "联系人王五" not in page.content.decode()
    assert "13900001111" not in page.content.decode()
    response = client.post(
        url,
        {
            "title": "新的标题",
            "unit_line": "选送单位1",
            "body": "更短的正文。",
            "photos-TOTAL_FORMS": "2",
            "photos-INITIAL_FORMS": "2",
            "photos-0-photo": p1.pk,
            "photos-0-position": "2",
            "photos-0-caption": "第一张",
            "photos-0-include": "on",
            "photos-1-photo": p2.pk,
            "photos-1-position": "1",
            "photos-1-caption": "第二张在前",
            "photos-1-include": "on",
        },
    )
    assert response.status_code == 302
    feature.refresh_from_db()
    assert (feature.title, feature.body) == ("新的标题", "更短的正文。")
    assert list(feature.photos.values_list("photo_id", "caption")) == [
        (p2.pk, "第二张在前"),
        (p1.pk, "第一张"),
    ]
    assert Case.objects.values().get(pk=feature.case_id) == case_before
    # Leave one photo out.
    client.post(
        url,
        {
            "title": "新的标题",
            "unit_line": "选送单位1",
            "body": "更短的正文。",
            "photos-TOTAL_FORMS": "2",
            "photos-INITIAL_FORMS": "2",
            "photos-0-photo": p2.pk,
            "photos-0-position": "1",
            "photos-0-caption": "只留这张",
            "photos-0-include": "on",
            "photos-1-photo": p1.pk,
            "photos-1-position": "2",
            "photos-1-caption": "第一张",
        },
    )
    assert list(feature.photos.values_list("photo_id", "caption")) == [(p2.pk, "只留这张")]


def test_editor_moves_reorders_adds_and_removes_cases(client, editor, series):
    client.force_login(editor)
    one, two = series.installments.order_by("number")
    first = one.features.get(position=1)
    client.post(reverse("publishing:feature_move", args=[first.pk]), {"installment": two.pk})
    assert list(two.features.values_list("title", flat=True)) == ["案例标题3", "案例标题1"]
    client.post(reverse("publishing:feature_shift", args=[first.pk]), {"direction": "up"})
    assert list(two.features.values_list("title", flat=True)) == ["案例标题1", "案例标题3"]
    client.post(reverse("publishing:feature_remove", args=[first.pk]))
    assert list(two.features.values_list("title", flat=True)) == ["案例标题3"]
    case = Case.objects.get(title="案例标题1")
    client.post(reverse("publishing:feature_add", args=["xunli", 1]), {"case": case.pk})
    assert list(one.features.values_list("title", flat=True)) == ["案例标题2", "案例标题1"]


def test_editor_sees_the_print_check_and_the_draft_changes(client, editor, series):
    client.force_login(editor)
    inst = ready(series.installments.get(number=1))
    services.installment_publish(installment=inst, actor=editor)
    page = client.get(inst.get_edit_url()).content.decode()
    assert 'id="print-problems"' in page and "too small for print" in page
    assert 'id="draft-changed"' not in page
    services.installment_update(
        installment=inst,
        headline="新主题",
        editors_note="",
        byline="",
        publish_at=None,
        actor=editor,
    )
    page = client.get(inst.get_edit_url()).content.decode()
    assert 'id="draft-changed"' in page
    version_page = client.get(reverse("publishing:installment_version", args=["xunli", 1, 1]))
    assert "邻里守望 温暖同行" in version_page.content.decode()


# ---------------------------------------------------------------- readers


def test_installment_page_lays_out_the_cases_and_hides_contact_data(client, editor):
    published_series(cases=2, photos=1, editor=editor)
    page = client.get("/series/xunli/1/").content.decode()
    for text in (
        "某区文明城市创建优秀案例巡礼(一)",
        "主办：某区委宣传部 某区文明办",
        "邻里守望 温暖同行",
        "案例</span> 案例标题1",
        "选送单位：选送单位1",
        "■案例标题1的图片1。",
        "文/记者 张某某 图/受访单位提供",
        'name="viewport"',
        "publication.css",
    ):
        assert text in page, text
    for secret in ("联系人王五", "13900001111", "不公开的摘要", "<script>"):
        assert secret not in page


def test_editing_a_case_after_publishing_leaves_the_public_page_unchanged(client, editor):
    series = published_series(cases=1, photos=1, editor=editor)
    before = client.get("/series/xunli/1/")
    feature = series.features.get()
    Case.objects.filter(pk=feature.case_id).update(title="申报材料改了", body="改了")
    services.feature_update(
        feature=feature,
        title="编辑又改了",
        unit_line="另一个单位",
        body="新的正文",
        photos=[],
        actor=editor,
    )
    inst = series.installments.get()
    services.installment_update(
        installment=inst,
        headline="新的主题",
        editors_note="",
        byline="",
        publish_at=None,
        actor=editor,
    )
    after = client.get("/series/xunli/1/")
    assert _article(after) == _article(before)
    assert "编辑又改了" not in after.content.decode()
    services.installment_publish(installment=inst, actor=editor)
    republished = client.get("/series/xunli/1/").content.decode()
    assert "编辑又改了" in republished and "新的主题" in republished
    assert inst.versions.count() == 2
    old = client.get(reverse("publishing:installment_version", args=["xunli", 1, 1]))
    assert old.status_code == 302  # editors only
    client.force_login(editor)
    old = client.get(reverse("publishing:installment_version", args=["xunli", 1, 1]))
    assert _article(old) == _article(before)


def _article(response) -> str:
    html = response.content.decode()
    return html[html.index('<article class="publication"') : html.index("</article>")]


def test_series_page_lists_published_installments_with_permalinks(client, editor):
    series = published_series(cases=7, photos=0, per_installment=3, editor=editor)
    services.installment_withdraw(installment=series.installments.get(number=2), actor=editor)
    page = client.get("/series/xunli/")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [(r["number"], r["heading"], r["url"]) for r in rows] == [
        (1, "某区文明城市创建优秀案例巡礼(一)", "/series/xunli/1/"),
        (3, "某区文明城市创建优秀案例巡礼(三)", "/series/xunli/3/"),
    ]
    nav = client.get("/series/xunli/3/").context
    assert (nav["prev_url"], nav.get("next_url")) == ("/series/xunli/1/", None)


def test_atom_and_rss_feeds_list_published_installments(client, editor):
    series = published_series(cases=4, photos=0, per_installment=2, editor=editor)
    services.installment_withdraw(installment=series.installments.get(number=1), actor=editor)
    draft_only = services.installment_add(series=series, actor=editor)
    atom = client.get("/series/xunli/feed/atom/")
    assert atom.status_code == 200
    assert atom["Content-Type"].startswith("application/atom+xml")
    root = _xml(atom.content)
    assert root.find(f"{ATOM}title").text == "某区文明城市创建优秀案例巡礼"
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "某区文明城市创建优秀案例巡礼(二) 邻里守望 温暖同行"
    ]
    assert entries[0].find(f"{ATOM}id").text == "http://testserver/series/xunli/2/"
    assert entries[0].find(f"{ATOM}link").get("href") == "http://testserver/series/xunli/2/"
    rss = client.get("/series/xunli/feed/rss/")
    assert rss["Content-Type"].startswith("application/rss+xml")
    items = _xml(rss.content).findall("channel/item")
    assert [i.find("link").text for i in items] == ["http://testserver/series/xunli/2/"]
    assert items[0].find("guid").text == "http://testserver/series/xunli/2/"
    assert "案例标题3；案例标题4" in items[0].find("description").text
    assert f"/series/xunli/{draft_only.number}/" not in rss.content.decode()


def test_feeds_show_readers_view_even_to_editors(client, editor):
    series = published_series(cases=2, photos=0, per_installment=1, editor=editor)
    services.installment_withdraw(installment=series.installments.get(number=2), actor=editor)
    client.force_login(editor)
    items = _xml(client.get("/series/xunli/feed/rss/").content).findall("channel/item")
    assert [i.find("link").text for i in items] == ["http://testserver/series/xunli/1/"]


# ---------------------------------------------------------------- query counts


def _queries(client, url) -> int:
    cache.clear()  # measure the rendering, not the anonymous page cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_series_and_installment_pages_query_count_does_not_grow_with_cases(client, editor):
    published_series(cases=1, photos=2, slug="small", editor=editor)
    published_series(cases=10, photos=2, slug="large", per_installment=10, editor=editor)
    assert Series.objects.get(slug="large").installments.get().features.count() == 10
    for path in ("/series/{}/", "/series/{}/1/", "/series/{}/feed/atom/", "/series/{}/feed/rss/"):
        client.get(path.format("small"))  # warm caches (content types, sessions)
        small, large = (
            _queries(client, path.format("small")),
            _queries(client, path.format("large")),
        )
        assert small == large, path
    assert _queries(client, "/series/large/1/") <= 3


def test_published_photos_survive_the_deletion_of_the_case_photo(
    client, editor, django_capture_on_commit_callbacks
):
    series = published_series(cases=1, photos=1, editor=editor)
    inst = series.installments.get()
    uid = inst.current_version.content["features"][0]["photos"][0]["uid"]
    case_photo = series.features.get().case.photos.get()
    stored = case_photo.image.storage
    with django_capture_on_commit_callbacks(execute=True):
        submission_services.upload_delete(case_photo, actor=None)
    assert not stored.exists(case_photo.image.name)
    response = client.get(f"/series/xunli/1/photos/{uid}.jpg")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    assert "案例标题1的图片1。" in client.get("/series/xunli/1/").content.decode()


def test_editor_changes_series_settings_and_adds_an_installment(client, editor, series):
    client.force_login(editor)
    response = client.post(
        "/publish/series/xunli/",
        {
            "title": "新系列名",
            "host_line": "某区文明办",
            "print_min_long_side": 2000,
            "print_max_body_chars": 800,
        },
    )
    assert response.status_code == 302
    series.refresh_from_db()
    assert (
        series.title,
        series.host_line,
        series.print_min_long_side,
        series.print_max_body_chars,
    ) == ("新系列名", "某区文明办", 2000, 800)
    response = client.post(reverse("publishing:installment_add", args=["xunli"]))
    assert response["Location"] == "/publish/series/xunli/3/"
    assert client.get("/publish/series/xunli/3/").context["inst"].heading == "新系列名(三)"


def test_anonymous_installment_page_is_served_from_the_cache_until_republished(client, editor):
    series = published_series(cases=1, photos=1, slug="cached", editor=editor)
    first = client.get("/series/cached/1/")
    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/series/cached/1/")
    assert (again.status_code, len(ctx.captured_queries)) == (200, 0)
    assert again.content == first.content
    inst = series.installments.get(number=1)
    services.installment_update(
        installment=inst,
        headline="新的主题标题",
        editors_note=inst.editors_note,
        byline=inst.byline,
        publish_at=inst.publish_at,
        actor=editor,
    )
    assert "新的主题标题" not in client.get("/series/cached/1/").content.decode()
    services.installment_publish(installment=inst, actor=editor)
    assert "新的主题标题" in client.get("/series/cached/1/").content.decode()
