"""Form fields every app uses where Django's own would let hostile input reach the database.

- `PortalDateTimeField`: a date and time between the years MIN_YEAR and MAX_YEAR. Far years
  (0001, 9999) parse, then overflow when converted between Beijing time and UTC.
- `IdChoiceField` / `IdMultipleChoiceField`: model choices whose submitted ids must be plain
  ASCII digits that fit a database integer. Django's multiple choice field passes
  "99999999999999999999" to an ``__in`` lookup, which SQLite refuses with OverflowError.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .params import id_param
from .uploads import name_check

MIN_YEAR, MAX_YEAR = 2000, 2099


class PortalDateTimeField(forms.DateTimeField):
    default_error_messages = {
        "year": _("Enter a date between the years %(min)d and %(max)d."),
    }

    def _year_check(self, value):
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(
                self.error_messages["year"], code="year", params={"min": MIN_YEAR, "max": MAX_YEAR}
            )
        return value

    def to_python(self, value):
        if isinstance(value, str):
            if len(value) > 64:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            try:  # the year is checked before the conversion to UTC, which far years overflow
                self._year_check(parse_datetime(value.strip()))
            except ValueError:
                pass
        return self._year_check(super().to_python(value))

    def strptime(self, value, format):
        return self._year_check(super().strptime(value, format))


def _id_ok(field, value) -> bool:
    return field.to_field_name is not None or id_param(value) is not None


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, self.queryset.model) and not _id_ok(self, value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if not _id_ok(self, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super()._check_values(value)


class UploadField(forms.FileField):
    """A file upload whose errors say what to do and name the file. A file part whose name is
    unusable (only dots, slashes) is dropped by Django's parser before the form sees it: the
    "required" message says so. A name with an extension a browser opens as a page or script
    after its first dot ("photo.jpg.html") is refused (core.uploads.name_check)."""

    default_error_messages = {
        "required": _(
            "No file was received. Choose the file again; if its name is only dots "
            "or slashes, rename it first."
        ),
        "empty": _("“%(name)s” is empty (0 bytes)."),
    }

    def to_python(self, data):
        name = getattr(data, "name", None)
        if name and not self.allow_empty_file and getattr(data, "size", None) == 0:
            # Django's own message does not say which file; with several uploads on a page,
            # the person must know which one to choose again.
            raise ValidationError(self.error_messages["empty"], code="empty", params={"name": name})
        data = super().to_python(data)
        if data is not None:
            name_check(data.name)
        return data


def bound_upload(request):
    """(data, files) for a form with uploads: bound on every POST. ``request.POST or None``
    leaves the form unbound when a POST carries only a file that the parser dropped, and the
    page then says nothing."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None
