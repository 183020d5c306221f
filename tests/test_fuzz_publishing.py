"""Hostile input in every editor form of publishing (series draft and settings, installments,
cases, photos and captions, adding and moving cases), and hostile text all the way to the
public pages, the feeds and the txt/docx/html exports. Never a server error."""

import contextlib
import io
import itertools
from xml.dom import minidom

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from publishing import services
from publishing.forms import (
    FeatureAddForm,
    FeatureForm,
    FeatureMoveForm,
    InstallmentForm,
    PhotoRowForm,
    SeriesDraftForm,
    SeriesForm,
)
from publishing.models import Feature

from .fuzzkit import (
    FUZZ,
    FUZZ_FEW,
    assert_form_error,
    db_text,
    fuzzes,
    get_ok,
    hostile,
    hostile_datetime,
    hostile_nonblank,
    hostile_number,
    post_ok,
)
from .publishing.kit import awarded_call, draft

_serial = itertools.count(1)


@pytest.fixture
def ed(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def series(db, editor):
    return draft(awarded_call(top=2, excellent=1, photos=2), editor=editor, per_installment=2)


def _inst(series):
    return series.installments.order_by("number").first()


@fuzzes(SeriesDraftForm)
@FUZZ
@given(title=hostile, slug=hostile, host=hostile, per=hostile_number)
def test_series_draft(ed, db, title, slug, host, per):
    call = awarded_call(top=1, excellent=0, photos=0)
    response = post_ok(
        ed,
        reverse("publishing:series_draft", args=[call.slug]),
        {"title": title, "slug": slug, "host_line": host, "per_installment": per},
    )
    if not title.strip():
        assert_form_error(response, ed)


@fuzzes(SeriesForm)
@FUZZ
@given(title=hostile, host=hostile, side=hostile_number, chars=hostile_number)
def test_series_settings(ed, series, title, host, side, chars):
    response = post_ok(
        ed,
        reverse("publishing:series_edit", args=[series.slug]),
        {
            "title": title,
            "host_line": host,
            "print_min_long_side": side,
            "print_max_body_chars": chars,
        },
    )
    if not title.strip():
        assert_form_error(response, ed)


@fuzzes(InstallmentForm)
@FUZZ
@given(headline=hostile, note=hostile, byline=hostile, publish_at=hostile_datetime)
def test_installment_edit(ed, series, headline, note, byline, publish_at):
    inst = _inst(series)
    post_ok(
        ed,
        inst.get_edit_url(),
        {"headline": headline, "editors_note": note, "byline": byline, "publish_at": publish_at},
    )
    get_ok(ed, reverse("publishing:installment_preview", args=[series.slug, inst.number]))


def test_installment_far_publish_date_gets_a_message(ed, series):
    inst = _inst(series)
    response = post_ok(
        ed,
        inst.get_edit_url(),
        {"headline": "标题", "editors_note": "", "byline": "", "publish_at": "9999-12-31T23:59"},
    )
    assert_form_error(response, ed)
    assert "between the years 2000 and 2099" in response.content.decode()


@fuzzes(FeatureForm, PhotoRowForm)
@FUZZ
@given(
    title=hostile,
    unit_line=hostile,
    body=hostile,
    caption=hostile,
    position=hostile_number,
    photo=hostile_number,
    include=st.sampled_from(["on", "", "x"]),
    total=hostile_number,
)
def test_feature_edit(ed, series, title, unit_line, body, caption, position, photo, include, total):
    feature = Feature.objects.filter(installment__series=series).order_by("pk").first()
    post_ok(
        ed,
        reverse("publishing:feature_edit", args=[feature.pk]),
        {
            "title": title,
            "unit_line": unit_line,
            "body": body,
            "photos-TOTAL_FORMS": total,
            "photos-INITIAL_FORMS": "0",
            "photos-0-photo": photo,
            "photos-0-include": include,
            "photos-0-position": position,
            "photos-0-caption": caption,
        },
    )


@fuzzes(FeatureAddForm)
@FUZZ
@given(case=hostile_number)
def test_feature_add(ed, series, case):
    inst = _inst(series)
    post_ok(ed, reverse("publishing:feature_add", args=[series.slug, inst.number]), {"case": case})


@fuzzes(FeatureMoveForm)
@FUZZ
@given(installment=hostile_number, direction=hostile)
def test_feature_move_and_shift(ed, series, installment, direction):
    feature = Feature.objects.filter(installment__series=series).order_by("pk").first()
    post_ok(ed, reverse("publishing:feature_move", args=[feature.pk]), {"installment": installment})
    post_ok(ed, reverse("publishing:feature_shift", args=[feature.pk]), {"direction": direction})


@FUZZ
@given(source=hostile, version=hostile_number, fmt=st.sampled_from(["txt", "docx", "html"]))
def test_export_query_strings(ed, series, source, version, fmt):
    inst = _inst(series)
    response = ed.get(
        reverse("publishing:installment_export", args=[series.slug, inst.number, fmt]),
        {"source": source, "version": version},
    )
    assert response.status_code in (200, 302, 404), response.status_code


@FUZZ_FEW
@given(
    headline=hostile_nonblank,
    note=hostile,
    byline=hostile,
    title=hostile_nonblank,
    unit_line=hostile,
    body=hostile,
    caption=hostile,
)
def test_hostile_text_reaches_every_output(
    ed, editor, db, headline, note, byline, title, unit_line, body, caption
):
    """What an editor types, control characters included, is published: the page, the feeds
    (well-formed XML) and the exports (a .docx that opens) never fail."""
    import docx

    series = draft(
        awarded_call(top=1, excellent=0, photos=1), editor=editor, slug=f"s{next(_serial)}"
    )
    inst = _inst(series)
    feature = inst.features.first()
    photo = feature.photos.first().photo
    with contextlib.suppress(ValidationError):  # e.g. an empty unit line
        services.feature_update(
            feature=feature,
            actor=editor,
            title=db_text(title, 200),
            unit_line=db_text(unit_line, 200),
            body=db_text(body, 20000),
            photos=[
                services.FeaturePhotoRow(photo=photo, position=1, caption=db_text(caption, 300))
            ],
        )
    with contextlib.suppress(ValidationError):
        services.installment_update(
            installment=inst,
            headline=db_text(headline, 200),
            editors_note=db_text(note, 5000),
            byline=db_text(byline, 200),
            publish_at=None,
            actor=editor,
        )
    published = True
    try:
        services.installment_publish(installment=inst, actor=editor)
    except ValidationError:  # refused (e.g. print limits) is a fine answer
        published = False
    for fmt in ("txt", "html", "docx"):
        response = get_ok(
            ed, reverse("publishing:installment_export", args=[series.slug, inst.number, fmt])
        )
        if fmt == "docx" and response.status_code == 200:
            docx.Document(io.BytesIO(response.content))
    get_ok(ed, reverse("publishing:installment_preview", args=[series.slug, inst.number]))
    reader = Client()
    for name in ("feed_atom", "feed_rss"):
        response = reader.get(reverse(f"publishing:{name}", args=[series.slug]))
        assert response.status_code == (200 if published else 404), response.status_code
        if published:
            minidom.parseString(response.content)  # noqa: S318 — our own feed
    for url in (
        reverse("publishing:series_detail", args=[series.slug]),
        reverse("publishing:installment_detail", args=[series.slug, inst.number]),
    ):
        assert reader.get(url).status_code == (200 if published else 404)


def test_control_characters_are_published_without_breaking_feeds_and_docx(ed, editor, db):
    import docx

    series = draft(awarded_call(top=1, excellent=0, photos=1), editor=editor, slug="ctl")
    inst = _inst(series)
    feature = inst.features.first()
    services.feature_update(
        feature=feature,
        actor=editor,
        title="口袋\x01公园",
        unit_line="某某\x1f街道",
        body="第一段\x1e。\n第二段\x0b。",
        photos=[
            services.FeaturePhotoRow(
                photo=feature.photos.first().photo, position=1, caption="居民\x07休憩"
            )
        ],
    )
    services.installment_update(
        installment=inst,
        headline="邻里\x02守望",
        editors_note="按\x1b语",
        byline="文/记者\x08",
        publish_at=None,
        actor=editor,
    )
    services.installment_publish(installment=inst, actor=editor)
    reader = Client()
    for name in ("feed_atom", "feed_rss"):
        response = reader.get(reverse(f"publishing:{name}", args=[series.slug]))
        assert response.status_code == 200
        assert "邻里守望" in minidom.parseString(response.content).toxml()  # noqa: S318
    response = ed.get(
        reverse("publishing:installment_export", args=[series.slug, inst.number, "docx"])
    )
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert "口袋公园" in text and "居民休憩" in text and "\x01" not in text
