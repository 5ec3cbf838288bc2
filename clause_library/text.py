"""Characters clause text may not hold, and how the renderers drop them.

Control characters (C0 but tab and line breaks, DEL, C1), the non-characters U+FFFE/U+FFFF and lone
surrogates have no place in a clause: XML (DOCX, XLSX, PDF metadata) cannot carry most of them, so one
stored in a shared library used to break every later document of every tender that pinned it. Writes
refuse them; the renderers strip any that an older version already holds.
"""

import re

FORBIDDEN_CHARACTERS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def first_forbidden_character(text):
    """The first forbidden character of a text (None when clean); non-text values are clean."""
    if not isinstance(text, str):
        return None
    match = FORBIDDEN_CHARACTERS_RE.search(text)
    return match.group(0) if match else None


def strip_forbidden_characters(text):
    """The text without the characters that documents cannot carry (non-text values unchanged)."""
    if not isinstance(text, str):
        return text
    return FORBIDDEN_CHARACTERS_RE.sub("", text)


def strip_forbidden_characters_deep(value):
    """The same cleaning through nested lists and dicts of plain data (a document being built)."""
    if isinstance(value, str):
        return strip_forbidden_characters(value)
    if isinstance(value, list):
        return [strip_forbidden_characters_deep(item) for item in value]
    if isinstance(value, tuple):
        return tuple(strip_forbidden_characters_deep(item) for item in value)
    if isinstance(value, dict):
        return {key: strip_forbidden_characters_deep(item) for key, item in value.items()}
    return value
