from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ counts|get_item:value }}`: a dict lookup with a variable key."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def field_label(field):
    """A call field's label in the current language (casefields.label)."""
    from submissions import casefields

    return casefields.label(field)
