"""Clause text to safe HTML and to plain text, with placeholders filled.

The body is Markdown written by curators and is untrusted: raw HTML in it is escaped by
the Markdown parser, the output goes through nh3 (an allow-list sanitiser), and
placeholders are swapped for *escaped* values after rendering, so a value can never turn
into markup or Markdown. No template engine ever sees the text.

While the Markdown is rendered, each placeholder stands as a marker made of a random token drawn
for that render (and absent from the body), so a body cannot forge a marker: a fixed marker written
into a clause used to crash every page showing it (issue 18, finding 5).
"""

import html
import re
import secrets

import nh3
from markdown_it import MarkdownIt

from .parameters import display_value, replace_placeholders
from .text import strip_forbidden_characters

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}, "ol": {"start"}, "th": {"scope"}}


def sanitize(html_text):
    return nh3.clean(
        html_text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_html(body, values, language="fr"):
    """Sanitised HTML of a clause body; missing values show as a visible `[name]` marker."""
    body = strip_forbidden_characters(body or "")
    token = _marker_token(body)
    names = []

    def to_marker(name):
        names.append(name)
        return f"{token}{len(names) - 1}{token}"

    rendered = sanitize(_md.render(replace_placeholders(body, to_marker)))

    def fill(match):
        index = int(match.group(1))
        if index >= len(names):  # cannot come from the body (the token is fresh), but never crash on it
            return match.group(0)
        name = names[index]
        if name in values:
            return '<span class="param">' + html.escape(display_value(values[name], language)) + "</span>"
        return '<span class="param-missing">[' + html.escape(name) + "]</span>"

    filled = re.sub(f"{token}(\\d+){token}", fill, rendered) if names else rendered
    return strip_forbidden_characters(filled)  # a value may carry some too


def _marker_token(body):
    """Letters only (Markdown and the sanitiser leave them alone), new for each render, not in the body."""
    while True:
        token = "zq" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(16)) + "q"
        if token not in body:
            return token


def fill_text(body, values, language="fr"):
    """The body's Markdown source with placeholders replaced by plain values (for DOCX/XLSX)."""

    def fill(name):
        return display_value(values[name], language) if name in values else f"[{name}]"

    return strip_forbidden_characters(replace_placeholders(body or "", fill))


def tokens(markdown_text):
    """markdown-it tokens for writers that build their own structure (DOCX)."""
    return _md.parse(markdown_text or "")
