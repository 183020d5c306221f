"""The public home `/`, the public call pages, the share block of an installment, the award tiers
of published cases and the WeChat export.

Access in the style of tests/access.py: the home and a public call page are for everyone,
anonymous included; a draft call (or one not yet opened) is 404 for everyone, as are its
documents."""

import base64
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core import cache as caches
from publishing import exports, services
from submissions.models import Call

from .. import access
from ..access import Row
from ..factories import (
    CallDocumentFactory,
    CallFactory,
    CategoryFactory,
    InstallmentFactory,
    InstallmentVersionFactory,
    NoticeFactory,
    SeriesFactory,
    UserFactory,
    unit_user,
)
from .kit import awarded_call, draft, ready

EVERYONE = ("anonymous", "unit", "judge", "editor", "organizer")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The home and the site profile are cached: each test starts with nothing cached."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(db):
    return {
        "anonymous": None,
        "unit": unit_user(username="unit-user"),
        "judge": UserFactory(is_judge=True),
        "editor": UserFactory(is_editor=True),
        "organizer": UserFactory(is_organizer=True),
    }


@pytest.fixture
def world(people):
    return {
        "people": people,
        "open": CallFactory(slug="open-call", notice="各单位：现开展案例征集。"),
        "closed": CallFactory(slug="closed-call", status=Call.Status.CLOSED),
        "draft": CallFactory(slug="draft-call", status=Call.Status.DRAFT),
        "future": CallFactory(
            slug="future-call",
            opens_at=timezone.now() + timedelta(days=3),
            closes_at=timezone.now() + timedelta(days=30),
        ),
    }


def _slug(key):
    return lambda w: {"slug": w[key].slug}


def _all(expected):
    return dict.fromkeys(EVERYONE, expected)


TABLE = [
    Row("publishing:call_public", _all(200), kwargs=_slug("open"), label="open"),
    Row("publishing:call_public", _all(200), kwargs=_slug("closed"), label="closed"),
    Row("publishing:call_public", _all(404), kwargs=_slug("draft"), label="draft"),
    Row("publishing:call_public", _all(404), kwargs=_slug("future"), label="not yet open"),
    Row("submissions:call_template", _all(200), kwargs=_slug("open"), label="open"),
    Row("submissions:call_template", _all(404), kwargs=_slug("closed"), label="closed"),
    Row("submissions:call_template", _all(404), kwargs=_slug("draft"), label="draft"),
]


@pytest.mark.parametrize(("row", "role"), access.cases(TABLE))
def test_public_call_pages_per_role(client, world, row, role):
    access.check(client, world, row, role)


@pytest.mark.parametrize("role", EVERYONE)
def test_home_is_for_everyone(client, people, role):
    access.expect(client, people[role], reverse("home"), 200)


def test_documents_of_a_draft_call_are_not_found(client, world):
    doc = CallDocumentFactory(call=world["draft"], title="草稿通知")
    url = reverse("submissions:call_document", kwargs={"slug": "draft-call", "uid": doc.uid})

    for role in EVERYONE:
        access.expect(client, world["people"][role], url, 404)


def test_a_document_is_found_only_under_its_own_call(client, world):
    doc = CallDocumentFactory(call=world["open"])
    url = reverse("submissions:call_document", kwargs={"slug": "closed-call", "uid": doc.uid})

    access.expect(client, None, url, 404)


def test_anonymous_visitor_downloads_a_call_document(client, world):
    doc = CallDocumentFactory(call=world["open"], title="征集通知（全文）")

    response = client.get(doc.get_absolute_url())

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment;" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")


# ---------------------------------------------------------------- the home


def _published_series(n: int, call: Call) -> None:
    for i in range(n):
        series = SeriesFactory(call=call, slug=f"s{n}-{i}", title=f"巡礼{i}")
        for number in (1, 2):
            inst = InstallmentFactory.create(series=series, number=number)
            version = InstallmentVersionFactory.create(
                installment=inst, number=1, content={"headline": f"主题{number}", "features": []}
            )
            inst.current_version = version
            inst.first_published_at = timezone.now()
            inst.save()


def _home_world(n: int) -> None:
    final = CallFactory.create(status=Call.Status.FINAL)
    for i in range(n):
        CallFactory(title=f"开放征集{i}")
        NoticeFactory(title=f"正在公示{i}")
        NoticeFactory(
            title=f"已结束公示{i}",
            starts_at=timezone.now() - timedelta(days=20),
            ends_at=timezone.now() - timedelta(days=10),
        )
    _published_series(n, final)


def _home_queries(client, django_assert_num_queries, n: int) -> int:
    _home_world(n)
    client.get(reverse("accounts:login"))  # the site profile is cached from here on
    with django_assert_num_queries(4) as ctx:  # calls, notices, series, latest installments
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("n", [1, 12])
def test_home_query_count_is_the_same_for_one_and_many(client, db, django_assert_num_queries, n):
    assert _home_queries(client, django_assert_num_queries, n) == 4


def test_home_lists_open_calls_running_and_past_notices_and_series(client, db):
    CallFactory(slug="open-call", title="2026年度文明城市创建优秀案例征集")
    CallFactory(slug="drafted", title="还在起草的征集", status=Call.Status.DRAFT)
    NoticeFactory(title="关于评选结果的公示", call__slug="running-notice")
    NoticeFactory(
        title="关于去年评选结果的公示",
        call__slug="old-notice",
        starts_at=timezone.now() - timedelta(days=30),
        ends_at=timezone.now() - timedelta(days=20),
    )
    NoticeFactory(title="还没开始的公示", starts_at=timezone.now() + timedelta(days=2))
    _published_series(1, CallFactory.create(status=Call.Status.FINAL))

    html = client.get(reverse("home")).content.decode()

    assert 'href="/calls/open-call/">2026年度文明城市创建优秀案例征集</a>' in html
    assert "还在起草的征集" not in html
    current = html.split('id="current-notices"')[1].split("</ul>")[0]
    assert "关于评选结果的公示" in current
    past = html.split('id="past-notices"')[1].split("</ul>")[0]
    assert "关于去年评选结果的公示" in past
    assert "还没开始的公示" not in html
    assert 'data-latest="2"' in html
    assert "巡礼0(二) 主题2" in html
    assert 'id="login-link"' in html


def test_signed_in_user_sees_the_way_to_the_workspace(client, people):
    client.force_login(people["unit"])

    html = client.get(reverse("home")).content.decode()

    assert f'href="{reverse("start")}" id="start-link"' in html
    response = client.get(reverse("start"))
    assert (response.status_code, response["Location"]) == (302, reverse("submissions:case_list"))


def test_home_is_served_whole_from_the_cache_for_anonymous_visitors(
    client, db, django_assert_num_queries
):
    CallFactory(title="第一个征集")
    first = client.get(reverse("home")).content

    with django_assert_num_queries(0):
        again = client.get(reverse("home")).content

    assert again == first
    assert b"csrfmiddlewaretoken" not in first


def test_a_visitors_message_is_never_cached_for_others(client, db):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import Client

    storage = CookieStorage(client.request().wsgi_request)
    response = client.get(reverse("home"))  # cached, without any message
    storage.add(constants.INFO, "只给这位访客看的提示")
    storage.update(response)
    client.cookies.update(response.cookies)

    mine = client.get(reverse("home")).content.decode()
    others = Client().get(reverse("home")).content.decode()

    assert "只给这位访客看的提示" in mine
    assert "只给这位访客看的提示" not in others


def test_publishing_an_installment_refreshes_the_cached_home(client, db, editor):
    series = draft(awarded_call(top=1, excellent=0, photos=0), editor=editor)
    inst = ready(series.installments.get(number=1))
    assert b'data-series="xunli"' not in client.get(reverse("home")).content

    services.installment_publish(installment=inst, actor=editor)

    assert b'data-series="xunli"' in client.get(reverse("home")).content


def test_login_leads_to_the_start_page(settings):
    assert settings.LOGIN_REDIRECT_URL == "start"


# ---------------------------------------------------------------- the public call page


def test_public_call_page_shows_notice_rules_documents_and_template(client, world):
    call = world["open"]
    CategoryFactory(call=call, name="社区组", position=1)
    CategoryFactory(call=call, name="机关组", position=2)
    doc = CallDocumentFactory(call=call, title="征集通知（全文）")

    html = client.get(reverse("publishing:call_public", args=[call.slug])).content.decode()

    assert "各单位：现开展案例征集。" in html
    assert "1 to 5 photos (JPEG, PNG, WebP or HEIC), each at most 20 MB." in html
    assert "Categories: 社区组、机关组" in html
    assert f'href="{doc.get_absolute_url()}"' in html
    assert f'href="{reverse("submissions:call_template", args=[call.slug])}"' in html
    assert 'href="/">Home</a>' in html


def test_closed_call_offers_no_template_and_says_collection_closed(client, world):
    html = client.get(reverse("publishing:call_public", args=["closed-call"])).content.decode()

    assert 'id="call-closed"' in html
    assert 'id="import-template"' not in html


def test_call_page_links_its_notice_and_series(client, db, editor):
    series = draft(awarded_call(top=1, excellent=0, photos=0), editor=editor)
    services.installment_publish(installment=ready(series.installments.get()), actor=editor)
    NoticeFactory(call=series.call, title="评选结果公示")

    html = client.get(reverse("publishing:call_public", args=[series.call.slug])).content.decode()

    assert reverse("judging:public_notice", args=[series.call.slug]) in html
    assert f'href="{series.get_absolute_url()}"' in html
    series_html = client.get(series.get_absolute_url()).content.decode()
    assert f'href="/calls/{series.call.slug}/" id="series-call"' in series_html


# ---------------------------------------------------------------- the installment page


@pytest.fixture
def published(db, editor):
    call = awarded_call(top=1, excellent=1, photos=1)
    series = draft(call, editor=editor, per_installment=1)
    for inst in series.installments.order_by("number"):
        services.installment_publish(installment=ready(inst), actor=editor)
    return series


@override_settings(PORTAL_BASE_URL="https://cases.example.gov.cn")
def test_installment_page_has_award_tier_share_link_and_qr(client, published):
    html = client.get(reverse("publishing:installment_detail", args=["xunli", 1])).content.decode()

    assert '<span class="badge text-bg-danger" data-award>十佳案例</span>' in html
    assert 'value="https://cases.example.gov.cn/series/xunli/1/" readonly' in html
    qr = html.split('id="share-qr">')[1].split("</svg>")[0]
    assert qr.startswith("<svg")
    assert 'rel="next"' in html
    assert 'href="/">Home</a>' in html
    second = client.get(reverse("publishing:installment_detail", args=["xunli", 2]))
    assert "优秀案例</span>" in second.content.decode()


def test_share_qr_decodes_to_the_permalink(client, published):
    import io

    import zxingcpp
    from PIL import Image

    segno = pytest.importorskip("segno")
    url = "http://testserver/series/xunli/1/"
    with override_settings(PORTAL_BASE_URL="http://testserver"):
        html = client.get(reverse("publishing:installment_detail", args=["xunli", 1])).content
    assert url.encode() in html
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))
    assert decoded.text == url


def test_category_shows_beside_the_award_when_the_call_has_categories(client, db, editor):
    call = awarded_call(top=1, excellent=0, photos=0)
    case = call.cases.get()
    case.category = CategoryFactory(call=call, name="社区组")
    case.save()
    series = draft(call, editor=editor)
    services.installment_publish(installment=ready(series.installments.get()), actor=editor)

    html = client.get(reverse("publishing:installment_detail", args=["xunli", 1])).content.decode()

    assert '十佳案例</span> <span class="badge text-bg-light border">社区组</span>' in html


def test_a_version_published_before_award_tiers_stays_readable(client, published):
    inst = published.installments.get(number=1)
    content = inst.current_version.content
    for feature in content["features"]:
        feature.pop("award")
    type(inst.current_version).objects.filter(pk=inst.current_version_id).update(content=content)
    caches.series_changed("xunli")

    response = client.get(reverse("publishing:installment_detail", args=["xunli", 1]))

    assert response.status_code == 200
    assert "data-award" not in response.content.decode()
    assert "案例标题1" in response.content.decode()


# ---------------------------------------------------------------- the WeChat export


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_wechat_export_has_inline_styles_only_and_embedded_images(published):
    inst = published.installments.get(number=1)

    exported = exports.export_installment(installment=inst, fmt="wechat.html", published=True)

    html = exported.data.decode()
    parser = _Elements()
    parser.feed(html)
    tags = {tag for tag, _attrs in parser.tags}
    assert {"style", "script", "link", "iframe"} & tags == set()
    assert [attrs for _tag, attrs in parser.tags if "class" in attrs] == []
    images = [attrs["src"] for tag, attrs in parser.tags if tag == "img"]
    assert len(images) == 1
    assert all(src.startswith("data:image/jpeg;base64,") for src in images)
    assert base64.b64decode(images[0].split(",", 1)[1])[:3] == b"\xff\xd8\xff"
    assert re.findall(r"(?:https?:)?//", re.sub(r'src="data:[^"]*"', "", html)) == []
    assert "十佳案例" in html
    assert "案例</span>案例标题1" in html
    assert exported.filename == "xunli-01.wechat.html"


def test_editor_downloads_the_wechat_export(client, published, editor):
    client.force_login(editor)
    url = reverse("publishing:installment_export", args=["xunli", 1, "wechat.html"])

    response = client.get(url + "?source=published")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert 'filename="xunli-01.wechat.html"' in response["Content-Disposition"]
    edit = client.get(reverse("publishing:installment_edit", args=["xunli", 1])).content.decode()
    assert f'href="{url}"' in edit
