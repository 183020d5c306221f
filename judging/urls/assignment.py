"""Assignment (organizers): automatic and by hand, conflicts of interest, a review's history
and reopening."""

from django.urls import path

from ..views import setup

urlpatterns = [
    path("rounds/<int:pk>/assign/", setup.round_assign, name="round_assign"),
    path("rounds/<int:pk>/assignments/", setup.assignment_list, name="assignment_list"),
    path("rounds/<int:pk>/assignments/add/", setup.assignment_add, name="assignment_add"),
    path("rounds/<int:pk>/conflicts/add/", setup.conflict_record, name="conflict_record"),
    path("assignments/<int:pk>/remove/", setup.assignment_remove, name="assignment_remove"),
    path("assignments/<int:pk>/", setup.review_history, name="review_history"),
    path("assignments/<int:pk>/reopen/", setup.review_reopen, name="review_reopen"),
]
