"""Which code builds each (kind, format) of document: filled by the apps that own the data.

The documents job looks the builder up here and never imports a domain app. An app registers its
builders in its `AppConfig.ready()`:

    registry.register("tender", "pdf", builders.tender_pdf)

A builder is `builder(document, progress) -> (content bytes, inputs digest or None)`. `progress(n)`
records 0–99 on the row; `progress.scaled(low, high)` maps a sub-step's 0–100 into that range.
It raises `documents.services.RenderError` with a message for the user when the document cannot
be made (no grid yet, …).
"""

_builders = {}
_stems = {}
_request_checks = {}


def register(kind, format, builder, *, stem=None):
    """Declare `builder` for documents of `kind` in `format` (once: a second registration is a bug).

    `stem` names the stored file (`<stem>.<format>`, also the download name's end); the kind by default.
    """
    key = (kind, format)
    if key in _builders and _builders[key] is not builder:
        raise ValueError(f"a builder is already registered for {key}")
    _builders[key] = builder
    if stem:
        _stems[kind] = stem


def builder_for(kind, format):
    """The registered builder, or None."""
    return _builders.get((kind, format))


def file_stem(kind):
    return _stems.get(kind, kind)


def registered():
    """The (kind, format) pairs that can be built, sorted."""
    return sorted(_builders)


def register_request_check(kind, check):
    """`check(tender)` runs when a document of `kind` is requested; it raises ApplicationError (a 400 or
    409 saying why) to refuse, e.g. letters while the evaluation's results are still provisional."""
    _request_checks[kind] = check


def check_request(kind, tender):
    check = _request_checks.get(kind)
    if check is not None:
        check(tender)
