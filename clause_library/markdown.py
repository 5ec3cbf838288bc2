"""Clause text to safe HTML and to plain text, with placeholders filled.

The body is Markdown written by curators and is untrusted: raw HTML in it is escaped by
the Markdown parser, the output goes through nh3 (an allow-list sanitiser), and
placeholders are swapped for *escaped* values after rendering, so a value can never turn
into markup or Markdown. No template engine ever sees the text.
"""

import html
import re

import nh3
from markdown_it import MarkdownIt

from .parameters import PLACEHOLDER_RE, display_value

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_SENTINEL = "zqxclausierparam{}zqx"
_SENTINEL_RE = re.compile(r"zqxclausierparam(\d+)zqx")

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
    names = []

    def to_sentinel(match):
        names.append(match.group(1))
        return _SENTINEL.format(len(names) - 1)

    marked = PLACEHOLDER_RE.sub(to_sentinel, body or "")
    rendered = sanitize(_md.render(marked))

    def fill(match):
        name = names[int(match.group(1))]
        if name in values:
            return '<span class="param">' + html.escape(display_value(values[name], language)) + "</span>"
        return '<span class="param-missing">[' + html.escape(name) + "]</span>"

    return _SENTINEL_RE.sub(fill, rendered)


def fill_text(body, values, language="fr"):
    """The body's Markdown source with placeholders replaced by plain values (for DOCX/XLSX)."""

    def fill(match):
        name = match.group(1)
        return display_value(values[name], language) if name in values else f"[{name}]"

    return PLACEHOLDER_RE.sub(fill, body or "")


def tokens(markdown_text):
    """markdown-it tokens for writers that build their own structure (DOCX)."""
    return _md.parse(markdown_text or "")
