"""A case's photos and attachments, for whoever may see the case."""

from django.urls import path

from ..views import files

urlpatterns = [
    path("photos/<uuid:uid>/<str:variant>/", files.photo_file, name="photo_file"),
    path("attachments/<uuid:uid>/", files.attachment_file, name="attachment_file"),
]
