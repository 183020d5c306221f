from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from core import health, views
from publishing.views import home as public_home

# The Django admin (core.admin_site) is for organizers only.
urlpatterns = [
    path("", public_home.home, name="home"),
    path("start/", views.start, name="start"),
    path("site/profile/", views.site_profile_edit, name="site_profile"),
    path("site/logo/<str:token>.png", views.site_logo, name="site_logo"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    # Forgotten passwords (by email link, by text-message code): namespace "reset".
    path("accounts/", include("civiccases.password_reset")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("i18n/switch/<str:code>/", views.language_switch, name="language_switch"),
    path("collect/", include("submissions.urls")),
    path("", include("submissions.urls.verify")),
    path("judging/", include("judging.urls")),
    path("audit/", include("audit.urls")),
    path("messages/", include("messaging.urls")),
    path("", include("certificates.urls")),
    path("", include("publishing.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCHMARK_ENDPOINTS:  # a bare view to compare page throughput with (bench/)
    urlpatterns.append(path("bench/bare/", lambda request: HttpResponse("ok"), name="bench_bare"))

# Styled pages in the visitor's language with a way back (core/errors.py).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"
handler500 = "civiccases.middleware.server_error"
