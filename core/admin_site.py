"""The Django admin of the portal: organizers only (staff accounts without the role are refused).

Installed in settings as `core.admin_site.PortalAdminConfig` in place of
`django.contrib.admin`, so `admin.site` (and every `admin.register`) is a `PortalAdminSite`.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class PortalAdminSite(AdminSite):
    site_header = site_title = "Civic case portal"

    def has_permission(self, request: HttpRequest) -> bool:
        from accounts.roles import is_organizer  # not at import: the apps load this module

        return bool(request.user.is_active and request.user.is_staff and is_organizer(request.user))


class PortalAdminConfig(AdminConfig):
    default_site = "core.admin_site.PortalAdminSite"
