"""How deep a JSON document nests, measured without recursion (F12).

A body of 10,000 nested lists is a few kilobytes; parsing it, copying it, or writing it to an audit trail
recurses once per level and ends in a RecursionError (a 500). Every JSON input is measured first, on its
text (before any parser runs) or on the parsed value, and refused past MAX_DEPTH levels with a 400 naming
the field. No document of ours comes near: a library file nests about 6 levels.
"""

import json
import re

from django.utils.translation import gettext as _

MAX_DEPTH = 32


def too_deep_message():
    return _("JSON imbriqué trop profondément : %(limit)s niveaux au plus.") % {"limit": MAX_DEPTH}


# Strings (escapes included) and brackets: everything that can change the depth, or hide a bracket.
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def text_too_deep(text, limit=MAX_DEPTH):
    """None if the JSON text nests at most `limit` levels, else the top-level key holding the deep part
    ("" when the top level is not an object or no key was seen)."""
    depth = 0
    key = ""
    top_is_object = text.lstrip()[:1] == "{"
    previous_string = None  # in valid JSON, the string right before a value's bracket is its key
    for match in _STRUCTURE.finditer(text):
        token = match.group(0)
        if token[0] == '"':
            previous_string = token
            continue
        if token in "[{":
            if depth == 1 and top_is_object and previous_string is not None:
                key = _unquote(previous_string)
            depth += 1
            if depth > limit:
                return key
        else:
            depth -= 1
        previous_string = None
    return None


def _unquote(quoted):
    try:
        return str(json.loads(quoted))[:100]
    except ValueError:
        return quoted[1:-1][:100]


def value_too_deep(value, limit=MAX_DEPTH):
    """True when a parsed value (dicts and lists) nests more than `limit` levels."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
