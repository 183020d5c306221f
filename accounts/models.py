from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person. Organizer and editor are flags here; unit membership lives in
    submissions.Membership, a judge's profile in judging.Judge (see accounts/roles.py)."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_organizer = models.BooleanField(_("organizer"), default=False)
    is_editor = models.BooleanField(_("editor"), default=False)
    # How the person receives the portal's messages (messaging.services.channels_for).
    message_channel = models.CharField(
        _("receive messages by"),
        max_length=8,
        choices=[("email", _("Email")), ("sms", _("Text message")), ("both", _("Both"))],
        default="email",
    )
    # Set on accounts made by import or by an organizer: the first login asks for a new password.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        """A password set here (changed by the person, or by a reset) is the person's own: the
        first-login request to change it is met. Services that make an account with a password
        chosen by someone else set `must_change_password` after calling this."""
        super().set_password(raw_password)
        self.must_change_password = False

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @cached_property
    def unit_ids(self) -> frozenset[int]:
        """The ids of the units the user is a member of: one query, once per user object (a
        request's user asks once however often it is asked)."""
        return frozenset(self.memberships.values_list("unit_id", flat=True))


class ResetCode(models.Model):
    """A code sent by text message to reset a password (civiccases/password_reset.py): stored
    as a keyed hash, valid until `expires_at`, refused after `attempts` wrong tries, used once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reset_codes")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("password reset code")
        verbose_name_plural = _("password reset codes")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
