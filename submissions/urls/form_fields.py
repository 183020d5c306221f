"""The case form of a call (organizers): its own fields and its categories."""

from django.urls import path

from ..views import form_fields as v

urlpatterns = [
    path("calls/<slug:slug>/form/", v.call_fields, name="call_fields"),
    path("calls/<slug:slug>/form/fields/new/", v.call_field_create, name="call_field_create"),
    path("calls/<slug:slug>/form/fields/<int:pk>/", v.call_field_edit, name="call_field_edit"),
    path(
        "calls/<slug:slug>/form/fields/<int:pk>/delete/",
        v.call_field_delete,
        name="call_field_delete",
    ),
    path("calls/<slug:slug>/form/fields/<int:pk>/move/", v.call_field_move, name="call_field_move"),
    path("calls/<slug:slug>/form/categories/<int:pk>/", v.category_edit, name="category_edit"),
    path(
        "calls/<slug:slug>/form/categories/<int:pk>/delete/",
        v.category_delete,
        name="category_delete",
    ),
    path(
        "calls/<slug:slug>/form/categories/<int:pk>/move/",
        v.category_move,
        name="category_move",
    ),
]
