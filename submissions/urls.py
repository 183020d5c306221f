from django.urls import path

from .views import calls, cases, files, imports, units

app_name = "submissions"

urlpatterns = [
    path("calls/", calls.call_list, name="call_list"),
    path("calls/new/", calls.call_create, name="call_create"),
    path("calls/<slug:slug>/", calls.call_detail, name="call_detail"),
    path("calls/<slug:slug>/edit/", calls.call_edit, name="call_edit"),
    path("calls/<slug:slug>/status/", calls.call_status, name="call_status"),
    path("calls/<slug:slug>/screen/", calls.call_screen, name="call_screen"),
    path("calls/<slug:slug>/extensions/", calls.extension_grant, name="extension_grant"),
    path("calls/<slug:slug>/cases/new/", cases.case_create, name="case_create"),
    path("calls/<slug:slug>/import/", imports.import_start, name="import_start"),
    path("calls/<slug:slug>/import/template.xlsx", imports.import_template, name="import_template"),
    path("imports/<int:pk>/", imports.import_status, name="import_status"),
    path("imports/<int:pk>/progress.json", imports.import_progress, name="import_progress"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("cases/<int:pk>/submit/", cases.case_submit, name="case_submit"),
    path("cases/<int:pk>/withdraw/", cases.case_withdraw, name="case_withdraw"),
    path("cases/<int:pk>/screen/", calls.case_screen, name="case_screen"),
    path("photos/<uuid:uid>/<str:variant>/", files.photo_file, name="photo_file"),
    path("attachments/<uuid:uid>/", files.attachment_file, name="attachment_file"),
    path("units/", units.unit_list, name="unit_list"),
    path("units/import/", units.unit_import, name="unit_import"),
]
