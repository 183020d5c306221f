"""Award certificates (获奖证书): the designer, the job, the downloads and /verify/<number>/."""

from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("certificates/calls/<slug:slug>/", views.call_list, name="list"),
    path("certificates/calls/<slug:slug>/design/", views.design, name="design"),
    path("certificates/calls/<slug:slug>/preview/", views.preview, name="preview"),
    path("certificates/calls/<slug:slug>/generate/", views.generate, name="generate"),
    path("certificates/calls/<slug:slug>/all.zip", views.download_all, name="download_all"),
    path("certificates/jobs/<int:pk>/", views.job, name="job"),
    path("certificates/jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("certificates/<int:pk>/download/", views.download, name="download"),
    path("certificates/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("certificates/<int:pk>/restore/", views.restore, name="restore"),
    path("certificates/mine/", views.mine, name="mine"),
    path("verify/<str:number>/", views.verify, name="verify"),
]
