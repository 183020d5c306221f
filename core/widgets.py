"""Form widgets every app's forms use."""

from django import forms

#: A date and time typed in the browser's own picker (Beijing time, to the minute).
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that takes several files at once."""

    allow_multiple_selected = True
