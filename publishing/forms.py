from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields import IdChoiceField, PortalDateTimeField
from core.widgets import DATETIME_WIDGET
from submissions.models import Call, Case

from .models import Feature, Installment, Series


class SeriesDraftForm(forms.Form):
    title = forms.CharField(label=_("Series title"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name (for addresses)"),
        max_length=80,
        help_text=_("Letters, digits and hyphens; the series address is /series/<short name>/."),
    )
    host_line = forms.CharField(
        label=_("Host line"),
        max_length=200,
        required=False,
        help_text=_("Printed after “主办：”, for example: 某区委宣传部 某区文明办"),
    )
    per_installment = forms.IntegerField(
        label=_("Cases per installment"), min_value=1, max_value=50, initial=5
    )
    by_category = forms.ChoiceField(
        label=_("Order of the cases"),
        choices=[
            ("together", _("All categories together: 十佳 by rank, then 优秀 by rank")),
            ("category", _("Category by category: one group of installments per category")),
        ],
        initial="together",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, call: Call | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if call is None or not call.categories.exists():
            del self.fields["by_category"]  # offered only when the call has categories

    def clean_by_category(self) -> bool:
        return self.cleaned_data.get("by_category") == "category"

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Series.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("This short name is already taken."))
        return slug


class SeriesForm(forms.ModelForm):
    class Meta:
        model = Series
        fields = ["title", "host_line", "print_min_long_side", "print_max_body_chars"]


class InstallmentForm(forms.ModelForm):
    class Meta:
        model = Installment
        fields = ["headline", "editors_note", "byline", "publish_at"]
        widgets = {
            "editors_note": forms.Textarea(attrs={"rows": 4}),
            "publish_at": DATETIME_WIDGET,
        }
        field_classes = {"publish_at": PortalDateTimeField}


class FeatureForm(forms.ModelForm):
    class Meta:
        model = Feature
        fields = ["title", "unit_line", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16})}

    def __init__(self, *args, char_limit: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs.update({"data-char-limit": char_limit})
        self.fields["body"].help_text = _(
            "Print allows %(max)d characters (spaces and line breaks are not counted). One "
            "paragraph per line."
        ) % {"max": char_limit}


class PhotoRowForm(forms.Form):
    """One photo of the case: shown or not, its place and its caption."""

    photo = forms.IntegerField(widget=forms.HiddenInput)
    include = forms.BooleanField(
        label=_("Show"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    position = forms.IntegerField(
        label=_("Order"),
        min_value=1,
        max_value=99,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )
    caption = forms.CharField(
        label=_("Caption"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


PhotoRowFormSet = forms.formset_factory(PhotoRowForm, extra=0)


class FeatureAddForm(forms.Form):
    case = IdChoiceField(
        label=_("Case"),
        queryset=Case.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = self._label

    @staticmethod
    def _label(case):
        award = getattr(case, "award", None)
        prefix = f"{award.get_level_display()} {award.rank} · " if award else ""
        return f"{prefix}{case.title} — {case.unit.name}"


class FeatureMoveForm(forms.Form):
    installment = IdChoiceField(label=_("Move to installment"), queryset=Installment.objects.none())

    def __init__(self, *args, series, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installment"].queryset = series.installments.select_related("series")
        self.fields["installment"].label_from_instance = lambda i: f"({i.numeral})"
