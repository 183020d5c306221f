"""Who may do what, in the access-table style of tests/access.py. Editors (the one who drafted
the series: owner; another: member) and organizers edit; anonymous users are sent to log in;
unit users, judges and accounts without a role (outsider) get 403. Readers see only what is
published: everything else is 404."""

import pytest
from django.urls import reverse

from publishing import services
from publishing.models import Series

from .. import access
from ..access import LOGIN, Row
from ..factories import UserFactory, unit_user
from .kit import awarded_call, draft, ready

READERS = ("anonymous", "unit", "judge", "outsider")


@pytest.fixture
def series(db, editor):
    """Installment (一) published, (二) a draft."""
    s = draft(awarded_call(top=2, excellent=0, photos=1), editor=editor, per_installment=1)
    services.installment_publish(installment=ready(s.installments.get(number=1)), actor=editor)
    ready(s.installments.get(number=2))
    return s


@pytest.fixture
def world(series, editor, organizer):
    feature = series.features.order_by("installment__number").first()
    return {
        "series": series,
        "feature": feature,
        "photo": feature.photos.select_related("photo").get().photo,
        "people": {
            "owner": editor,
            "member": UserFactory(is_editor=True),
            "organizer": organizer,
            "unit": unit_user(username="unit-user"),
            "judge": UserFactory(is_judge=True),
            "outsider": UserFactory(),
            "anonymous": None,
        },
    }


def _state(world) -> tuple:
    series = world["series"]
    return (series.installments.get(number=1).current_version_id, series.features.count())


EDITOR_PAGE = dict(
    owner=200, member=200, organizer=200, unit=403, judge=403, outsider=403, anonymous=LOGIN
)
# Editors' actions are tested in tests/publishing/test_views.py; here, who is refused.
EDITOR_ACTION = dict(unit=403, judge=403, outsider=403, anonymous=LOGIN)


def _series(*more):
    """The series' slug, then an installment's number and a version's, when given."""
    names = ("number", "version")[: len(more)]
    return lambda w: {"slug": w["series"].slug, **dict(zip(names, more, strict=True))}


def _feature(w):
    return {"pk": w["feature"].pk}


def _editor_row(name, kwargs=None, expect=EDITOR_PAGE):
    method = "get" if expect is EDITOR_PAGE else "post"
    return Row(f"publishing:{name}", expect, kwargs=kwargs, method=method)


EDITOR_TABLE = [
    _editor_row("series_list"),
    _editor_row("series_draft", lambda w: {"call_slug": w["series"].call.slug}),
    _editor_row("series_edit", _series()),
    _editor_row("installment_edit", _series(2)),
    _editor_row("installment_preview", _series(2)),
    _editor_row("installment_version", _series(1, 1)),
    _editor_row(
        "installment_export", lambda w: {"slug": w["series"].slug, "number": 2, "fmt": "txt"}
    ),
    _editor_row("feature_edit", _feature),
    _editor_row("source_photo", lambda w: {"uid": w["photo"].uid, "variant": "thumb"}),
    _editor_row("installment_add", _series(), EDITOR_ACTION),
    _editor_row("installment_publish", _series(2), EDITOR_ACTION),
    _editor_row("installment_schedule", _series(2), EDITOR_ACTION),
    _editor_row("installment_unschedule", _series(2), EDITOR_ACTION),
    _editor_row("installment_withdraw", _series(1), EDITOR_ACTION),
    _editor_row("installment_delete", _series(2), EDITOR_ACTION),
    _editor_row("feature_add", _series(2), EDITOR_ACTION),
    _editor_row("feature_shift", _feature, EDITOR_ACTION),
    _editor_row("feature_move", _feature, EDITOR_ACTION),
    _editor_row("feature_remove", _feature, EDITOR_ACTION),
]


@pytest.mark.parametrize(("row", "role"), access.cases(EDITOR_TABLE))
def test_editor_pages_and_actions(client, world, row, role):
    access.check(client, world, row, role, state=_state)


def test_the_nav_links_editors_to_the_series_list(client, editor):
    response = access.expect(client, editor, reverse("publishing:series_list"), 200)
    assert f'href="{reverse("publishing:series_list")}"' in response.content.decode()
    assert reverse("publishing:series_list") == "/publish/"


def _reader_row(name, expected, **kwargs):
    return Row(
        f"publishing:{name}",
        {role: expected for role in READERS},
        kwargs=lambda w: kwargs,
        label=" ".join(str(v) for v in kwargs.values()),
    )


READER_TABLE = [
    _reader_row("installment_detail", 200, slug="xunli", number=1),
    _reader_row("installment_detail", 404, slug="xunli", number=2),
    _reader_row("installment_detail", 404, slug="xunli", number=3),
    _reader_row("series_detail", 404, slug="nope"),
    # A draft series (nothing published) does not exist for readers.
    _reader_row("series_detail", 404, slug="draft-only"),
    _reader_row("installment_detail", 404, slug="draft-only", number=1),
    _reader_row("feed_atom", 404, slug="draft-only"),
    _reader_row("feed_rss", 404, slug="draft-only"),
]


@pytest.fixture
def reader_world(world):
    draft(awarded_call(top=1, excellent=0), slug="draft-only")
    return world


@pytest.mark.parametrize(("row", "role"), access.cases(READER_TABLE))
def test_readers_get_404_for_everything_unpublished(client, reader_world, row, role):
    access.check(client, reader_world, row, role)


@pytest.mark.parametrize("role", READERS)
def test_readers_see_only_published_installments_listed(client, reader_world, role):
    reader = reader_world["people"][role]
    listed = access.expect(client, reader, reverse("publishing:series_index"), 200)
    listed = listed.content.decode()
    assert "/series/xunli/" in listed and "/series/draft-only/" not in listed
    page = access.expect(client, reader, "/series/xunli/", 200).content.decode()
    assert "/series/xunli/1/" in page and "/series/xunli/2/" not in page


def _photo_url(number: int, uid) -> str:
    return reverse("publishing:photo", kwargs={"slug": "xunli", "number": number, "uid": uid})


def test_readers_never_reach_case_photos_or_photos_of_withdrawn_versions(client, series, editor):
    inst = series.installments.get(number=1)
    uid = inst.current_version.content["features"][0]["photos"][0]["uid"]
    source = inst.current_version.content["features"][0]["photos"][0]["source_uid"]
    url = _photo_url(1, uid)
    response = access.expect(client, None, url, 200)
    assert response["Content-Type"] == "image/jpeg"
    access.expect(client, None, _photo_url(2, uid), 404)  # wrong place
    access.expect(client, None, _photo_url(1, source), 404)
    services.installment_withdraw(installment=inst, actor=editor)
    access.expect(client, None, url, 404)
    access.expect(client, None, "/series/xunli/1/", 404)


def test_photos_of_earlier_versions_are_for_editors_only(client, series, editor):
    inst = series.installments.get(number=1)
    old_uid = inst.current_version.content["features"][0]["photos"][0]["uid"]
    services.installment_publish(installment=inst, actor=editor)
    url = _photo_url(1, old_uid)
    access.expect(client, None, url, 404)
    access.expect(client, editor, url, 200)


def test_editors_see_a_preview_where_readers_get_404(client, series, editor):
    response = access.expect(client, editor, "/series/xunli/2/", 200)
    assert 'data-banner="preview"' in response.content.decode()
    assert Series.objects.get().installments.get(number=2).current_version is None
