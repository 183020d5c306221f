"""The error pages (400, 403, 404, 500) and the page of a form refused by the CSRF check: in the
visitor's language, with a way back; a refused form keeps every typed field, to send again.

Run as production runs (DEBUG off), through clients that answer with the page instead of
raising (raise_request_exception=False), and with the CSRF check on (enforce_csrf_checks=True).
"""

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import connection
from django.test import Client
from django.urls import path, reverse

from civiccases import urls as project_urls
from judging.models import Assignment, Score
from submissions.models import Case

from .factories import UserFactory, unit_user
from .judging.setupkit import accepted_case, form_data, judge_profile, make_round

REPO = Path(__file__).resolve().parent.parent
PENDING = REPO / "locale" / "pending" / "errors.po"


def boom(request):
    raise ValueError("an ordinary bug")


def bad(request):
    raise SuspiciousOperation("a forged request")


def denied(request):
    raise PermissionDenied


urlpatterns = [
    path("boom/", boom),
    path("bad/", bad),
    path("denied/", denied),
    *project_urls.urlpatterns,
]
handler400 = getattr(project_urls, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(project_urls, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(project_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = project_urls.handler500

ERROR_URLS = {400: "/bad/", 403: "/denied/", 404: "/no-such-page/", 500: "/boom/"}
TITLES = {
    "en": {
        400: "The request could not be read",
        403: "No access to this page",
        404: "Page not found",
        500: "Something went wrong on our side",
    },
    "zh-hans": {
        400: "无法识别此请求",
        403: "无权访问此页面",
        404: "页面不存在",
        500: "系统出现故障",
    },
}
WAY_BACK = {
    "en": ("Back to the previous page", "Home page", "Log in"),
    "zh-hans": ("返回上一页", "首页", "登录"),
}


@pytest.fixture
def catalog(settings, tmp_path):
    """The Chinese catalog with this branch's new messages (locale/pending/errors.po) until they
    are merged into locale/zh_Hans; the ordinary catalog once they are."""
    if not PENDING.exists():
        yield
        return
    if not shutil.which("msgcat"):
        pytest.skip("GNU gettext (msgcat, msgfmt) is needed to compile the pending messages")
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "django.po"
    main = REPO / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    subprocess.run(["msgcat", "--use-first", "-o", po, PENDING, main], check=True)  # noqa: S607
    subprocess.run(["msgfmt", "-o", po.with_suffix(".mo"), po], check=True)  # noqa: S607
    settings.LOCALE_PATHS = [tmp_path]
    yield


def _page(response) -> str:
    return unescape(response.content.decode())


def _links(html: str) -> dict[str, str]:
    """id → href of the way-back links."""
    return dict(
        (m.group(2), unescape(m.group(1)))
        for m in re.finditer(r'<a class="[^"]*" href="([^"]*)" id="([a-z]+-link)"', html)
    )


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_error_page_in_the_visitors_language_with_a_way_back(db, catalog, status, language):
    client = Client(raise_request_exception=False)
    response = client.get(
        ERROR_URLS[status],
        HTTP_ACCEPT_LANGUAGE=language,
        HTTP_REFERER="http://testserver/series/",
    )
    html = _page(response)
    assert response.status_code == status
    assert f'<html lang="{language}">' in html
    assert f"<title>{TITLES[language][status]} · " in html
    assert f">{TITLES[language][status]}</h1>" in html
    back, home, login = WAY_BACK[language]
    assert f"‹ {back}</a>" in html and f">{home}</a>" in html
    links = _links(html)
    assert links["back-link"] == "/series/"
    assert links["home-link"] == "/"
    if status in (403, 404):  # nobody is logged in: the way back includes the login
        assert links["login-link"] == f"/accounts/login/?next={ERROR_URLS[status]}"
        assert f">{login}</a>" in html
    assert "Traceback" not in html and "forged" not in html and "ordinary bug" not in html


@pytest.mark.urls(__name__)
def test_error_page_follows_the_language_cookie_and_offers_the_switch(db, catalog, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client(raise_request_exception=False)
    html = _page(client.get("/boom/"))
    assert '<html lang="zh-hans">' in html and ">系统出现故障</h1>" in html
    assert 'href="/i18n/switch/en/?next=/boom/" lang="en"' in html
    client.cookies["django_language"] = "en"
    assert ">Something went wrong on our side</h1>" in _page(client.get("/boom/"))


@pytest.mark.urls(__name__)
def test_500_page_renders_without_the_database(db, catalog):
    with mock.patch.object(connection, "cursor", side_effect=AssertionError("no query")) as cursor:
        response = Client(raise_request_exception=False).get(
            "/boom/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 500
    assert ">系统出现故障</h1>" in _page(response)
    assert cursor.call_count == 0
    assert response["Cache-Control"] == "no-store"


@pytest.mark.urls(__name__)
def test_back_link_is_never_another_site_nor_the_page_itself(db):
    client = Client(raise_request_exception=False)
    for referer in ("https://evil.example/series/", "http://testserver/no-such-page/", ""):
        html = _page(client.get("/no-such-page/", HTTP_REFERER=referer))
        assert "back-link" not in _links(html)


def test_403_for_a_logged_in_user_names_the_account_and_offers_no_login(db):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="someone", first_name="", last_name=""))
    response = client.get(reverse("judging:judge_list"), HTTP_ACCEPT_LANGUAGE="en")
    html = _page(response)
    assert response.status_code == 403
    assert ">No access to this page</h1>" in html
    assert "this account’s role does not include this page. If you should have access" in html
    assert "login-link" not in _links(html)


# ---- a form refused by the CSRF check ------------------------------------------------------

HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


def _resend_form(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The action and the fields (token included) of the page's "Send again" form."""
    form = re.search(r'<form method="post" action="([^"]*)" id="resend-form".*?</form>', html, re.S)
    assert form, "no form to send again"
    fields = [(unescape(n), unescape(v)) for n, v in HIDDEN.findall(form.group(0))]
    return unescape(form.group(1)), fields


def _csrf_client(user) -> Client:
    """A browser whose token went stale: it logged in again in another tab (a new cookie)."""
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["csrftoken"] = "a" * 32
    return client


LONG_BODY = "第一段：老城区口袋公园建设。\n第二段：居民议事会 <b>“共商共建”</b> & 志愿服务。\n" * 40


def test_refused_case_form_keeps_every_typed_field_and_sends_again(call, unit_a, user_a):
    client = _csrf_client(user_a)
    url = reverse("submissions:case_create", kwargs={"slug": call.slug})
    typed = {
        "unit": str(unit_a.pk),
        "title": "“口袋公园”点亮老城区",
        "contact_name": "张某某",
        "contact_phone": "13812345678",
        "summary": "老城区建成口袋公园十二处。",
        "body": LONG_BODY,
        "save": "",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "50",
        "photos-0-caption": "居民在口袋公园休憩",
        "photos-0-position": "1",
    }
    response = client.post(
        url, {**typed, "csrfmiddlewaretoken": "b" * 32}, HTTP_ORIGIN="http://testserver"
    )
    html = _page(response)
    assert response.status_code == 403
    assert ">Your form was not sent</h1>" in html
    assert "What you typed is kept below. Press “Send again” to send it exactly as it was." in html
    assert Case.objects.count() == 0
    action, fields = _resend_form(html)
    assert action == url
    resent = dict(fields)
    token = resent.pop("csrfmiddlewaretoken")
    assert resent == typed  # every field, exactly as typed (line breaks and markup too)
    assert token != "b" * 32
    assert LONG_BODY in html  # shown to the user as well, under "What you typed"

    response = client.post(action, dict(fields), HTTP_ORIGIN="http://testserver")
    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.title, case.summary, case.body, case.created_by) == (
        "“口袋公园”点亮老城区",
        "老城区建成口袋公园十二处。",
        LONG_BODY.strip(),
        user_a,
    )


def test_refused_review_form_keeps_scores_and_comment_and_sends_again(call):
    judge = judge_profile("j1")
    rnd = make_round(call, judges=[judge], cases=[accepted_case(call)], k=1)
    a = Assignment.objects.get(round=rnd)
    client = _csrf_client(judge.user)
    url = reverse("judging:review", kwargs={"pk": a.pk})
    typed = form_data(rnd, "35", "52", comment="做法新颖，\n成效明显，建议推广。")
    response = client.post(url, typed, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 403
    assert Score.objects.count() == 0
    action, fields = _resend_form(_page(response))
    resent = dict(fields)
    resent.pop("csrfmiddlewaretoken")
    assert (action, resent) == (url, typed)

    response = client.post(action, dict(fields), HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.total, a.comment) == (
        Assignment.Status.DRAFT,
        87,
        "做法新颖，\n成效明显，建议推广。",
    )


def test_a_form_posted_from_another_site_does_not_come_back_prefilled(call, unit_a, user_a):
    client = _csrf_client(user_a)
    url = reverse("submissions:case_create", kwargs={"slug": call.slug})
    response = client.post(url, {"title": "来自别处的标题"}, HTTP_ORIGIN="https://evil.example")
    html = _page(response)
    assert response.status_code == 403
    assert ">Your form was not sent</h1>" in html
    assert "resend-form" not in html and "来自别处的标题" not in html


def test_refused_login_form_never_shows_the_password_again(db):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": "s3cret-Passw0rd"},
        HTTP_ORIGIN="http://testserver",
    )
    html = _page(response)
    assert "s3cret-Passw0rd" not in html
    assert "Passwords are never shown again: type yours again on the form." in html
    assert dict(_resend_form(html)[1])["username"] == "alice"


def test_refused_form_after_the_session_ended_offers_the_login_in_a_new_tab(call, unit_a):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    url = reverse("submissions:case_create", kwargs={"slug": call.slug})
    response = client.post(url, {"title": "会话过期前写的标题"}, HTTP_ORIGIN="http://testserver")
    html = _page(response)
    assert "会话过期前写的标题" in dict(_resend_form(html)[1])["title"]
    assert re.search(r'href="/accounts/login/" id="login-link" target="_blank"', html)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_csrf_page_in_the_visitors_language(call, catalog, language):
    user = unit_user(username="u1")
    client = _csrf_client(user)
    url = reverse("submissions:case_create", kwargs={"slug": call.slug})
    response = client.post(
        url,
        {"title": "标题"},
        HTTP_ORIGIN="http://testserver",
        HTTP_ACCEPT_LANGUAGE=language,
        HTTP_REFERER=f"http://testserver{url}",
    )
    html = _page(response)
    title, send = {
        "en": ("Your form was not sent", "Send again"),
        "zh-hans": ("表单未提交成功", "重新提交"),
    }[language]
    assert f'<html lang="{language}">' in html
    assert f">{title}</h1>" in html and f">{send}</button>" in html
    links = _links(html)
    assert (links["back-link"], links["home-link"]) == (url, "/")


@pytest.mark.urls(__name__)
def test_a_host_this_portal_does_not_serve_gets_the_400_page(db):
    response = Client(raise_request_exception=False).get(
        "/series/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert ">The request could not be read</h1>" in _page(response)
