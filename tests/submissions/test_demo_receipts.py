"""The demo's cases hold receipts (回执): every case submitted through the services has one per
submission, with the SHA-256 of its two photos, and a second build adds none."""

import hashlib

from demo.builders import OPEN_CALL, build_collection
from submissions.models import Case, Photo, Receipt


def test_every_submitted_demo_case_has_its_receipts(db):
    build_collection()
    submitted = Case.objects.exclude(status=Case.Status.DRAFT)
    receipts = list(Receipt.objects.order_by("case_id", "version"))

    # one per submission: the open call's resubmitted case was submitted twice
    assert len(receipts) == submitted.count() + 1
    assert {r.case_id for r in receipts} == set(submitted.values_list("pk", flat=True))
    resubmitted = Case.objects.get(call__slug=OPEN_CALL, status=Case.Status.RESUBMITTED)
    assert [r.version for r in receipts if r.case_id == resubmitted.pk] == [1, 2]
    photo = Photo.objects.filter(case=receipts[0].case).order_by("position").first()
    with photo.image.open("rb") as fh:
        assert receipts[0].files[0]["sha256"] == hashlib.sha256(fh.read()).hexdigest()
    assert [f["kind"] for f in receipts[0].files] == ["photo", "photo"]

    build_collection()
    assert Receipt.objects.count() == len(receipts)
