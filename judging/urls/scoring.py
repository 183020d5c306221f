"""The judge's pages: the queue, the review form, a declared conflict, the case's files."""

from django.urls import path

from ..views import scoring

urlpatterns = [
    path("review/rounds/<int:pk>/", scoring.queue, name="queue"),
    path("review/<int:pk>/", scoring.review, name="review"),
    path("review/<int:pk>/conflict/", scoring.review_conflict, name="review_conflict"),
    path("review/photos/<uuid:uid>/<str:variant>/", scoring.review_photo, name="review_photo"),
    path("review/attachments/<uuid:uid>/", scoring.review_attachment, name="review_attachment"),
]
