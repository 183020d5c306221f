"""Cases (units, and organizers reading them): create, list, read, edit, submit, withdraw."""

from django.urls import path

from ..views import cases

urlpatterns = [
    path("calls/<slug:slug>/cases/new/", cases.case_create, name="case_create"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("cases/<int:pk>/submit/", cases.case_submit, name="case_submit"),
    path("cases/<int:pk>/withdraw/", cases.case_withdraw, name="case_withdraw"),
]
