"""The expert pool (organizers): list, add, import, invite, edit."""

from django.urls import path

from ..views import setup

urlpatterns = [
    path("pool/", setup.judge_list, name="judge_list"),
    path("pool/import/", setup.judge_import, name="judge_import"),
    path("pool/invite/", setup.judge_invite, name="judge_invite"),
    path("pool/import/judges.csv", setup.judge_import_template, name="judge_import_template"),
    path("pool/<int:pk>/edit/", setup.judge_edit, name="judge_edit"),
]
