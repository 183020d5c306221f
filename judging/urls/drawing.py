"""The random drawing of experts (organizers) and the public page that verifies a record."""

from django.urls import path

from ..views import drawing

urlpatterns = [
    path("rounds/<int:pk>/drawing/", drawing.round_drawing, name="round_drawing"),
    path("drawings/<int:pk>/draw/", drawing.drawing_reveal, name="drawing_reveal"),
    path("drawings/<int:pk>/record.json", drawing.drawing_record, name="drawing_record"),
    path("rounds/<int:pk>/ratings/", drawing.round_ratings, name="round_ratings"),
    path("drawings/verify/", drawing.drawing_verify, name="drawing_verify"),
]
