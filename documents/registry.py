"""Which code builds each (kind, format) of document: filled by the apps that own the data.

The documents job looks the builder up here and never imports a domain app. An app registers its
builders in its `AppConfig.ready()`:

    registry.register("tender", "pdf", builders.tender_pdf)

A builder is `builder(document, progress) -> (content bytes, inputs digest or None)`. `progress(n)`
records 0–99 on the row; `progress.scaled(low, high)` maps a sub-step's 0–100 into that range.
It raises `documents.services.RenderError` with a message for the user when the document cannot
be made (no grid yet, …).

Who may read a kind: every member of the tender's organisation by default; a kind that carries
prices or others' scores (the evaluation report, rejection letters) gets a rule from the app that
knows the evaluation (`set_reader_rule(kind, rule)`, `rule(user, tender) -> bool`). Lists leave out
what the user may not read, detail and download answer 404, and requests are refused.

What a kind is made from besides the tender: a kind whose file also shows data a higher app keeps (the
evaluation, for the report and the letters) names, with `set_source_version(kind, source, note)`, how to
read that data's version: `source(tender_id)` gives an ORM expression (a subquery) of a number that only
grows when the data changes — scoring gives the id of the tender's latest audit event, so no write has to
lock anything more to keep it.
The document keeps its value when asked for and is stale once the counter has moved on (docs/RENDERING.md,
"Stale documents"); a kind without one depends on the tender only.
"""

_builders = {}
_stems = {}
_request_checks = {}
_reader_rules = {}
_source_versions = {}


def register(kind, format, builder, *, stem=None, may_read=None):
    """Declare `builder` for documents of `kind` in `format` (once: a second registration is a bug).

    `stem` names the stored file (`<stem>.<format>`, also the download name's end); the kind by default.
    `may_read`, if given, is the kind's reader rule (see `set_reader_rule`).
    """
    key = (kind, format)
    if key in _builders and _builders[key] is not builder:
        raise ValueError(f"a builder is already registered for {key}")
    _builders[key] = builder
    if stem:
        _stems[kind] = stem
    if may_read is not None:
        set_reader_rule(kind, may_read)


def set_reader_rule(kind, rule):
    """Only users for whom `rule(user, tender)` is true may see or fetch documents of `kind`.

    A kind may be given a rule before its builder exists (another app registers it later); one rule
    per kind: a second, different one is a bug.
    """
    if kind in _reader_rules and _reader_rules[kind] is not rule:
        raise ValueError(f"a reader rule is already set for {kind!r}")
    _reader_rules[kind] = rule


def reader_rules():
    """{kind: rule} of the kinds not every member may read."""
    return dict(_reader_rules)


def may_read(user, kind, tender):
    """Whether `user` (already a member of the tender's organisation) may read documents of `kind`."""
    rule = _reader_rules.get(kind)
    return rule is None or bool(rule(user, tender))


def hidden_kinds(user, tender):
    """The kinds `user` may not read on `tender` (one call of each rule, whatever the number of documents)."""
    return {kind for kind, rule in _reader_rules.items() if not rule(user, tender)}


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


def set_source_version(kind, source, note):
    """Documents of `kind` also depend on the version `source(tender_id)` reads (an expression; None reads
    0); `note` (lazy text) tells the reader what changed when that version moved on."""
    if kind in _source_versions and _source_versions[kind][0] != source:
        raise ValueError(f"a source version is already set for {kind!r}")
    _source_versions[kind] = (source, note)


def source_lookup(kind):
    """The kind's version source (`source(tender_id) -> expression`), or None (the kind depends on the
    tender only)."""
    source = _source_versions.get(kind)
    return source[0] if source else None


def source_note(kind):
    source = _source_versions.get(kind)
    return source[1] if source else ""


def source_lookups():
    """{source: [kinds]}: one entry per version source, however many kinds read it."""
    lookups = {}
    for kind, (lookup, _note) in sorted(_source_versions.items()):
        lookups.setdefault(lookup, []).append(kind)
    return lookups
