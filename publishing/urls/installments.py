"""Installments (editors and organizers): edit, preview, versions, publish now or later,
withdraw, delete, export for print."""

from django.urls import path

from ..views import editor

INSTALLMENT = "publish/series/<slug:slug>/<int:number>/"

urlpatterns = [
    path(INSTALLMENT, editor.installment_edit, name="installment_edit"),
    path(f"{INSTALLMENT}preview/", editor.installment_preview, name="installment_preview"),
    path(
        f"{INSTALLMENT}versions/<int:version>/",
        editor.installment_version,
        name="installment_version",
    ),
    path(f"{INSTALLMENT}publish/", editor.installment_publish, name="installment_publish"),
    path(f"{INSTALLMENT}schedule/", editor.installment_schedule, name="installment_schedule"),
    path(f"{INSTALLMENT}unschedule/", editor.installment_unschedule, name="installment_unschedule"),
    path(f"{INSTALLMENT}withdraw/", editor.installment_withdraw, name="installment_withdraw"),
    path(f"{INSTALLMENT}delete/", editor.installment_delete, name="installment_delete"),
    path(f"{INSTALLMENT}export.<str:fmt>", editor.installment_export, name="installment_export"),
]
