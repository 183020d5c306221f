"""Forms of the password reset (civiccases/password_reset.py): by email link, by text-message
code."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from messaging import events
from messaging.services import messages_dispatch

#: Digits of a reset code sent by text message.
CODE_DIGITS = 6


def reset_link(*, uidb64: str, token: str) -> str:
    """The absolute address of a one-time set-password page (Django's token link)."""
    path = reverse("reset:confirm", kwargs={"uidb64": uidb64, "token": token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def link_minutes() -> int:
    """How long a reset (or invitation) link is valid, in minutes."""
    return int(settings.PASSWORD_RESET_TIMEOUT) // 60


class ResetByEmailForm(PasswordResetForm):
    """Django's form (the active accounts with this email address, each a token link); the
    message goes through the outbox (messaging) in the organizer's wording of the
    `password_reset` event, never straight to the mail server."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The email address of your account."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        messages_dispatch(
            event=events.PASSWORD_RESET,
            recipients=[user],
            context={
                "username": user.get_username(),
                "link": reset_link(uidb64=context["uid"], token=context["token"]),
                "code": "",
                "minutes": link_minutes(),
            },
            channels=["email"],
            actor=None,
        )

    def save(self, *args, **kwargs) -> None:
        kwargs["token_generator"] = default_token_generator
        super().save(*args, **kwargs)


class ResetBySmsForm(forms.Form):
    who = forms.CharField(
        label=_("User name or mobile number"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )

    def clean_who(self) -> str:
        who = " ".join(self.cleaned_data["who"].split())
        if "\x00" in who or not who:
            raise forms.ValidationError(_("Give your user name or mobile number."))
        return who


class ResetCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
            raise forms.ValidationError(
                _("The code has %(n)d digits."), params={"n": CODE_DIGITS}, code="format"
            )
        return code
