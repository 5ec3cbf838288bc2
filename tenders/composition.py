"""The tender file composed from the tender, never from the library's keys (issue 22).

Pure functions, no database:

- `compose(markdown, articles, price_lines, language)`: a clause text's cross-references resolved
  against *this* tender. `{{ ref:<clause key> }}` prints "article N" when that clause is in the
  tender, `{{ price:<line code> }}` prints the price line's number ("n° 4", in a text that says « la ligne
  {{ price:code }} du bordereau des prix »). A reference whose target is absent cannot be printed: the smallest Markdown block holding
  it is left out — the list item, else the table row, else the paragraph (else the block, a heading
  or a table whose header holds it). Parameters (`{{ name }}`) stay for the filling that follows.
  Given the citing article's piece, an article of another piece is named with its piece
  ("article C5 du CCAP", "article 6.5 de l'annexe technique au CCTP").
- `leaks(text, terms)` and `Guard`: what a generated piece must never print — a library key or a
  parameter code. The rule that keeps ordinary words and FHIR vocabulary out of the alarms is
  explained at `code_like`.
"""

import re
from dataclasses import dataclass, field

from clause_library.markdown import tokens as markdown_tokens
from clause_library.parameters import iter_placeholders, reference_of

REFERENCE_WORDS = {
    # A price line prints as its number alone: the texts say « la ligne {{ price:code }} du bordereau des
    # prix » / "line {{ price:code }}", as they name a line in a sentence of their own.
    "fr": {"ref": "article {number}", "price": "n° {number}"},
    "en": {"ref": "article {number}", "price": "{number}"},
}


# An article cited from another piece names that piece: "article C5" alone, read in the CCTP's annex, does
# not tell the vendor where to look, and each piece is published as a file of its own. The prefix of an
# article number says its piece (tenders/pieces.py: C, R, P; digits for the annex).
PIECE_OF_PREFIX = {"C": "ccap", "R": "rc", "P": "price"}
PIECE_NAMES = {
    "fr": {
        "annex": "de l'annexe technique au CCTP",
        "ccap": "du CCAP",
        "rc": "du règlement de la consultation",
        "price": "du bordereau des prix",
    },
    "en": {
        "annex": "of the technical annex to the CCTP",
        "ccap": "of the CCAP",
        "rc": "of the consultation rules",
        "price": "of the price schedule",
    },
}


def piece_of_number(number):
    """The piece an article number belongs to: "annex" for "3.2", "ccap" for "C5"…"""
    return PIECE_OF_PREFIX.get(str(number)[:1], "annex")


def reference_text(kind, number, language="fr", piece=None):
    """How a resolved cross-reference prints, in the piece's language; `piece`: the citing article's piece
    (its destination), so that an article of another piece is named with it ("article C5 du CCAP")."""
    words = REFERENCE_WORDS.get(language) or REFERENCE_WORDS["fr"]
    text = words[kind].format(number=number)
    if kind == "ref" and piece is not None:
        citing = piece if piece in PIECE_OF_PREFIX.values() else "annex"  # any other destination: the annex
        cited = piece_of_number(number)
        if cited != citing:
            text = f"{text} {(PIECE_NAMES.get(language) or PIECE_NAMES['fr'])[cited]}"
    return text


def price_numbers(doc_price):
    """{line code: line number} from the price schedule's plain data (`doc["price"]`), empty when absent."""
    numbers = {}
    for line in (doc_price or {}).get("lines") or []:
        code, number = line.get("code"), line.get("number")
        if code and number not in (None, ""):
            numbers[str(code)] = str(number)
    return numbers


# Dropping blocks -----------------------------------------------------------------------------

# The kinds of block an unresolved reference takes with it, smallest first.
_DROP_ORDER = ("list_item_open", "tr_open", "paragraph_open")


def _block_to_drop(block_tokens, line):
    """(start, end) source lines of the smallest block holding `line` that the rule drops."""
    holding = [
        (index, token)
        for index, token in enumerate(block_tokens)
        if token.map and token.nesting == 1 and token.map[0] <= line < token.map[1]
    ]
    for kind in _DROP_ORDER:
        candidates = [(index, token) for index, token in holding if token.type == kind]
        if not candidates:
            continue
        index, token = min(candidates, key=lambda pair: pair[1].map[1] - pair[1].map[0])
        if kind == "tr_open" and _in_table_head(block_tokens, index):
            # A header row cannot go alone: the whole table goes.
            tables = [t for _i, t in holding if t.type == "table_open"]
            if tables:
                return tuple(min(tables, key=lambda t: t.map[1] - t.map[0]).map)
        return tuple(token.map)
    # A heading, or any other block with a source map: the smallest one holding the line.
    if holding:
        return tuple(min((t for _i, t in holding), key=lambda t: t.map[1] - t.map[0]).map)
    return (line, line + 1)


def _in_table_head(block_tokens, index):
    depth = 0
    for token in reversed(block_tokens[:index]):
        if token.type == "thead_close":
            return False
        if token.type == "thead_open":
            return depth == 0
        if token.type in ("tbody_open", "table_open"):
            return False
    return False


_ORDERED_MARKER = re.compile(r"^(\s*)(\d{1,9})([.)])")


def _renumber_ordered_lists(lines, dropped_ranges, block_tokens):
    """An ordered list whose first items were dropped keeps its first number (1., not 3.)."""
    lines = list(lines)
    for index, token in enumerate(block_tokens):
        if token.type != "ordered_list_open" or not token.map:
            continue
        items = [
            t
            for t in block_tokens[index + 1 :]
            if t.type == "list_item_open" and t.level == token.level + 1 and t.map
            if token.map[0] <= t.map[0] < token.map[1]
        ]
        if not items:
            continue
        first = _ORDERED_MARKER.match(lines[items[0].map[0]] or "")
        survivors = [item for item in items if not any(a <= item.map[0] < b for a, b in dropped_ranges)]
        if not first or not survivors or survivors[0] is items[0]:
            continue
        line = survivors[0].map[0]
        marker = _ORDERED_MARKER.match(lines[line])
        if marker:
            lines[line] = f"{marker.group(1)}{first.group(2)}{marker.group(3)}" + lines[line][marker.end() :]
    return lines


def compose(markdown, articles, price_lines=None, language="fr", piece=None):
    """The Markdown with `{{ ref:key }}` / `{{ price:code }}` resolved against the tender's maps
    (`articles`: {clause key: article number}; `price_lines`: {line code: line number}), and the
    smallest block holding an unresolvable one left out. Other placeholders are kept as they are.
    `piece`: the destination of the article the text belongs to; a cited article of another piece is
    printed with that piece's name (`reference_text`)."""
    text = (markdown or "").replace("\r\n", "\n").replace("\r", "\n")
    if "{{" not in text:
        return text
    targets = {"ref": articles or {}, "price": price_lines or {}}
    unresolved_lines = []
    for start, _end, name in iter_placeholders(text):
        reference = reference_of(name)
        if reference and str(reference[1]) not in targets[reference[0]]:
            unresolved_lines.append(text.count("\n", 0, start))
    if unresolved_lines:
        block_tokens = markdown_tokens(text)
        ranges = sorted({_block_to_drop(block_tokens, line) for line in unresolved_lines})
        lines = _renumber_ordered_lists(text.split("\n"), ranges, block_tokens)
        kept = [line for number, line in enumerate(lines) if not any(a <= number < b for a, b in ranges)]
        text = "\n".join(kept)
        text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")

    def replace(match_name):
        reference = reference_of(match_name)
        if reference is None:
            return None
        kind, target = reference
        number = targets[kind].get(str(target))
        # Cannot be absent (its block went above) unless it spanned lines in a way the map missed.
        return reference_text(kind, number, language, piece) if number is not None else ""

    parts, position = [], 0
    for start, end, name in iter_placeholders(text):
        replacement = replace(name)
        if replacement is None:
            continue
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


# The guard -----------------------------------------------------------------------------------

_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
# A token: a run of letters, digits, hyphens and underscores (Unicode letters included); a term is
# found when it *is* one of them, never inside a longer one ("ins" is not in "instance").
_TOKEN = re.compile(r"[\w-]+", re.UNICODE)


def code_like(term):
    """A term that cannot be an ordinary word: it holds a hyphen between letters, an underscore, a
    digit or an inner capital (`fhir-api-rest-r4`, `delai_jours`, `bulkIgVersion`).

    Such terms are searched as whole tokens in everything a piece prints (links left out: a URL may
    legitimately name a specification's path). A term made of letters only (a parameter named
    `terminologies`, a key `reversibilite`) reads as a plain word of the text: it is searched only
    in the forms a code takes — between backticks in the Markdown sources, or as a missing value's
    `[name]` marker — so an ordinary word never stops a piece.
    """
    return bool(re.search(r"[_\d]|\w-\w|[a-z][A-Z]", term))


def leaks(text, terms):
    """The code-like `terms` found as whole tokens in `text` (URLs ignored), in order of appearance."""
    if not text or not terms:
        return []
    text = _URL.sub(" ", text)
    found = []
    for match in _TOKEN.finditer(text):
        token = match.group(0).strip("-")
        # "fhir-api-rest-r4," is the key (punctuation ends a token); "fhir-api-rest-r4-bis" is not.
        if token in terms and token not in found:
            found.append(token)
    return found


def marked_leaks(text, words):
    """Plain-word `words` written as codes: `` `word` `` (Markdown) or `[word]` (a missing value)."""
    if not text or not words:
        return []
    found = []
    for match in re.finditer(r"`\s*([\w-]+)\s*`|\[([\w-]+)\]|\{\{\s*([\w-]+)\s*\}\}", text):
        word = match.group(1) or match.group(2) or match.group(3)
        if word in words and word not in found:
            found.append(word)
    return found


@dataclass
class Guard:
    """The library keys and parameter names a tender's pieces must not print.

    `keys`: every clause key of the libraries the tender's clauses come from; `parameters`: every
    parameter name its clauses declare. Code-like ones are looked for in the printed text; plain
    words only in their code forms (`code_like`).
    """

    keys: frozenset = field(default_factory=frozenset)
    parameters: frozenset = field(default_factory=frozenset)

    @classmethod
    def from_doc(cls, doc):
        guard = doc.get("guard") or {}
        return cls(frozenset(guard.get("keys") or ()), frozenset(guard.get("parameters") or ()))

    @property
    def code_terms(self):
        return frozenset(term for term in self.keys | self.parameters if code_like(term))

    @property
    def word_terms(self):
        return frozenset(term for term in self.keys | self.parameters if not code_like(term))

    def find(self, text, *, sources=""):
        """Terms of the printed `text` (and of the Markdown `sources` for plain words), in order."""
        found = leaks(text, self.code_terms)
        for word in marked_leaks(sources, self.word_terms) + marked_leaks(text, self.word_terms):
            if word not in found:
                found.append(word)
        return found

    def kind_of(self, term):
        return "key" if term in self.keys else "parameter"


_ARTICLE_HEADING = re.compile(r"\b(?:Article|article)\s+([A-Z]?\d+(?:\.\d+)*)\b")


def article_before(text, position):
    """The last "Article N" printed before `position` in a piece's text (None when there is none)."""
    number = None
    for match in _ARTICLE_HEADING.finditer(text, 0, position):
        number = match.group(1)
    return number


def locate(text, term):
    """Where a term first stands as a token of `text` (URLs blanked), -1 when only in a code form."""
    blanked = _URL.sub(lambda m: " " * len(m.group(0)), text or "")
    match = re.search(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", blanked)
    return match.start() if match else -1


# Annexes of the CCAP shipped as their own file -------------------------------------------------

# A CCAP clause tagged `piece:ccap-annex-gdpr` is printed as the CCAP's GDPR annex (« Annexe RGPD au
# CCAP », its own PDF and DOCX in the file), the CCAP's article pointing to it. The default library's
# data-processing clause is recognised by its key too, until the library carries the tag.
GDPR_ANNEX_TAG = "piece:ccap-annex-gdpr"
GDPR_ANNEX_KEYS = frozenset({"gdpr-processor-terms"})


def ccap_annex(key, tags, destination):
    """ "gdpr" when a CCAP clause is printed as the CCAP's GDPR annex, "" otherwise."""
    if destination != "ccap":
        return ""
    return "gdpr" if GDPR_ANNEX_TAG in (tags or []) or key in GDPR_ANNEX_KEYS else ""


# Values that list clauses ----------------------------------------------------------------------

_LIST_SEPARATOR = re.compile(r"\s*(?:[,;]|\bet\b|\band\b)\s*")


def filter_clause_list(value, articles, library_keys, language="fr"):
    """A text value that is a list of clause keys ("`a`, `b` et `c`"), filtered by the tender: the
    clauses it holds become "article N", the others are left out. Any other value is returned as is
    (a key quoted in a sentence is the cross-reference rules' business, and the guard's)."""
    if not value or not library_keys:
        return value
    items = [item.strip().strip("`").strip() for item in _LIST_SEPARATOR.split(value.strip().rstrip("."))]
    items = [item for item in items if item]
    if not items or not all(item in library_keys for item in items):
        return value
    kept = [reference_text("ref", articles[item], language) for item in items if item in articles]
    return ", ".join(kept)
