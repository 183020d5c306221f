"""Issue 12, finding 3: nothing orphaned. A process killed outright (SIGKILL, out of memory)
between writing an upload and committing its row leaves a file no row points to; the daily sweep
(submissions.storage_orphans_sweep) removes it once it is a day old, and never a file a row
points to nor anything outside the upload folders."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

from certificates.models import Certificate, CertificateDesign
from core.models import SiteProfile
from publishing.models import PublishedPhoto
from submissions import services, tasks
from submissions.models import Attachment, CallDocument, ImportJob, Photo

from ..factories import (
    CallDocumentFactory,
    CertificateDesignFactory,
    CertificateFactory,
    ImportJobFactory,
    SiteProfileFactory,
)
from ..publishing.kit import published_series
from .casekit import attachment_add, case_with_photos

pytestmark = pytest.mark.django_db

TWO_DAYS = 2 * 24 * 3600


def _age(name: str, seconds: int = TWO_DAYS) -> None:
    """Make a stored file look written `seconds` ago."""
    then = time.time() - seconds
    os.utime(default_storage.path(name), (then, then))


def _orphan(name: str = "photos/ab/abababababababababababababababab.jpg") -> str:
    """A file as a process killed before committing its row leaves it."""
    return default_storage.save(name, ContentFile(b"\xff\xd8 no row"))


def test_an_old_file_no_row_points_to_is_removed():
    photo = case_with_photos(photos=1).photos.get()
    orphan = _orphan()
    _age(orphan)
    _age(photo.image.name)

    assert tasks.storage_orphans_sweep() == 1

    assert not default_storage.exists(orphan)
    assert default_storage.exists(photo.image.name)


def test_every_upload_folder_is_swept():
    names = [
        _orphan(f"{folder}/cd/cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd.bin")
        for folder in services.UPLOAD_FOLDERS
    ]
    for name in names:
        _age(name)

    removed = services.storage_orphans_remove(actor=None)

    assert sorted(removed) == sorted(names)
    assert not any(default_storage.exists(n) for n in names)


def test_a_file_younger_than_a_day_is_kept():
    """An upload in flight: its file is written, its row not yet committed."""
    orphan = _orphan()
    _age(orphan, seconds=23 * 3600)

    assert services.storage_orphans_remove(actor=None) == []
    assert default_storage.exists(orphan)


def test_files_outside_the_upload_folders_are_never_touched():
    root = Path(settings.MEDIA_ROOT)
    (root / "backups").mkdir()
    outside = [root / "backups" / "db.dump", root / "notes.txt"]
    for path in outside:
        path.write_bytes(b"not an upload")
        os.utime(path, (time.time() - TWO_DAYS,) * 2)

    assert services.storage_orphans_remove(older_than=timezone.now(), actor=None) == []
    assert all(path.exists() for path in outside)


#: Every FileField (or ImageField) of every model; the test below makes a row of each.
FILE_FIELDS = {
    (Photo, "image"),
    (Photo, "web"),
    (Photo, "thumb"),
    (Attachment, "file"),
    (ImportJob, "file"),
    (PublishedPhoto, "file"),
    (CallDocument, "file"),
    (SiteProfile, "logo"),
    (CertificateDesign, "seal"),
    (CertificateDesign, "background"),
    (Certificate, "pdf"),
}


def test_every_file_any_row_points_to_is_kept():
    found = {
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    }
    assert found == FILE_FIELDS, "a new FileField: add a row of it to this test"

    case = case_with_photos(photos=2)
    for photo in case.photos.all():
        services.photo_process(photo=photo, actor=None)  # the web and thumb renditions
    attachment_add(case)
    published_series(cases=1, photos=1)  # the published versions' frozen photo copies
    CallDocumentFactory.create(call=case.call)
    profile = SiteProfileFactory.create(logo_token="a" * 32)
    profile.logo.save("logo.png", ContentFile(b"\x89PNG logo"))
    cert_design = CertificateDesignFactory.create()
    cert_design.seal.save("seal.png", ContentFile(b"\x89PNG seal"))
    cert_design.background.save("ground.jpg", ContentFile(b"\xff\xd8 ground"))
    CertificateFactory.create()  # with its PDF
    job = ImportJobFactory.create(file=None)
    job.file.save("cases.xlsx", ContentFile(b"PK\x03\x04 xlsx"))
    referenced = set()
    for model, name in FILE_FIELDS:
        names = {getattr(obj, name).name for obj in model.objects.all()} - {""}
        assert names, f"no {model.__name__}.{name} made"
        referenced |= names
    assert all(default_storage.exists(n) for n in referenced)

    # Every file counts as old: only the rows keep them.
    assert (
        services.storage_orphans_remove(older_than=timezone.now() + timedelta(1), actor=None) == []
    )

    assert all(default_storage.exists(n) for n in referenced)


def test_every_worker_runs_the_sweep_daily():
    from civiccases.celery import app

    assert settings.WORKER_SWEEPS["submissions.storage_orphans_sweep"] == 86400
    assert "submissions.storage_orphans_sweep" in app.tasks
