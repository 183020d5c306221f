"""The site profile as pages show it (header and footer), and its one write."""

import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse

from . import cache
from .logo import logo_png
from .models import SiteProfile

#: What the header and footer read: the template context `site_info` (Django's login view
#: already gives templates a `site`).
FIELDS = (
    "portal_name",
    "host_org",
    "contact_phone",
    "contact_email",
    "address",
    "icp_number",
    "police_number",
)


def _load() -> dict:
    row = SiteProfile.objects.filter(pk=1).values(*FIELDS, "logo", "logo_token").first() or {}
    return _shown(row)


def default_profile() -> dict:
    """What pages show before an organizer fills the profile in (no query)."""
    return _shown({})


def _shown(row: dict) -> dict:
    data = {field: row.get(field, "") for field in FIELDS}
    data["name"] = data["portal_name"] or settings.PORTAL_NAME
    data["logo_url"] = (
        reverse("site_logo", kwargs={"token": row["logo_token"]})
        if row.get("logo") and row.get("logo_token")
        else ""
    )
    return data


def site_profile() -> dict:
    """The profile for a page: at most one query, none when cached."""
    return cache.site_profile(_load)


@transaction.atomic
def site_profile_save(
    *,
    profile: SiteProfile,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
    actor,
) -> SiteProfile:
    """Save the profile (a form's instance), with a new logo or without one. Recorded in the
    audit trail (tracked in audit/apps.py; the request's user, or the demo, acts: core sits
    below the audit app and cannot decorate this with `audit.context.acts`).

    `actor` is required all the same, so that every caller says who acts."""
    del actor  # attributed by the request's (or the demo's) audit context
    profile.pk = 1
    old = SiteProfile.objects.filter(pk=1).values_list("logo", flat=True).first()
    if logo is not None:
        data = logo_png(logo)
        profile.logo_token = uuid.uuid4().hex
        profile.logo.save("logo.png", ContentFile(data), save=False)
    elif remove_logo:
        profile.logo = ""
        profile.logo_token = ""
    profile.full_clean()
    profile.save()
    if old and old != profile.logo.name:
        storage = profile.logo.storage
        transaction.on_commit(lambda: storage.delete(old))
    cache.site_profile_changed()
    return profile
