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
import itertools
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

    rendered = sanitize(_render_links_with_markers_as_text(replace_placeholders(body, to_marker), token))

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


def _render_links_with_markers_as_text(source, token):
    """HTML of the Markdown, where a link whose target or title holds a placeholder is written as text.

    A value never becomes a link target (it would be a way to plant a URL through a parameter), and a marker
    inside an attribute would be filled with markup and break the tag (I3): `[portail]({{ url }})` shows
    as « portail ([url]) », the placeholder filled like any other text.
    """
    tokens_ = _md.parse(source)
    for block in tokens_:
        if block.type != "inline" or not block.children or token not in block.content:
            continue
        children, inside = [], []
        for child in block.children:
            if child.type == "link_open" and any(token in str(value) for value in (child.attrs or {}).values()):
                inside.append(child)
                continue
            if child.type == "link_close" and inside:  # links do not nest (CommonMark)
                opened = inside.pop()
                if opened.markup != "autolink":  # an autolink's text is its target already
                    children.append(_text_token(" (" + _md.normalizeLinkText(opened.attrGet("href") or "") + ")"))
                continue
            if child.type == "image" and any(token in str(value) for value in (child.attrs or {}).values()):
                children.append(_text_token(child.content or ""))
                continue
            children.append(child)
        block.children = children
    return _md.renderer.render(tokens_, _md.options, {})


def _text_token(content):
    from markdown_it.token import Token

    return Token("text", "", 0, content=content)


def _marker_token(body):
    """Letters only (Markdown and the sanitiser leave them alone), new for each render, not in the body."""
    while True:
        token = "zq" + "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(16)) + "q"
        if token not in body:
            return token


def fill_text(body, values, language="fr"):
    """The body's Markdown source with placeholders replaced by plain values (for DOCX/XLSX).

    A value standing in a link's target is escaped so that it stays inside it (the DOCX writer shows
    targets as text: « portail (value) »): a `)`, `]` or space in it cannot close the link early and
    turn the rest into stray Markdown (I3).
    """
    body = body or ""
    in_targets = _placeholders_in_link_targets(body)
    position = itertools.count()

    def fill(name):
        index = next(position)
        text = display_value(values[name], language) if name in values else f"[{name}]"
        return _escape_link_target(text) if index in in_targets else text

    return strip_forbidden_characters(replace_placeholders(body, fill))


def _placeholders_in_link_targets(body):
    """Positions (0, 1, … in order of appearance) of the placeholders that sit in a link's target or title."""
    if "{{" not in body or "](" not in body and "<" not in body and "]:" not in body:
        return set()
    token = _marker_token(body)
    counter = itertools.count()
    source = replace_placeholders(body, lambda name: f"{token}{next(counter)}{token}")
    found = set()
    for block in _md.parse(source):
        for child in block.children or []:
            if child.type in ("link_open", "image"):
                for value in (child.attrs or {}).values():
                    found.update(int(n) for n in re.findall(f"{token}(\\d+){token}", str(value)))
    return found


def _escape_link_target(text):
    escaped = re.sub(r"([\\()\[\]<>`*_\"'])", r"\\\1", text)
    return re.sub(r"\s", "%20", escaped)


def tokens(markdown_text):
    """markdown-it tokens for writers that build their own structure (DOCX)."""
    return _md.parse(markdown_text or "")
