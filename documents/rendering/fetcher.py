"""Which URLs the PDF renderer may load: our own static files, by one fixed URL scheme, nothing else.

Print HTML refers to its stylesheet (and any image or font we ship) as
``clausier-static:///css/print.css``. `resolve_static_url` maps such a URL to a file found by
Django's static file finders (STATICFILES_DIRS and the apps' ``static/`` folders) and refuses
everything else: ``file:``, ``http(s):``, ``data:``, relative URLs, path traversal, symlinks
leading outside the static roots, and file types we never ship. It is pure Python so it is tested
without WeasyPrint; `documents.rendering.pdf` wraps it in WeasyPrint's URL fetcher class.
"""

import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation

STATIC_SCHEME = "clausier-static"
STATIC_URL_PREFIX = f"{STATIC_SCHEME}:///"

# Only what a print stylesheet needs. No SVG: it can itself reference other resources.
ALLOWED_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
MAX_STATIC_BYTES = 5 * 1024 * 1024


class RefusedURL(ValueError):
    """The renderer asked for a URL it may not load."""


def static_print_url(path):
    """The URL print HTML uses for one of our static files, e.g. ``css/print.css``."""
    return STATIC_URL_PREFIX + path.lstrip("/")


def _static_roots():
    """Every folder the static file finders serve from (STATICFILES_DIRS and apps' static/)."""
    roots = set()
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            roots.add(Path(storage.location).resolve())
    return roots


def resolve_static_url(url):
    """The file and MIME type behind one of our static URLs; `RefusedURL` for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise RefusedURL(f"URL illisible : {url!r}")
    if parts.scheme.lower() != STATIC_SCHEME or parts.netloc or parts.query or parts.fragment:
        raise RefusedURL(f"URL refusée : {url!r}")
    relative = unquote(parts.path).lstrip("/")
    normalised = posixpath.normpath(relative)
    if (
        not relative
        or "\\" in relative
        or "\x00" in relative
        or normalised != relative
        or normalised.startswith("..")
        or posixpath.isabs(normalised)
    ):
        raise RefusedURL(f"Chemin refusé : {url!r}")
    suffix = posixpath.splitext(normalised)[1].lower()
    if suffix not in ALLOWED_TYPES:
        raise RefusedURL(f"Type de fichier refusé : {url!r}")
    try:
        found = finders.find(normalised)
    except SuspiciousFileOperation:
        found = None
    if not found:
        raise RefusedURL(f"Fichier statique introuvable : {url!r}")
    path = Path(found).resolve()
    if not any(path.is_relative_to(root) for root in _static_roots()) or not path.is_file():
        raise RefusedURL(f"Fichier hors des dossiers statiques : {url!r}")
    if path.stat().st_size > MAX_STATIC_BYTES:
        raise RefusedURL(f"Fichier statique trop gros : {url!r}")
    return path, ALLOWED_TYPES[suffix]
