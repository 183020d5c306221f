"""The site profile as pages show it (header and footer), and its one write."""

import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.urls import reverse

from . import cache
from .logo import logo_png
from .models import SiteProfile

log = logging.getLogger(__name__)

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
    row = SiteProfile.objects.order_by("pk").values(*FIELDS, "logo", "logo_token").first() or {}
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
    """The profile for a page: at most one query, none when cached. A database that cannot
    answer (down, or not migrated yet) gives the default profile, not kept in the cache: the
    page itself decides whether it can be shown without the database."""
    try:
        return cache.site_profile(_load)
    except DatabaseError as exc:
        log.warning("site profile not read (%s): the default is shown", exc.__class__.__name__)
        return default_profile()


@transaction.atomic
def site_profile_save(
    *,
    profile: SiteProfile,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
    actor,
) -> SiteProfile:
    """Save the profile (a form's instance of `SiteProfile.current()`), with a new logo or
    without one. Recorded in the
    audit trail (tracked in audit/apps.py; the request's user, or the demo, acts: core sits
    below the audit app and cannot decorate this with `audit.context.acts`).

    `actor` is required all the same, so that every caller says who acts."""
    del actor  # attributed by the request's (or the demo's) audit context
    first = SiteProfile.objects.select_for_update().order_by("pk").values_list("pk", "logo")
    stored = first.first()
    profile.pk = stored[0] if stored else None  # there is one profile: the first row
    old = stored[1] if stored else ""
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
