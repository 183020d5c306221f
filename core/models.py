"""The site's own profile (网站信息): who runs the portal, how to reach them, the filing numbers
every Chinese website shows in its footer (ICP 备案号, 公安备案号), and a logo. One row, edited by
organizers; every page reads it through `core.cache.site_profile` (context processor)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def logo_upload_to(instance, filename):
    """A server-made name: the logo is re-encoded to PNG (core.logo), whatever was sent."""
    return f"site/logo-{instance.logo_token}.png"


class SiteProfile(models.Model):
    """One row: the first (`SiteProfile.current()`); `core.site.site_profile_save` always
    writes that one."""

    portal_name = models.CharField(
        _("portal name"),
        max_length=100,
        blank=True,
        help_text=_("Shown in the header of every page. Empty: the default name."),
    )
    host_org = models.CharField(
        _("host organisation"),
        max_length=200,
        blank=True,
        help_text=_("For example: 某区委宣传部 某区文明办"),
    )
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), max_length=120, blank=True)
    address = models.CharField(_("postal address"), max_length=200, blank=True)
    icp_number = models.CharField(
        _("ICP filing number"),
        max_length=60,
        blank=True,
        help_text=_("For example: 京ICP备12345678号"),
    )
    police_number = models.CharField(
        _("public security filing number"),
        max_length=60,
        blank=True,
        help_text=_("For example: 京公网安备11010102000001号"),
    )
    logo = models.FileField(_("logo"), upload_to=logo_upload_to, max_length=120, blank=True)
    # A new token for every uploaded logo: a new file name, so no cache keeps the old one.
    logo_token = models.CharField(max_length=32, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("site information")
        verbose_name_plural = _("site information")

    def __str__(self):
        return str(_("Site information"))

    @classmethod
    def current(cls) -> "SiteProfile":
        """The profile (unsaved and empty before an organizer first saves it)."""
        return cls.objects.order_by("pk").first() or cls()
