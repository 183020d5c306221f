"""Turn validation errors into page messages, the same way on every page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def flash_form_errors(request, form, *, labels: bool = True) -> None:
    """Every form error as a message, prefixed with its field's label unless labels=False."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if labels and name in form.fields else ""
        for message in errors:
            messages.error(
                request,
                _("%(label)s: %(message)s") % {"label": label, "message": message}
                if label
                else message,
            )
