"""Series (editors and organizers): the list, a draft from a call's awards, editing."""

from django.urls import path

from ..views import editor

urlpatterns = [
    path("publish/", editor.series_list, name="series_list"),
    path("publish/calls/<slug:call_slug>/draft/", editor.series_draft, name="series_draft"),
    path("publish/series/<slug:slug>/", editor.series_edit, name="series_edit"),
    path("publish/series/<slug:slug>/add/", editor.installment_add, name="installment_add"),
]
