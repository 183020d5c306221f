from django import forms
from django.utils.translation import gettext_lazy as _

from . import events, scopes, sms
from .models import Channel, Message

MAX_SEARCH = 100


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise forms.ValidationError(_("The text holds a character that cannot be stored."))
    return value


class MessageTemplateForm(forms.Form):
    """The wording of one event: subject and text of the email, text of the text message."""

    subject = forms.CharField(label=_("Email subject"), max_length=200)
    body = forms.CharField(label=_("Email text"), widget=forms.Textarea(attrs={"rows": 10}))
    sms = forms.CharField(
        label=_("Text message"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Keep it short: about 70 characters make one text message."),
    )

    def __init__(self, *args, event: str, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)

    def _clean_text(self, name: str) -> str:
        value = _no_nul(self.cleaned_data.get(name) or "")
        unknown = events.unknown_placeholders(self.event, value)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholders: %(names)s. This message knows only those listed."),
                params={"names": "、".join(f"{{{n}}}" for n in sorted(unknown))},
                code="unknown_placeholder",
            )
        return value

    def clean_subject(self) -> str:
        return self._clean_text("subject").replace("\r", " ").replace("\n", " ")

    def clean_body(self) -> str:
        return self._clean_text("body")

    def clean_sms(self) -> str:
        return self._clean_text("sms")


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Message.Status.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any")), *Channel.choices]
    )
    event = forms.ChoiceField(
        label=_("Message"), required=False, choices=[("", _("Any")), *events.EVENT_CHOICES]
    )
    scope = forms.ChoiceField(label=_("Call"), required=False)
    q = forms.CharField(
        label=_("Recipient"),
        required=False,
        max_length=MAX_SEARCH,
        help_text=_("Name, user name, email or phone"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", str(_("Any")))]
        for k in scopes.kinds():
            choices += [(f"{k.kind}:{pk}", title) for pk, title in k.choices()]
        self.fields["scope"].choices = choices

    def clean_q(self) -> str:
        return _no_nul(self.cleaned_data.get("q") or "").strip()

    def filters(self) -> dict:
        data = self.cleaned_data
        scope = None
        if data.get("scope"):
            name, pk = data["scope"].split(":", 1)
            kind = scopes.kind(name)
            if kind is not None:
                scope = (kind.model, int(pk))
        return {
            "status": data.get("status") or "",
            "channel": data.get("channel") or "",
            "event": data.get("event") or "",
            "scope": scope,
            "q": data.get("q") or "",
        }


class ChannelForm(forms.Form):
    message_channel = forms.ChoiceField(
        label=_("Receive the portal's messages by"), widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("email", _("Email"))]
        if sms.enabled():
            choices += [("sms", _("Text message")), ("both", _("Email and text message"))]
        self.fields["message_channel"].choices = choices
