"""Template filters for clause pages."""

from django import template

register = template.Library()

# Tags the library uses for itself (coverage topics): meaningful to its curators, noise to buyers.
INTERNAL_TAG_PREFIXES = ("covers:",)


@register.filter
def visible_tags(tags, can_edit=False):
    """The tags a reader is shown: all of them to the library's editors, the internal ones hidden otherwise.

    Usage: `{% for tag in version.tags|visible_tags:can_edit %}`.
    """
    tags = list(tags or [])
    if can_edit:
        return tags
    return [tag for tag in tags if not str(tag).startswith(INTERNAL_TAG_PREFIXES)]
