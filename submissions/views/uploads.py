"""Chunked uploads of the case form's script (docs/uploads.md). JSON in and out; every refusal
carries the message the person sees at that file (`error`), translated.

- POST uploads/ (UploadStartForm) → 201 {id, url, finish_url, offset, chunk}
- GET/HEAD uploads/<uid>/ → 200, the offset (also in the Upload-Offset header)
- PATCH uploads/<uid>/ with Upload-Offset: the chunk as the body → 200 {offset}; 409 when the
  offset is not the server's (the answer says which it is), 400 when the chunk stopped short
  (the bytes that arrived are kept), 413 when it is larger than UPLOAD_CHUNK_MAX_BYTES
- DELETE uploads/<uid>/ → 204 (the upload and its staged file are removed)
- POST uploads/<uid>/finish/ → 200 {kind, id, name, thumb} or 400 {error}

Only the uploader reaches an upload (selectors.chunked_uploads_of): 404 for anyone else."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import unit_member_required

from .. import selectors, services_uploads
from ..forms import UploadStartForm
from ..models import ChunkedUpload, Photo

OFFSET_HEADER = "Upload-Offset"


def _refused(message: str, *, status: int = 400, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _state(upload: ChunkedUpload, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        {
            "id": str(upload.uid),
            "url": reverse("submissions:upload_detail", args=[upload.uid]),
            "finish_url": reverse("submissions:upload_finish", args=[upload.uid]),
            "offset": upload.offset,
            "size": upload.size,
            "chunk": settings.UPLOAD_CHUNK_MAX_BYTES,
        },
        status=status,
    )
    response[OFFSET_HEADER] = str(upload.offset)
    return response


def _own(request, uid) -> ChunkedUpload:
    upload = selectors.chunked_uploads_of(request.user).filter(uid=uid).first()
    if upload is None:
        raise Http404
    return upload


@require_POST
@unit_member_required
def upload_create(request):
    form = UploadStartForm(request.POST, user=request.user)
    if not form.is_valid():
        messages = [m for msgs in form.errors.values() for m in msgs]
        return _refused(" ".join(messages))
    data = form.cleaned_data
    try:
        upload = services_uploads.chunked_upload_create(
            call=data["call"],
            case=data["case"],
            kind=data["kind"],
            field=data["field"],
            name=data["name"],
            size=data["size"],
            actor=request.user,
        )
    except ValidationError as exc:
        return _refused(_messages(exc))
    response = _state(upload, status=201)
    response["Location"] = reverse("submissions:upload_detail", args=[upload.uid])
    return response


def _int_header(value: str | None) -> int | None:
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return int(value)


@never_cache
@require_http_methods(["GET", "HEAD", "PATCH", "DELETE"])
@unit_member_required
def upload_detail(request, uid):
    upload = _own(request, uid)
    if request.method == "DELETE":
        services_uploads.chunked_upload_cancel(upload=upload, actor=request.user)
        return HttpResponse(status=204)
    if request.method != "PATCH":
        return _state(upload)
    offset = _int_header(request.headers.get(OFFSET_HEADER))
    length = _int_header(request.META.get("CONTENT_LENGTH"))
    if offset is None or length is None:
        return _refused(_("The chunk has no offset or no length."), offset=upload.offset)
    if length > settings.UPLOAD_CHUNK_MAX_BYTES:
        return _refused(
            _("A chunk may be at most %(n)d bytes.") % {"n": settings.UPLOAD_CHUNK_MAX_BYTES},
            status=413,
            offset=upload.offset,
        )
    try:
        new_offset, whole = services_uploads.chunked_upload_append(
            upload=upload, offset=offset, stream=request, length=length, actor=request.user
        )
    except services_uploads.OffsetMismatch as exc:
        return _refused(_("The upload continues at another place."), status=409, offset=exc.offset)
    except services_uploads.Busy:
        return _refused(
            _("This file is being uploaded from another window."), status=409, offset=offset
        )
    except ChunkedUpload.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        return _refused(_messages(exc), offset=upload.offset)
    if not whole:
        return _refused(_("The connection dropped; the upload continues."), offset=new_offset)
    response = JsonResponse({"offset": new_offset})
    response[OFFSET_HEADER] = str(new_offset)
    return response


@require_POST
@unit_member_required
def upload_finish(request, uid):
    upload = _own(request, uid)
    try:
        staged = services_uploads.chunked_upload_finish(upload=upload, actor=request.user)
    except ValidationError as exc:
        return _refused(_messages(exc), offset=upload.offset)
    if isinstance(staged, Photo):
        return JsonResponse(
            {
                "kind": "photo",
                "id": staged.pk,
                "name": staged.original_name,
                "thumb": reverse("submissions:photo_file", args=[staged.uid, "thumb"]),
            }
        )
    return JsonResponse(
        {
            "kind": "attachment",
            "id": staged.pk,
            "name": staged.original_name,
            "field": staged.field_id,
            "url": reverse("submissions:attachment_file", args=[staged.uid]),
        }
    )
