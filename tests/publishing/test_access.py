"""Who may do what. Editors and organizers edit; anonymous users are sent to log in; unit users
and judges get 403. Readers see only what is published: everything else is 404."""

import pytest
from django.urls import reverse

from publishing import services
from publishing.models import Series

from ..factories import UserFactory, unit_user
from .kit import awarded_call, draft, ready


@pytest.fixture
def series(db, editor):
    """Installment (一) published, (二) a draft."""
    s = draft(awarded_call(top=2, excellent=0, photos=1), editor=editor, per_installment=1)
    services.installment_publish(installment=ready(s.installments.get(number=1)), actor=editor)
    ready(s.installments.get(number=2))
    return s


def _editor_get_urls(series):
    feature = series.features.order_by("installment__number").first()
    photo = feature.photos.select_related("photo").get().photo
    call = series.call
    return [
        reverse("publishing:series_list"),
        reverse("publishing:series_draft", args=[call.slug]),
        reverse("publishing:series_edit", args=[series.slug]),
        reverse("publishing:installment_edit", args=[series.slug, 2]),
        reverse("publishing:installment_preview", args=[series.slug, 2]),
        reverse("publishing:installment_version", args=[series.slug, 1, 1]),
        reverse("publishing:installment_export", args=[series.slug, 2, "txt"]),
        reverse("publishing:feature_edit", args=[feature.pk]),
        reverse("publishing:source_photo", args=[photo.uid, "thumb"]),
    ]


def _editor_post_urls(series):
    feature = series.features.order_by("installment__number").first()
    return [
        reverse("publishing:installment_add", args=[series.slug]),
        reverse("publishing:installment_publish", args=[series.slug, 2]),
        reverse("publishing:installment_schedule", args=[series.slug, 2]),
        reverse("publishing:installment_unschedule", args=[series.slug, 2]),
        reverse("publishing:installment_withdraw", args=[series.slug, 1]),
        reverse("publishing:installment_delete", args=[series.slug, 2]),
        reverse("publishing:feature_add", args=[series.slug, 2]),
        reverse("publishing:feature_shift", args=[feature.pk]),
        reverse("publishing:feature_move", args=[feature.pk]),
        reverse("publishing:feature_remove", args=[feature.pk]),
    ]


def test_anonymous_users_are_sent_to_log_in(client, series):
    for url in _editor_get_urls(series):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    for url in _editor_post_urls(series):
        assert client.post(url).status_code == 302, url
    assert series.installments.get(number=1).current_version is not None


@pytest.mark.parametrize("who", ["unit", "judge", "nobody"])
def test_unit_users_judges_and_other_accounts_get_403(client, series, who):
    user = {
        "unit": lambda: unit_user(username="unit-user"),
        "judge": lambda: UserFactory(is_judge=True),
        "nobody": lambda: UserFactory(),
    }[who]()
    client.force_login(user)
    for url in _editor_get_urls(series):
        assert client.get(url).status_code == 403, url
    for url in _editor_post_urls(series):
        assert client.post(url).status_code == 403, url
    assert series.installments.get(number=1).current_version is not None
    assert series.features.count() == 2


@pytest.mark.parametrize("who", ["editor", "organizer"])
def test_editors_and_organizers_reach_every_editor_page(client, series, who, editor, organizer):
    client.force_login({"editor": editor, "organizer": organizer}[who])
    for url in _editor_get_urls(series):
        assert client.get(url).status_code == 200, url


def test_the_nav_links_editors_to_the_series_list(client, editor):
    client.force_login(editor)
    response = client.get(reverse("publishing:series_list"))
    assert f'href="{reverse("publishing:series_list")}"' in response.content.decode()
    assert reverse("publishing:series_list") == "/publish/"


@pytest.mark.parametrize("who", ["anonymous", "unit", "judge"])
def test_readers_get_404_for_everything_unpublished(client, series, who):
    if who == "unit":
        client.force_login(unit_user(username="unit-user"))
    elif who == "judge":
        client.force_login(UserFactory(is_judge=True))
    assert client.get("/series/xunli/1/").status_code == 200
    assert client.get("/series/xunli/2/").status_code == 404
    assert client.get("/series/xunli/3/").status_code == 404
    assert client.get("/series/nope/").status_code == 404
    # A draft series (nothing published) does not exist for readers.
    draft(awarded_call(top=1, excellent=0), slug="draft-only")
    assert client.get("/series/draft-only/").status_code == 404
    assert client.get("/series/draft-only/1/").status_code == 404
    assert client.get("/series/draft-only/feed/atom/").status_code == 404
    assert client.get("/series/draft-only/feed/rss/").status_code == 404
    listed = client.get("/series/").content.decode()
    assert "/series/xunli/" in listed and "/series/draft-only/" not in listed
    page = client.get("/series/xunli/").content.decode()
    assert "/series/xunli/1/" in page and "/series/xunli/2/" not in page


def test_readers_never_reach_case_photos_or_photos_of_withdrawn_versions(client, series, editor):
    inst = series.installments.get(number=1)
    uid = inst.current_version.content["features"][0]["photos"][0]["uid"]
    source = inst.current_version.content["features"][0]["photos"][0]["source_uid"]
    url = f"/series/xunli/1/photos/{uid}.jpg"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert client.get(f"/series/xunli/2/photos/{uid}.jpg").status_code == 404  # wrong place
    assert client.get(f"/series/xunli/1/photos/{source}.jpg").status_code == 404
    services.installment_withdraw(installment=inst, actor=editor)
    assert client.get(url).status_code == 404
    assert client.get("/series/xunli/1/").status_code == 404


def test_photos_of_earlier_versions_are_for_editors_only(client, series, editor):
    inst = series.installments.get(number=1)
    old_uid = inst.current_version.content["features"][0]["photos"][0]["uid"]
    services.installment_publish(installment=inst, actor=editor)
    url = f"/series/xunli/1/photos/{old_uid}.jpg"
    assert client.get(url).status_code == 404
    client.force_login(editor)
    assert client.get(url).status_code == 200


def test_editors_see_a_preview_where_readers_get_404(client, series, editor):
    client.force_login(editor)
    response = client.get("/series/xunli/2/")
    assert response.status_code == 200
    assert 'data-banner="preview"' in response.content.decode()
    assert Series.objects.get().installments.get(number=2).current_version is None
