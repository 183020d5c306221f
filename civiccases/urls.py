from django.contrib import admin
from django.urls import include, path

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("collect/", include("submissions.urls")),
    path("judging/", include("judging.urls")),
    path("", include("publishing.urls")),
    path("admin/", admin.site.urls),
]
