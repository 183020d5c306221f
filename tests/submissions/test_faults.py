"""Nothing lost when the broker is down: the case saves, the photo waits, the sweep makes its
renditions once the broker is back."""

from datetime import timedelta
from unittest import mock

from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from submissions import tasks
from submissions.models import Case, Photo

from ..factories import jpeg_upload


def test_broker_down_case_still_saves_and_the_sweep_processes_its_photo_later(
    client, call, user_a, django_capture_on_commit_callbacks
):
    client.force_login(user_a)
    broker_down = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(tasks.photo_process, "delay", side_effect=broker_down),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("submissions:case_create", args=[call.slug]),
            {
                "title": "断网也不丢",
                "save": "1",
                "photos-TOTAL_FORMS": "1",
                "photos-INITIAL_FORMS": "0",
                "photos-0-image": jpeg_upload("a.jpg"),
                "photos-0-caption": "■说明",
                "photos-0-position": "1",
            },
        )

    assert response.status_code == 302
    photo = Photo.objects.get(case=Case.objects.get(title="断网也不丢"))
    assert (photo.processing, photo.web.name) == (Photo.Processing.PENDING, "")

    # The broker is back; the beat sweep finds photos pending for more than five minutes.
    Photo.objects.filter(pk=photo.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    assert tasks.photos_sweep() == 1
    photo.refresh_from_db()
    assert photo.processing == Photo.Processing.DONE
    assert photo.web.name.endswith("-web.jpg") and photo.thumb.name.endswith("-thumb.jpg")
