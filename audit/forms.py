from auditlog.models import LogEntry
from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import kinds

MAX_TEXT = 100  # a longer filter text is refused with a message


class LogFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Who"), required=False, max_length=MAX_TEXT, help_text=_("User name or name")
    )
    kind = forms.TypedChoiceField(label=_("What"), required=False, coerce=int, empty_value=None)
    action = forms.TypedChoiceField(
        label=_("Action"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any")),
            (LogEntry.Action.CREATE, _("Created")),
            (LogEntry.Action.UPDATE, _("Changed")),
            (LogEntry.Action.DELETE, _("Deleted")),
        ],
    )
    date_from = forms.DateField(
        label=_("Date from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Date to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=MAX_TEXT,
        help_text=_("In the object's name or the values"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Anything")), *kinds()]

    def clean(self):
        data = super().clean()
        for name in ("actor", "q"):
            value = data.get(name) or ""
            if "\x00" in value:
                self.add_error(name, _("The text holds a character that cannot be searched."))
            data[name] = value.strip()
        start, end = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", start), ("date_to", end)):
            if day and not (1900 <= day.year <= 9000):
                self.add_error(name, _("Give a date between the years 1900 and 9000."))
                start = end = None
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict:
        """The selector's keyword arguments (only call after is_valid())."""
        return {
            k: self.cleaned_data.get(k)
            for k in ("actor", "kind", "action", "date_from", "date_to", "q")
        }
