"""The cases of an installment as published (features): add, edit, reorder, move, remove, and
the case photos the editor chooses from."""

from django.urls import path

from ..views import editor

urlpatterns = [
    path(
        "publish/series/<slug:slug>/<int:number>/cases/add/", editor.feature_add, name="feature_add"
    ),
    path("publish/features/<int:pk>/", editor.feature_edit, name="feature_edit"),
    path("publish/features/<int:pk>/shift/", editor.feature_shift, name="feature_shift"),
    path("publish/features/<int:pk>/move/", editor.feature_move, name="feature_move"),
    path("publish/features/<int:pk>/remove/", editor.feature_remove, name="feature_remove"),
    path("publish/photos/<uuid:uid>/<str:variant>/", editor.source_photo, name="source_photo"),
]
