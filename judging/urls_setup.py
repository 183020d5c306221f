from django.urls import path

from .views import scoring, setup

# Owned by the setup/scoring work: pool, rounds, assignment, progress, the judge's pages.
urlpatterns = [
    path("", setup.home, name="home"),
    # the expert pool (organizers)
    path("pool/", setup.judge_list, name="judge_list"),
    path("pool/import/", setup.judge_import, name="judge_import"),
    path("pool/import/judges.csv", setup.judge_import_template, name="judge_import_template"),
    path("pool/<int:pk>/edit/", setup.judge_edit, name="judge_edit"),
    # rounds (organizers)
    path("calls/<slug:slug>/rounds/new/", setup.round_create, name="round_create"),
    path("rounds/<int:pk>/", setup.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", setup.round_edit, name="round_edit"),
    path("rounds/<int:pk>/panel/", setup.round_panel, name="round_panel"),
    path("rounds/<int:pk>/cases/", setup.round_entries, name="round_entries"),
    path("rounds/<int:pk>/assign/", setup.round_assign, name="round_assign"),
    path("rounds/<int:pk>/status/", setup.round_status, name="round_status"),
    path("rounds/<int:pk>/assignments/", setup.assignment_list, name="assignment_list"),
    path("rounds/<int:pk>/assignments/add/", setup.assignment_add, name="assignment_add"),
    path("rounds/<int:pk>/conflicts/add/", setup.conflict_record, name="conflict_record"),
    path("rounds/<int:pk>/progress/", setup.round_progress, name="round_progress"),
    path("rounds/<int:pk>/remind/", setup.round_remind, name="round_remind"),
    path("assignments/<int:pk>/remove/", setup.assignment_remove, name="assignment_remove"),
    path("assignments/<int:pk>/", setup.review_history, name="review_history"),
    path("assignments/<int:pk>/reopen/", setup.review_reopen, name="review_reopen"),
    # the judge's pages
    path("review/rounds/<int:pk>/", scoring.queue, name="queue"),
    path("review/<int:pk>/", scoring.review, name="review"),
    path("review/<int:pk>/conflict/", scoring.review_conflict, name="review_conflict"),
    path("review/photos/<uuid:uid>/<str:variant>/", scoring.review_photo, name="review_photo"),
    path("review/attachments/<uuid:uid>/", scoring.review_attachment, name="review_attachment"),
]
