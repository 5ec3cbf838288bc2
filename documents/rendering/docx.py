"""TenderDocument → Word (.docx). The only module of the project that imports python-docx.

Word styles are real styles of python-docx's default template (Title, Subtitle, Heading 1–4,
List Bullet, List Number, Quote, TOC Heading, Table Grid…), so a buyer can paste the text into a
CCTP and rebuild the table of contents in Word. `STYLES_USED` lists them; a test checks that the
base document defines every one (a missing style would raise KeyError at render time).

`DocxBuilder` holds the generic pieces (headings, paragraphs from Markdown tokens, tables with a
repeated header row, fields, header/footer, deterministic bytes) for other documents such as the
evaluation report; `render_tender_docx` and `render_questionnaire_docx` only arrange them.
"""

import datetime
import io
import re
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from docx.text.run import Run

from clause_library.markdown import tokens as markdown_tokens
from organizations.formatting import format_date_words, to_date

from . import answer_form
from .archive import normalize_zip
from .html import (
    derogations,
    derogations_article_number,
    gdpr_annex_articles,
    piece_articles,
    piece_title,
    rc_criteria,
    with_defaults,
)
from .preamble import annex_preamble

STYLES_USED = (
    "Normal",
    "Title",
    "Subtitle",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "Heading 4",
    "TOC Heading",
    "List Bullet",
    "List Bullet 2",
    "List Bullet 3",
    "List Number",
    "List Number 2",
    "List Number 3",
    "List Continue",
    "Quote",
    "No Spacing",
    "Table Grid",
    "Header",
    "Footer",
    "Caption",
)
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
# Page estimate for the table of contents' cached numbers (Word and LibreOffice recompute them when
# fields are updated): lines of body text per page, characters per line, TOC entries per page.
LINES_PER_PAGE = 46
CHARACTERS_PER_LINE = 95
TOC_ENTRIES_PER_PAGE = 38
MONO_FONT = "DejaVu Sans Mono"
# CT_Settings children that must come after w:updateFields (ECMA-376 element order).
_SETTINGS_AFTER_UPDATE_FIELDS = {
    "hdrShapeDefaults",
    "footnotePr",
    "endnotePr",
    "compat",
    "docVars",
    "rsids",
    "mathPr",
    "attachedSchema",
    "themeFontLang",
    "clrSchemeMapping",
    "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures",
    "forceUpgrade",
    "captions",
    "readModeInkLockDown",
    "smartTagType",
    "schemaLibrary",
    "shapeDefaults",
    "doNotEmbedSmartTags",
    "decimalSymbol",
    "listSeparator",
}


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value):
    """Text safe inside a WordprocessingML element (escaped, no characters XML forbids)."""
    return escape(_XML_INVALID.sub("", "" if value is None else str(value)))


def _cell_xml(text, width, *, bold=False, fill=None, color=None, indent=0):
    cell_properties = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if fill:
        cell_properties += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
    paragraph_properties = '<w:spacing w:after="0"/>' + (f'<w:ind w:left="{indent}"/>' if indent else "")
    run_properties = (
        ("<w:b/>" if bold else "") + (f'<w:color w:val="{color}"/>' if color else "") + '<w:sz w:val="18"/>'
    )
    return (
        f"<w:tc><w:tcPr>{cell_properties}</w:tcPr><w:p><w:pPr>{paragraph_properties}</w:pPr>"
        f'<w:r><w:rPr>{run_properties}</w:rPr><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r></w:p></w:tc>'
    )


def _local_name(element):
    return element.tag.rsplit("}", 1)[-1]


class DocxBuilder:
    """A Word document built from plain values. Call `to_bytes()` at the end.

    `date` (ISO) fixes the core properties' dates and the ZIP entries' timestamps so the same
    input gives the same bytes.
    """

    def __init__(self, *, title, author, date, language="fr", landscape=False):
        self.document = Document()
        self.date = date
        self.language = language
        self._setup_page(landscape)
        self._setup_styles()
        # python-docx resolves a style name by scanning every style on each call; resolve once.
        self._style_ids = {style.name: style.style_id for style in self.document.styles}
        self._list_abstracts = {}
        # Table of contents: the headings written (level, text, bookmark, estimated page) and where
        # the TOC goes; it is filled in `to_bytes`, once every heading is known.
        self._headings = []
        self._toc = None
        self._page = 1
        self._lines = 0
        moment = datetime.datetime.combine(to_date(date), datetime.time(0, 0))
        properties = self.document.core_properties
        properties.title = title
        properties.author = author
        properties.last_modified_by = author
        properties.created = moment
        properties.modified = moment
        properties.last_printed = moment
        properties.revision = 1
        properties.language = language
        properties.comments = ""

    # Page and styles ------------------------------------------------------------------------

    def _setup_page(self, landscape):
        section = self.document.sections[0]
        width, height = Cm(21), Cm(29.7)
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            width, height = height, width
        section.page_width, section.page_height = width, height
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin, section.bottom_margin = Cm(2.2), Cm(2)
        section.header_distance = section.footer_distance = Cm(1)
        self.usable_width = width - section.left_margin - section.right_margin

    def _setup_styles(self):
        styles = self.document.styles
        normal = styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(10.5)
        normal.paragraph_format.space_after = Pt(4)
        for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "TOC Heading"):
            styles[name].font.color.rgb = ACCENT
        for name in ("Heading 1", "Heading 2"):
            styles[name].paragraph_format.keep_with_next = True
        # Word's built-in "toc 1…3" styles (absent from python-docx's base document): indented
        # entries with a dotted right tab to the page number.
        for level in (1, 2, 3):
            style = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
            style.element.set(qn("w:styleId"), f"TOC{level}")
            style.base_style = styles["Normal"]
            style.paragraph_format.left_indent = Cm(0.5 * (level - 1))
            style.paragraph_format.space_after = Pt(2)
            tab = parse_xml(
                f'<w:tabs {nsdecls("w")}><w:tab w:val="right" w:leader="dot" w:pos="{int(self.usable_width / 635)}"/></w:tabs>'
            )
            style.element.get_or_add_pPr().append(tab)

    # Blocks ---------------------------------------------------------------------------------

    def add_paragraph(self, style=None):
        """An empty paragraph with a style given by name (resolved through the cache)."""
        paragraph = self.document.add_paragraph()
        if style:
            paragraph._p.style = self._style_ids[style]
        self._advance(1)
        return paragraph

    def add_run(self, paragraph, text="", *, bold=False, italic=False):
        """A run with text; faster than python-docx's `add_run(text)` which clears the run first."""
        r = paragraph._p.add_r()
        if text:
            r.add_t(text)
            self._advance(len(text) // CHARACTERS_PER_LINE)
        run = Run(r, paragraph)
        if bold:
            run.bold = True
        if italic:
            run.italic = True
        return run

    def _advance(self, lines):
        """Count `lines` of text towards the page estimate."""
        self._lines += lines
        while self._lines >= LINES_PER_PAGE:
            self._page += 1
            self._lines -= LINES_PER_PAGE

    def _new_page(self):
        self._page += 1
        self._lines = 0

    def heading(self, text, level, *, page_break_before=False):
        """A heading; levels 1–4 carry a bookmark that the table of contents links to."""
        if page_break_before:
            self._new_page()
        paragraph = self.add_paragraph("Title" if level == 0 else f"Heading {level}")
        if level >= 1:
            bookmark = f"_Toc{len(self._headings) + 1:08d}"
            identifier = str(len(self._headings) + 1)
            start = OxmlElement("w:bookmarkStart")
            start.set(qn("w:id"), identifier)
            start.set(qn("w:name"), bookmark)
            paragraph._p.append(start)
            self.add_run(paragraph, text)
            end = OxmlElement("w:bookmarkEnd")
            end.set(qn("w:id"), identifier)
            paragraph._p.append(end)
            self._headings.append((level, text, bookmark, self._page))
        else:
            self.add_run(paragraph, text)
        if page_break_before:
            paragraph.paragraph_format.page_break_before = True
        return paragraph

    def paragraph(self, text="", style=None, *, bold=False, italic=False, label=None):
        """A paragraph; `label` is a bold lead-in (``"Question : "``) before `text`."""
        paragraph = self.add_paragraph(style)
        if label:
            self.add_run(paragraph, label, bold=True)
        if text:
            self.add_run(paragraph, text, bold=bold, italic=italic)
        return paragraph

    def page_break(self):
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        self._new_page()

    def add_field(self, paragraph, instruction, placeholder=""):
        """A Word field (PAGE, NUMPAGES, TOC…) as raw w:fldChar / w:instrText runs."""

        def field_char(kind):
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            if kind == "begin":
                char.set(qn("w:dirty"), "true")  # ask Word to recompute it
            paragraph.add_run()._r.append(char)

        field_char("begin")
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = f" {instruction} "
        paragraph.add_run()._r.append(instr)
        field_char("separate")
        paragraph.add_run(placeholder)
        field_char("end")
        return paragraph

    def table_of_contents(self, title, levels="1-2"):
        """A TOC field filled at generation: one entry per heading of `levels` (written later, so
        the entries are added by `to_bytes`), each a hyperlink to the heading's bookmark with a
        PAGEREF field whose cached page number is estimated. Word and LibreOffice recompute the
        numbers when fields are updated (the file asks them to on open); the entries are there
        without it.
        """
        self.add_run(self.add_paragraph("TOC Heading"), title)
        first, last = (int(part) for part in levels.split("-"))
        self._toc = {"anchor": self.add_paragraph(), "levels": (first, last), "instruction": levels, "page": self._page}
        settings = self.document.settings.element
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        following = next((child for child in settings if _local_name(child) in _SETTINGS_AFTER_UPDATE_FIELDS), None)
        if following is not None:
            following.addprevious(update)
        else:
            settings.append(update)

    def _fill_table_of_contents(self):
        """Write the TOC field's entries where `table_of_contents` left its anchor paragraph."""
        toc = self._toc
        first, last = toc["levels"]
        entries = [entry for entry in self._headings if first <= entry[0] <= last]
        # The TOC's own pages push the headings after it.
        extra_pages = max(0, -(-len(entries) // TOC_ENTRIES_PER_PAGE) - 1)
        begin = (
            '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> TOC \\o "{toc["instruction"]}" \\h \\z \\u </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        )
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        anchor = toc["anchor"]._p
        if not entries:
            placeholder = xml_text(gettext("Mettez à jour les champs (F9) pour afficher la table des matières."))
            anchor.addnext(
                parse_xml(
                    f'<w:p {nsdecls("w")}>{begin}<w:r><w:t xml:space="preserve">{placeholder}</w:t></w:r>{end}</w:p>'
                )
            )
            anchor.getparent().remove(anchor)
            return
        paragraphs = []
        for index, (level, text, bookmark, page) in enumerate(entries):
            page = page + extra_pages if page > toc["page"] else page
            paragraphs.append(
                f'<w:p {nsdecls("w")}><w:pPr><w:pStyle w:val="TOC{min(level, 3)}"/></w:pPr>'
                + (begin if index == 0 else "")
                + f'<w:hyperlink w:anchor="{bookmark}" w:history="1">'
                f'<w:r><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r><w:r><w:tab/></w:r>'
                '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                f'<w:r><w:instrText xml:space="preserve"> PAGEREF {bookmark} \\h </w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                f"<w:r><w:t>{page}</w:t></w:r>"
                '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink>'
                + (end if index == len(entries) - 1 else "")
                + "</w:p>"
            )
        previous = anchor
        for xml in paragraphs:
            element = parse_xml(xml)
            previous.addnext(element)
            previous = element
        anchor.getparent().remove(anchor)

    def header_footer(self, header_text):
        """Running header text and a ``Page X / Y`` footer on every page but the cover."""
        section = self.document.sections[0]
        section.different_first_page_header_footer = True
        header = section.header.paragraphs[0]
        header.text = header_text
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for run in header.runs:
            run.font.size = Pt(8.5)
            run.font.color.rgb = ACCENT
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        footer.add_run(gettext("Page") + " ")
        self.add_field(footer, "PAGE", "1")
        footer.add_run(" / ")
        self.add_field(footer, "NUMPAGES", "1")
        for run in footer.runs:
            run.font.size = Pt(8.5)

    def table(
        self, header, rows, *, widths=None, style="Table Grid", indents=None, bold_rows=None, min_row_height=None
    ):
        """A table whose first row is a header repeated on each page. `widths` are fractions of
        the usable width; `indents[i]` indents row i's second cell (tree levels); rows whose index
        is in `bold_rows` are bold; `min_row_height` (a docx Length) leaves room to write.

        Built as one XML string and parsed once: python-docx's cell-by-cell API costs ~1 ms per
        cell, which made a 100-article tender take over a second.
        """
        columns = len(header)
        fractions = widths or [1 / columns] * columns
        twips = [int(self.usable_width * fraction / 635) for fraction in fractions]  # 635 EMU per twip
        parts = [
            f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{self._style_ids[style]}"/>'
            '<w:tblW w:w="0" w:type="auto"/><w:jc w:val="center"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
            'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
            *(f'<w:gridCol w:w="{width}"/>' for width in twips),
            "</w:tblGrid>",
            "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>",
            *(
                _cell_xml(text, width, bold=True, fill="1F3A5F", color="FFFFFF")
                for text, width in zip(header, twips, strict=True)
            ),
            "</w:tr>",
        ]
        for index, values in enumerate(rows):
            bold = bool(bold_rows and index in bold_rows)
            indent = int(indents[index] * 284) if indents and indents[index] else 0  # 0.5 cm per level
            parts.append(
                f'<w:tr><w:trPr><w:trHeight w:val="{int(min_row_height / 635)}" w:hRule="atLeast"/></w:trPr>'
                if min_row_height
                else "<w:tr>"
            )
            parts.extend(
                _cell_xml(text, width, bold=bold, indent=indent if column == 1 else 0)
                for column, (text, width) in enumerate(zip(values, twips, strict=True))
            )
            parts.append("</w:tr>")
        parts.append("</w:tbl>")
        tbl = parse_xml("".join(parts))
        self.document.element.body._insert_tbl(tbl)
        return Table(tbl, self.document._body)

    # Markdown -------------------------------------------------------------------------------

    def markdown(self, text, *, heading_level=3):
        """Paragraphs, lists (restarting numbers per list), quotes, code and tables from Markdown."""
        MarkdownWriter(self, heading_level).write(markdown_tokens(text))

    def new_numbering(self, style_name, start=1):
        """A fresh w:num on the list style's numbering, restarting at `start` (python-docx has no API)."""
        numbering = self.document.part.numbering_part.element
        if style_name not in self._list_abstracts:
            style = self.document.styles[style_name].element
            style_num = style.find(qn("w:pPr")).find(qn("w:numPr")).find(qn("w:numId")).get(qn("w:val"))
            self._list_abstracts[style_name] = next(
                num.find(qn("w:abstractNumId")).get(qn("w:val"))
                for num in numbering.findall(qn("w:num"))
                if num.get(qn("w:numId")) == style_num
            )
            self._next_num_id = max(int(num.get(qn("w:numId"))) for num in numbering.findall(qn("w:num"))) + 1
        abstract = self._list_abstracts[style_name]
        num_id = str(self._next_num_id)
        self._next_num_id += 1
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), num_id)
        abstract_ref = OxmlElement("w:abstractNumId")
        abstract_ref.set(qn("w:val"), abstract)
        num.append(abstract_ref)
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), "0")
        start_override = OxmlElement("w:startOverride")
        start_override.set(qn("w:val"), str(start))
        override.append(start_override)
        num.append(override)
        numbering.append(num)
        return num_id

    @staticmethod
    def set_numbering(paragraph, num_id):
        properties = paragraph._p.get_or_add_pPr()
        num_pr = OxmlElement("w:numPr")
        level = OxmlElement("w:ilvl")
        level.set(qn("w:val"), "0")
        number = OxmlElement("w:numId")
        number.set(qn("w:val"), num_id)
        num_pr.append(level)
        num_pr.append(number)
        properties.append(num_pr)

    # Output ---------------------------------------------------------------------------------

    def to_bytes(self):
        if self._toc is not None and not self._toc.get("filled"):
            self._fill_table_of_contents()
            self._toc["filled"] = True
        buffer = io.BytesIO()
        self.document.save(buffer)
        return normalize_zip(buffer.getvalue(), self.date)


class MarkdownWriter:
    """Walks markdown-it block tokens and writes Word paragraphs with the matching styles."""

    def __init__(self, builder, heading_level):
        self.builder = builder
        self.heading_level = heading_level
        self.lists = []  # stack of {"ordered", "num_id", "items"}
        self.in_quote = 0
        self.item_paragraphs = 0
        self.table_rows = None

    def write(self, tokens):
        for token in tokens:
            handler = getattr(self, "on_" + token.type, None)
            if handler:
                handler(token)

    # Block structure
    def on_bullet_list_open(self, token):
        self.lists.append({"ordered": False, "num_id": None})

    def on_ordered_list_open(self, token):
        start = int(token.attrGet("start") or 1)
        style = self._list_style(ordered=True, depth=len(self.lists))
        self.lists.append({"ordered": True, "num_id": self.builder.new_numbering(style, start)})

    def on_bullet_list_close(self, token):
        self.lists.pop()

    on_ordered_list_close = on_bullet_list_close

    def on_list_item_open(self, token):
        self.item_paragraphs = 0

    def on_blockquote_open(self, token):
        self.in_quote += 1

    def on_blockquote_close(self, token):
        self.in_quote -= 1

    def on_heading_open(self, token):
        self.pending_heading = min(4, self.heading_level + max(0, int(token.tag[1]) - 3))

    def on_fence(self, token):
        self._code(token.content)

    on_code_block = on_fence

    def on_table_open(self, token):
        self.table_rows = []

    def on_tr_open(self, token):
        self.table_rows.append([])

    def on_table_close(self, token):
        rows, self.table_rows = self.table_rows, None
        if rows:
            width = max(len(row) for row in rows)
            rows = [row + [""] * (width - len(row)) for row in rows]
            self.builder.table(rows[0], rows[1:])

    def on_inline(self, token):
        if self.table_rows is not None:
            self.table_rows[-1].append(self._plain(token))
            return
        heading = getattr(self, "pending_heading", None)
        if heading:
            self.pending_heading = None
            self.builder.heading(self._plain(token), heading)
            return
        paragraph = self.builder.add_paragraph(self._paragraph_style())
        if self.lists and self.lists[-1]["ordered"] and self.item_paragraphs == 1:
            self.builder.set_numbering(paragraph, self.lists[-1]["num_id"])
        self._runs(paragraph, token.children or [])

    def _paragraph_style(self):
        if self.lists:
            self.item_paragraphs += 1
            if self.item_paragraphs > 1:
                return "List Continue"
            return self._list_style(self.lists[-1]["ordered"], len(self.lists) - 1)
        if self.in_quote:
            return "Quote"
        return None

    @staticmethod
    def _list_style(ordered, depth):
        base = "List Number" if ordered else "List Bullet"
        return base if depth == 0 else f"{base} {min(depth + 1, 3)}"

    def _code(self, content):
        for line in content.rstrip("\n").split("\n"):
            run = self.builder.add_run(self.builder.add_paragraph("No Spacing"), line)
            run.font.name = MONO_FONT
            run.font.size = Pt(9)

    # Inline content
    @staticmethod
    def _plain(token):
        return "".join(child.content for child in (token.children or []) if child.type in ("text", "code_inline"))

    def _runs(self, paragraph, children):
        bold = italic = 0
        link = None
        for child in children:
            kind = child.type
            if kind == "strong_open":
                bold += 1
            elif kind == "strong_close":
                bold -= 1
            elif kind == "em_open":
                italic += 1
            elif kind == "em_close":
                italic -= 1
            elif kind == "link_open":
                link = {"href": child.attrGet("href") or "", "text": ""}
            elif kind == "link_close" and link is not None:
                if link["href"] and link["href"] != link["text"]:
                    self.builder.add_run(paragraph, f" ({link['href']})")
                link = None
            elif kind in ("text", "code_inline", "image"):
                text = child.content if kind != "image" else (child.content or child.attrGet("alt") or "")
                run = self.builder.add_run(paragraph, text, bold=bool(bold), italic=bool(italic))
                if kind == "code_inline":
                    run.font.name = MONO_FONT
                if link is not None:
                    run.underline = True
                    link["text"] += text
            elif kind == "softbreak":
                self.builder.add_run(paragraph, " ")
            elif kind == "hardbreak":
                paragraph.add_run().add_break()


# Documents ----------------------------------------------------------------------------------


def _cover(builder, doc, subtitle):
    builder.paragraph(doc["organization"], "Subtitle")
    builder.paragraph(doc["title"], "Title")
    builder.paragraph(subtitle, "Subtitle")
    facts = [(gettext("Référence"), doc["reference"])]
    if doc.get("lot"):
        lot = doc["lot"]
        facts.append((gettext("Lot"), f"{gettext('Lot n° %(number)s') % {'number': lot['number']}} — {lot['title']}"))
    facts += [
        (gettext("Procédure"), doc.get("procedure_label", "")),
        (gettext("Date"), format_date_words(doc["generated_on"], language=doc.get("language"))),
    ]
    for label, value in facts:
        builder.paragraph(value, label=f"{label} : ")


def _references(builder, article, *, informative=False):
    """Normative and legal references; informative ones only in the buyer's note (never published)."""
    for key, title in (
        ("references_normative", gettext("Références normatives")),
        ("references_legal", gettext("Textes applicables")),
        *(
            [("references_informative", gettext("À titre informatif, sans valeur contractuelle"))]
            if informative
            else []
        ),
    ):
        references = article.get(key) or []
        if references:
            builder.paragraph(title, bold=True)
            for reference in references:
                text = reference["text"] + (f" — {reference['url']}" if reference.get("url") else "")
                builder.paragraph(text, "List Bullet")


def _article(builder, article, *, badge=True):
    builder.heading(f"{gettext('Article')} {article['number']} — {article['title']}", 2)
    if badge:
        builder.paragraph(article.get("requirement_label", ""), bold=True)
        if article.get("lots_label"):
            builder.paragraph(article["lots_label"])
    builder.markdown(article.get("body_markdown", ""))
    if badge and article.get("appreciation_markdown"):  # the annex: what is appreciated beyond the minimum
        builder.paragraph(gettext("Éléments d'appréciation (non contractuels)"), bold=True)
        builder.markdown(article["appreciation_markdown"])
    parameters = article.get("parameters") or []
    if parameters:
        builder.paragraph(gettext("Paramètres retenus"), "Caption")
        builder.table(
            [gettext("Paramètre"), gettext("Valeur")],
            [[parameter["label"], parameter["value"]] for parameter in parameters],
            widths=(0.6, 0.4),
        )
    if article.get("question"):
        builder.paragraph("", label=f"{gettext('Question au candidat')} ({gettext('article')} {article['number']}) : ")
        builder.markdown(article.get("question_markdown") or article["question"])
    _references(builder, article)


def _piece_footer(builder, doc):
    """Version and generation date on every page (cover included), then ``Page X / Y``; "PROJET"
    across every page of a draft (a header watermark, plus a header line for readers without shapes)."""
    section = builder.document.sections[0]
    section.different_first_page_header_footer = False
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.LEFT
    date = format_date_words(doc["generated_on"], language=doc.get("language", "fr"))
    footer.add_run(f"{doc['reference']} — {doc['version']['label']} — {gettext('généré le')} {date} — ")
    footer.add_run(gettext("Page") + " ")
    builder.add_field(footer, "PAGE", "1")
    footer.add_run(" / ")
    builder.add_field(footer, "NUMPAGES", "1")
    for run in footer.runs:
        run.font.size = Pt(8)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if doc.get("draft"):
        run = header.add_run(gettext("PROJET") + " — ")
        run.bold = True
        run.font.color.rgb = RGBColor(0xA4, 0x26, 0x2C)
        header._p.append(parse_xml(_watermark_xml(gettext("PROJET"))))
    header.add_run(f"{doc['reference']} — {doc['title']}")
    for run in header.runs:
        run.font.size = Pt(8.5)


# The formulas of Word's own "plain text" WordArt shape type (o:spt 136), which its path refers to.
_WORDART_FORMULAS = (
    "sum #0 0 10800",
    "prod #0 2 1",
    "sum 21600 0 @1",
    "sum 0 0 @2",
    "sum 21600 0 @3",
    "if @0 @3 0",
    "if @0 21600 @1",
    "if @0 0 @2",
    "if @0 @4 21600",
    "mid @5 @6",
    "mid @8 @5",
    "mid @7 @8",
    "mid @6 @7",
    "sum @6 0 @5",
)


def _watermark_xml(text):
    """Word's own kind of watermark: a rotated WordArt text shape (VML) anchored in the header."""
    return (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
        '<w:pict><v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas>'
        + "".join(f'<v:f eqn="{equation}"/>' for equation in _WORDART_FORMULAS)
        + '</v:formulas><v:path textpathok="t" o:connecttype="custom" '
        'o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>'
        '<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
        '<v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:420pt;height:140pt;rotation:315;'
        "z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
        'mso-position-vertical:center;mso-position-vertical-relative:margin" o:allowincell="f" '
        'fillcolor="#e8c4c6" stroked="f"><v:fill opacity=".5"/>'
        f'<v:textpath style="font-family:&quot;Calibri&quot;;font-size:1pt" string="{xml_text(text)}"/>'
        "</v:shape></w:pict></w:r>"
    )


def _traceability(builder, doc, articles):
    builder.heading(gettext("Traçabilité"), 1, page_break_before=True)
    date = format_date_words(doc["generated_on"], language=doc.get("language", "fr"))
    for label, value in (
        (gettext("Référence"), doc["reference"]),
        (gettext("Version"), doc["version"]["label"]),
        (gettext("Date de génération"), date),
        (gettext("Empreinte des données (SHA-256)"), doc["inputs_digest"]),
    ):
        builder.paragraph(value, label=f"{label} : ")
    if articles:
        builder.table(
            [gettext("Article"), gettext("Clause de la bibliothèque"), gettext("Version")],
            [[a["number"], a.get("key", ""), str(a.get("clause_version", ""))] for a in articles],
            widths=(0.2, 0.6, 0.2),
        )


def _piece_builder(doc, piece, title):
    builder = DocxBuilder(
        title=f"{doc['reference']} — {title}",
        author=doc["organization"],
        date=doc["generated_on"],
        language=doc.get("language", "fr"),
    )
    properties = builder.document.core_properties
    properties.subject = doc["title"]
    properties.keywords = f"{doc['reference']}, {piece}, inputs-digest:{doc['inputs_digest']}"
    _piece_footer(builder, doc)
    _cover(builder, doc, title)
    builder.paragraph(doc["version"]["label"], label=f"{gettext('Version')} : ")
    return builder


def _preamble(builder, doc):
    builder.heading(gettext("Préambule"), 1, page_break_before=True)
    paragraphs = annex_preamble(doc)
    for title, text in paragraphs:
        builder.heading(title, 2)
        builder.paragraph(text)
    if doc.get("glossary"):
        builder.heading(gettext("Glossaire"), 1)
        builder.table(
            [gettext("Sigle"), gettext("Signification")],
            [[entry["term"], entry["definition"]] for entry in doc["glossary"]],
            widths=(0.2, 0.8),
        )


def _annex_articles(doc):
    return [
        article
        for section in doc.get("sections", [])
        if section.get("destination", "annex") == "annex"
        for article in section.get("articles", [])
    ]


def render_tender_docx(doc, *, progress=None):
    """The technical annex (Annexe n° X au CCTP) as DOCX bytes: cover, TOC field, preamble and
    glossary, sections (Heading 1), articles (Heading 2), questions, traceability; no weights."""
    report = progress or (lambda value: None)
    doc = with_defaults(doc)
    sections = [s for s in doc.get("sections", []) if s.get("destination", "annex") == "annex"]
    with translation.override(doc.get("language", "fr")):
        builder = _piece_builder(doc, "annex", piece_title(doc, "annex"))
        builder.page_break()
        builder.table_of_contents(gettext("Sommaire"))
        _preamble(builder, doc)
        for index, section in enumerate(sections, start=1):
            builder.heading(f"{section['number']}. {section['title']}", 1, page_break_before=True)
            for article in section.get("articles", []):
                _article(builder, article)
            report(int(80 * index / len(sections)))
        questions = [q for q in doc.get("questions", []) if q.get("destination", "annex") == "annex"]
        if questions:
            builder.heading(gettext("Questions au candidat"), 1, page_break_before=True)
            builder.table(
                [gettext("Article"), gettext("Exigence"), gettext("Question")],
                [[q["article"], q.get("requirement_label", ""), q["question"]] for q in questions],
                widths=(0.12, 0.2, 0.68),
            )
        _traceability(builder, doc, [])  # the digest; which library clause each article comes from is buyer-only
        data = builder.to_bytes()
    report(100)
    return data


def render_ccap_docx(doc):
    """The CCAP extract: its articles, then as last article the list of derogations to the CCAG-TIC."""
    with translation.override(doc.get("language", "fr")):
        builder = _piece_builder(doc, "ccap", piece_title(doc, "ccap"))
        articles = piece_articles(doc, "ccap")
        builder.heading(gettext("Clauses administratives particulières"), 1, page_break_before=True)
        builder.paragraph(
            gettext(
                "Les articles ci-dessous sont à reprendre dans le cahier des clauses administratives particulières "
                "(CCAP) du marché « %(title)s » (référence %(reference)s). Ils priment sur le CCTP et ses annexes "
                "(article 4.1 du CCAG-TIC)."
            )
            % {"title": doc["title"], "reference": doc["reference"]}
        )
        for article in articles:
            if article.get("ccap_annex") == "gdpr":  # printed as the CCAP's GDPR annex, a file of its own
                builder.heading(f"{gettext('Article')} {article['number']} — {article['title']}", 2)
                builder.paragraph(_gdpr_annex_pointer())
                continue
            _article(builder, article, badge=False)
        builder.heading(
            f"{gettext('Article')} {derogations_article_number(doc)} — {gettext('Liste des dérogations au CCAG-TIC')}",
            2,
        )
        rows = derogations(doc)
        if rows:
            builder.paragraph(
                gettext(
                    "Conformément à l'article 1.2 du CCAG-TIC 2021, les articles du présent CCAP dérogent aux "
                    "articles suivants du CCAG-TIC :"
                )
            )
            builder.table(
                [gettext("Article du CCAG-TIC"), gettext("Article du présent CCAP qui y déroge")],
                [
                    [
                        f"{gettext('Article')} {row['ccag_article']}",
                        " ; ".join(f"{gettext('Article')} {a['number']} — {a['title']}" for a in row["articles"]),
                    ]
                    for row in rows
                ],
                widths=(0.3, 0.7),
            )
        else:
            builder.paragraph(gettext("Les articles du présent extrait ne dérogent à aucun article du CCAG-TIC 2021."))
        _traceability(builder, doc, [])
        return builder.to_bytes()


def render_rc_docx(doc):
    """The RC extract: weighted criteria (adding up exactly), price formula, eliminatory requirements,
    documents to provide and demonstrations."""
    with translation.override(doc.get("language", "fr")):
        builder = _piece_builder(doc, "rc", piece_title(doc, "rc"))
        rc = rc_criteria(doc)
        if rc["allotment"]:
            _rc_allotment(builder, rc["allotment"])
        builder.heading(gettext("Critères d'attribution"), 1, page_break_before=not rc["allotment"])
        if rc["rows"]:
            builder.paragraph(
                gettext(
                    "Les offres régulières, acceptables et appropriées sont classées selon les critères et "
                    "sous-critères pondérés ci-dessous (articles R2152-11 et R2152-12 du code de la commande "
                    "publique). Le poids de chaque critère dans la note finale est celui qu'applique la notation, "
                    "sans arrondi : deux décimales, davantage lorsqu'il en a ; ces poids s'additionnent exactement."
                )
            )
            rows = rc["rows"]
            builder.table(
                [
                    gettext("N°"),
                    gettext("Critère"),
                    gettext("Nature"),
                    gettext("Pondération dans le critère parent"),
                    gettext("Poids dans la note finale"),
                    gettext("Article"),
                ],
                [
                    [
                        row["number"],
                        row["name"],
                        row["kind_label"],
                        row["weight_display"],
                        row["global_weight_display"],
                        row.get("article") or "",
                    ]
                    for row in rows
                ]
                + [["", gettext("Total"), "", "", rc["total_display"], ""]],
                widths=(0.07, 0.31, 0.22, 0.145, 0.145, 0.11),
                indents=[int(row.get("depth") or 0) for row in rows] + [0],
                bold_rows={index for index, row in enumerate(rows) if not row.get("depth")} | {len(rows)},
            )
        else:
            builder.paragraph(gettext("Les critères d'attribution ne sont pas encore définis."))
        builder.heading(gettext("Prix comparé"), 2)
        builder.paragraph(rc["price_basis"])
        method = rc["method"]
        if method:
            builder.heading(gettext("Méthode de notation"), 2)
            grid_note = gettext(
                "Les niveaux de notation de chaque sous-critère rattaché à un article figurent dans la grille "
                "annexée au présent règlement (annexe « Grille de notation »)."
            )
            builder.paragraph(f"{method['scale']} {grid_note}" if rc["grid"] else method["scale"])
            builder.paragraph(method["score"])
            builder.paragraph(method["conversion"])
            builder.paragraph(method["conversion_symbols"], "No Spacing")
            builder.paragraph(method["precision"])
            builder.heading(gettext("Notation du prix"), 2)
            builder.paragraph(rc["price"]["words"])
            builder.paragraph(f"{gettext('Note prix')} = {rc['price']['symbols']}", "No Spacing")
            builder.paragraph(rc["price"]["legend"])
            builder.heading(gettext("Offres à égalité"), 2)
            builder.paragraph(rc["tie_break"])
        builder.heading(gettext("Exigences éliminatoires"), 1)
        builder.paragraph(
            gettext(
                "Les exigences éliminatoires sont appréciées lors de l'analyse des offres, sur pièces : réponses "
                "au cadre de réponse, documents fournis et, le cas échéant, démonstration et contrôle de "
                "l'environnement de test. Une offre qui ne satisfait pas l'une d'elles est irrégulière au sens de "
                "l'article L2152-2 du code de la commande publique et est éliminée, sauf régularisation dans les "
                "conditions de l'article R2152-2. Leur respect effectif est ensuite vérifié lors des opérations de "
                "vérification prévues au marché (vérification d'aptitude, vérification de service régulier)."
            )
        )
        for row in rc["eliminatory"]:
            suffix = f" ({gettext('article')} {row['article']})" if row.get("article") else ""
            builder.paragraph(f"{row['number']} — {row['name']}{suffix}", "List Bullet")
        articles = piece_articles(doc, "rc")
        demonstration = rc["demonstration"]
        if articles:
            builder.heading(
                gettext("Pièces à fournir et démonstrations") if demonstration else gettext("Pièces à fournir"), 1
            )
            for article in articles:
                _article(builder, article, badge=False)
        if demonstration:
            _rc_demonstration(builder, rc)
        if rc["grid"]:
            _rc_grid(builder, rc["grid"])
        _traceability(builder, doc, [])
        return builder.to_bytes()


def _completeness(builder, doc):
    completeness = doc["completeness"]
    builder.heading(gettext("Annexe — Complétude de l'interopérabilité"), 1, page_break_before=True)
    builder.table(
        [gettext("Thème"), gettext("Couvert"), gettext("Articles")],
        [
            [
                topic["title"],
                gettext("Oui") if topic["covered"] else gettext("Non"),
                ", ".join(topic["articles"]),
            ]
            for topic in completeness["topics"]
        ],
        widths=(0.6, 0.12, 0.28),
    )


def _gdpr_annex_pointer():
    return gettext(
        "Les obligations du titulaire au titre du présent article figurent à l'annexe RGPD au présent CCAP, qui "
        "en fait partie intégrante."
    )


def render_gdpr_annex_docx(doc):
    """The CCAP's GDPR annex (« Annexe RGPD au CCAP »): the CCAP articles marked for it, in full."""
    with translation.override(doc.get("language", "fr")):
        builder = _piece_builder(doc, "gdpr_annex", piece_title(doc, "gdpr_annex"))
        builder.heading(gettext("Annexe RGPD au CCAP"), 1, page_break_before=True)
        builder.paragraph(
            gettext(
                "La présente annexe au cahier des clauses administratives particulières (CCAP) du marché "
                "« %(title)s » (référence %(reference)s) fixe les obligations du titulaire en tant que "
                "sous-traitant au sens de l'article 28 du règlement (UE) 2016/679 (RGPD). Elle fait partie "
                "intégrante du CCAP, dont l'article cité ci-dessous y renvoie."
            )
            % {"title": doc["title"], "reference": doc["reference"]}
        )
        for article in gdpr_annex_articles(doc):
            _article(builder, article, badge=False)
        _traceability(builder, doc, [])
        return builder.to_bytes()


def render_buyer_note_docx(doc):
    """The buyer's note (never published): per article its library clause, legal note and informative
    references; the completeness analysis; the traceability table."""
    with translation.override(doc.get("language", "fr")):
        builder = _piece_builder(doc, "buyer_note", piece_title(doc, "buyer_note"))
        builder.heading(gettext("Document interne de l'acheteur"), 1, page_break_before=True)
        builder.paragraph(
            gettext(
                "Cette note accompagne le dossier de consultation pour l'acheteur seul : elle ne fait pas partie "
                "des pièces publiées et n'est pas remise aux candidats. Elle réunit, pour chaque article, la "
                "clause de la bibliothèque dont il provient, la note juridique et les documents cités à titre "
                "informatif, puis l'analyse de complétude."
            )
        )
        builder.heading(gettext("Notes par article"), 1)
        articles = [a for section in doc.get("sections", []) for a in section.get("articles", [])]
        for article in articles:
            builder.heading(f"{gettext('Article')} {article['number']} — {article['title']}", 2)
            if article.get("legal_note"):
                builder.paragraph(gettext("Note juridique"), bold=True)
                for line in article["legal_note"].split("\n"):
                    builder.paragraph(line)
            references = article.get("references_informative") or []
            if references:
                builder.paragraph(gettext("À titre informatif, sans valeur contractuelle"), bold=True)
                for reference in references:
                    text = reference["text"] + (f" — {reference['url']}" if reference.get("url") else "")
                    builder.paragraph(text, "List Bullet")
            if not article.get("legal_note") and not references:
                builder.paragraph(gettext("Pas de note pour cet article."))
        if doc.get("completeness"):
            _completeness(builder, doc)
        _traceability(builder, doc, articles)
        return builder.to_bytes()


def _rc_allotment(builder, allotment):
    """The RC's allotment article: the lots, or why there are none (tenders/allotment.py)."""
    builder.heading(gettext("Allotissement"), 1, page_break_before=True)
    for paragraph in allotment["paragraphs"]:
        builder.paragraph(paragraph)
    for lot in allotment["lots"]:
        label = gettext("Lot n° %(number)s") % {"number": lot["number"]}
        text = f"{label} — {lot['title']}" + (f" : {lot['description']}" if lot["description"] else "")
        builder.paragraph(text, "List Bullet")


def _rc_demonstration(builder, rc):
    """The demonstration scenario an RC article requires, generated in the RC itself."""
    demonstration = rc["demonstration"]
    if demonstration.get("described"):
        _rc_demonstration_scoring(builder, rc)
        return
    builder.heading(gettext("Scénario de démonstration"), 1)
    if demonstration.get("hours"):
        intro = gettext(
            "Le présent scénario est celui de la démonstration que prévoit l'article %(articles)s. Il est le même "
            "pour chaque candidat : mêmes étapes, dans le même ordre, en une séance de %(hours)s heures, sur des "
            "données fictives, sans aucune donnée réelle de patient."
        ) % {"articles": rc["demonstration_articles"], "hours": demonstration["hours"]}
    else:
        intro = gettext(
            "Le présent scénario est celui de la démonstration que prévoit l'article %(articles)s. Il est le même "
            "pour chaque candidat : mêmes étapes, dans le même ordre, sur des données fictives, sans aucune donnée "
            "réelle de patient."
        ) % {"articles": rc["demonstration_articles"]}
    builder.paragraph(intro)
    builder.paragraph(
        gettext(
            "Chaque étape ne sert qu'à noter le sous-critère qu'elle indique, selon sa grille ; ce qui n'est pas "
            "montré pendant l'étape ne peut justifier un niveau de la grille qui demande une démonstration."
        )
    )
    if not demonstration["steps"]:
        builder.paragraph(
            gettext(
                "Le candidat montre, sur les données fictives, le fonctionnement des exigences de l'annexe "
                "technique, dans l'ordre de leurs articles."
            )
        )
    for step in demonstration["steps"]:
        title = gettext("Article %(article)s — %(title)s (sous-critère %(criterion)s)") % {
            "article": step["article"],
            "title": step["title"],
            "criterion": step["criterion"],
        }
        paragraph = builder.add_paragraph()
        builder.add_run(paragraph, f"{gettext('Étape')} {step['number']} — {title}", bold=True)
        builder.add_run(
            paragraph,
            gettext(" : le candidat montre, sur les données fictives, comment sa solution satisfait cet article."),
        )
        _step_details(builder, step)


def _step_details(builder, step):
    if step["appreciation"]:
        builder.paragraph(step["appreciation"], label=gettext("Éléments d'appréciation :") + " ")
    for level in step["levels"]:
        builder.paragraph(
            f"{gettext('Note %(score)s :') % {'score': level['score']}} {level['description']}", "List Bullet"
        )


def _rc_demonstration_scoring(builder, rc):
    """The RC article describes the demonstration's steps itself: only which sub-criteria it scores."""
    builder.heading(gettext("Sous-critères notés lors de la démonstration"), 1)
    builder.paragraph(
        gettext(
            "Le scénario de la démonstration est celui que décrit l'article %(articles)s, le même pour chaque "
            "candidat. Ce qui y est montré sert à noter les sous-critères suivants, selon les niveaux de leur "
            "grille ; ce qui n'y est pas montré ne peut justifier un niveau de la grille qui demande une "
            "démonstration."
        )
        % {"articles": rc["demonstration_articles"]}
    )
    for step in rc["demonstration"]["steps"]:
        label = (
            gettext("Sous-critère %(number)s — %(name)s (article %(article)s)")
            if step["title"] == step["criterion_name"]
            else gettext("Sous-critère %(number)s — %(name)s (article %(article)s — %(title)s)")
        )
        builder.paragraph(
            label
            % {
                "number": step["criterion"],
                "name": step["criterion_name"],
                "article": step["article"],
                "title": step["title"],
            },
            bold=True,
        )
        _step_details(builder, step)


def _rc_grid(builder, grid):
    """The grid annexed to the RC: each scored sub-criterion's levels, with its appreciation."""
    builder.heading(gettext("Annexe au règlement de la consultation — Grille de notation"), 1, page_break_before=True)
    builder.paragraph(
        gettext(
            "Pour chaque sous-critère rattaché à un article, les niveaux ci-dessous disent quelle note reçoit une "
            "offre. Tout niveau suppose le respect de l'exigence minimale de l'article, qui s'impose à toute offre ; "
            "les éléments d'appréciation disent ce qui est apprécié au-delà, sans valeur contractuelle."
        )
    )
    for entry in grid:
        builder.heading(
            gettext("Sous-critère %(number)s — %(name)s") % {"number": entry["number"], "name": entry["name"]}, 2
        )
        builder.paragraph(
            gettext("Article %(article)s — %(title)s ; note de 0 à %(max)s ; poids dans la note finale : %(weight)s.")
            % {
                "article": entry["article"],
                "title": entry["title"],
                "max": entry["scale_max"],
                "weight": entry["weight_display"],
            }
        )
        if entry["appreciation"]:
            builder.paragraph(gettext("Éléments d'appréciation (sans valeur contractuelle)"), bold=True)
            builder.paragraph(entry["appreciation"])
        if entry["levels"]:
            builder.table(
                [gettext("Note"), gettext("Niveau de l'offre")],
                [[str(level["score"]), level["description"]] for level in entry["levels"]],
                widths=(0.1, 0.9),
            )


def render_piece_docx(doc, piece):
    """One piece of the tender file (`annex`, `ccap`, `rc`, or the buyer's `buyer_note`) as DOCX bytes."""
    doc = with_defaults(doc)
    if piece == "ccap":
        return render_ccap_docx(doc)
    if piece == "rc":
        return render_rc_docx(doc)
    if piece == "buyer_note":
        return render_buyer_note_docx(doc)
    if piece == "gdpr_annex":
        return render_gdpr_annex_docx(doc)
    return render_tender_docx(doc)


def questions_by_category(doc):
    """The answer form's requirement rows (documents/rendering/answer_form.py) grouped by their
    section title, in document order: [(title, [row…])]."""
    groups = {}
    for row in answer_form.requirement_rows(doc):
        groups.setdefault(row.get("category", ""), []).append(row)
    return list(groups.items())


def render_questionnaire_docx(doc, *, progress=None):
    """The vendors' answer form as DOCX bytes (A4 landscape), the same content as the XLSX form:
    instructions, candidate identification and commitment, one table per section with the article
    number first (type, question, compliance choices, answer, evidence), the committed values and the
    roadmap. Header with the reference, footer ``Page X / Y``; table headers repeat on each page."""
    report = progress or (lambda value: None)
    language = doc.get("language", "fr")
    with translation.override(language):
        form_title = gettext("Cadre de réponse")  # outside the f-strings: xgettext does not read inside them
        builder = DocxBuilder(
            title=f"{doc['reference']} — {form_title}",
            author=doc["organization"],
            date=doc["generated_on"],
            language=language,
            landscape=True,
        )
        builder.header_footer(f"{doc['reference']} — {doc['title']} — {form_title}")
        _cover(builder, doc, gettext("Cadre de réponse du candidat"))
        builder.heading(gettext("Instructions"), 1)
        for text in answer_form.instructions(doc)[1:]:
            builder.paragraph(text, "List Bullet")

        builder.heading(gettext("Candidat"), 1, page_break_before=True)
        rows = []
        for key, label in answer_form.candidate_fields(language):
            rows.append([label, answer_form.commitment_text(doc) if key == "commitment" else ""])
        builder.table([gettext("Rubrique"), gettext("Valeur")], rows, widths=(0.35, 0.65), min_row_height=Cm(1))

        requirement_rows = answer_form.requirement_rows(doc)
        for index, (category, group) in enumerate(questions_by_category(doc)):
            builder.heading(category, 1, page_break_before=index == 0)
            builder.table(
                [
                    gettext("N° d'article"),
                    gettext("Exigence"),
                    gettext("Type d'exigence"),
                    gettext("Question"),
                    gettext("Conformité"),
                    gettext("Réponse"),
                    gettext("Preuves (références des documents)"),
                ],
                [
                    [
                        row["article"],
                        row["title"],
                        row["type_label"],
                        row["question"],
                        " / ".join(answer_form.compliance_choices(language, deferrable=row["deferrable"])),
                        "",
                        "",
                    ]
                    for row in group
                ],
                widths=(0.07, 0.14, 0.09, 0.26, 0.1, 0.22, 0.12),
                min_row_height=Cm(2.5),
            )
        report(60)
        # Only the values vendors may improve, under their labels (never a parameter's code).
        parameter_rows = [
            [
                row["article"],
                row["title"],
                parameter["label"],
                parameter["direction_label"],
                parameter.get("value", ""),
                gettext("(ex. : %(example)s)") % {"example": answer_form.date_example(language)}
                if parameter.get("type") == "date"
                else "",
            ]
            for row in requirement_rows
            for parameter in row["parameters"]
        ]
        if parameter_rows:
            builder.heading(gettext("Valeurs engagées"), 1, page_break_before=True)
            builder.table(
                [
                    gettext("N° d'article"),
                    gettext("Exigence"),
                    gettext("Engagement"),
                    gettext("Sens"),
                    gettext("Valeur exigée"),
                    gettext("Valeur engagée"),
                ],
                parameter_rows,
                widths=(0.08, 0.2, 0.22, 0.14, 0.16, 0.2),
                min_row_height=Cm(1),
            )
        deferrable_rows = [row for row in requirement_rows if row["deferrable"]]
        example = answer_form.date_example(language)  # dates in words, as everywhere in the form
        if deferrable_rows:
            builder.heading(gettext("Feuille de route"), 1, page_break_before=True)
            statuses = " / ".join(answer_form.roadmap_labels(language).values())
            builder.table(
                [
                    gettext("N° d'article"),
                    gettext("Exigence"),
                    gettext("Statut") + f" ({statuses})",
                    gettext("Date de disponibilité"),
                    gettext("Commentaire"),
                ],
                [
                    [row["article"], row["title"], "", gettext("(ex. : %(example)s)") % {"example": example}, ""]
                    for row in deferrable_rows
                ],
                widths=(0.08, 0.3, 0.2, 0.14, 0.28),
                min_row_height=Cm(1),
            )
        report(80)
        data = builder.to_bytes()
    report(100)
    return data


def docx_text(data, *, skip_headers=()):
    """The text of a generated DOCX (paragraphs, then tables row by row, header and footer), for the
    document pipeline's guard (tenders/composition.py). A table column whose header cell's text is
    in `skip_headers` is left out (an import key column, not printed prose)."""
    document = Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        skipped = set()
        for row_index, row in enumerate(table.rows):
            cells = []
            for column, cell in enumerate(row.cells):
                if row_index == 0 and cell.text in skip_headers:
                    skipped.add(column)
                if column not in skipped:
                    cells.append(cell.text)
            lines.append(" | ".join(cells))
    for section in document.sections:
        lines += [paragraph.text for paragraph in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(line for line in lines if line)
