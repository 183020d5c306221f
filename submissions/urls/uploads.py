"""Chunked uploads of the case form's script (docs/uploads.md): start, offset / chunk / cancel,
finish. Each chunk is at most UPLOAD_CHUNK_MAX_BYTES (within the ordinary body limit)."""

from django.urls import path

from ..views import uploads

urlpatterns = [
    path("uploads/", uploads.upload_create, name="upload_create"),
    path("uploads/<uuid:uid>/", uploads.upload_detail, name="upload_detail"),
    path("uploads/<uuid:uid>/finish/", uploads.upload_finish, name="upload_finish"),
]
