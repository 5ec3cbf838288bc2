"""The points bar chart, laid out once and written as SVG (PDF, results page) or PNG (DOCX).

`layout(bars, language)` computes every rectangle and label from the report's rounded numbers
(`bars`: [{"vendor", "technical_points", "price_points", "total", "eligible"}]); `svg` and `png`
only serialise that layout, so the two drawings are the same picture with the same numbers as the
table (the label of each bar is the table's total, formatted by the same helper).
"""

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from organizations.formatting import format_number

COLOURS = {"technical": "#1F3A5F", "price": "#D98E04", "eliminated": "#9AA5B1", "text": "#000000"}
LABEL_WIDTH, BAR_WIDTH, ROW, TOP = 170, 380, 26, 30


def bars_of(doc):
    """The chart's data: the same rounded numbers as the ranking table."""
    return [
        {
            "vendor": b["vendor"],
            "technical_points": b["technical_points"] or 0.0,
            "price_points": b["price_points"] or 0.0,
            "total": b.get("total"),
            "eligible": b["eligible"],
        }
        for b in doc["bids"]
    ]


def total_label(bar, language):
    text = format_number(bar["total"] or 0, 2, language=language)
    if bar["eligible"] is False:
        text += " " + _("(éliminée)")
    elif bar["eligible"] is None:
        text += " " + _("(en cours)")
    return text


def layout(bars, language=None) -> dict:
    """{"width", "height", "shapes": [("rect", x, y, w, h, colour) | ("text", x, y, text, size, anchor, bold)]}.

    The words are in the active language; the numbers in `language` (a document's), else in the active one too."""
    height = TOP + ROW * len(bars) + 30
    width = LABEL_WIDTH + BAR_WIDTH + 110
    shapes = [("text", 0, 16, _("Points par offre (sur 100)"), 12, "start", True)]
    for index, bar in enumerate(bars):
        y = TOP + index * ROW
        ranked = bar["eligible"] is True
        technical_w = BAR_WIDTH * bar["technical_points"] / 100
        price_w = BAR_WIDTH * bar["price_points"] / 100
        shapes.append(("text", LABEL_WIDTH - 6, y + 15, bar["vendor"][:30], 10, "end", False))
        shapes.append(
            ("rect", LABEL_WIDTH, y + 3, technical_w, 16, COLOURS["technical"] if ranked else COLOURS["eliminated"])
        )
        shapes.append(
            (
                "rect",
                LABEL_WIDTH + technical_w,
                y + 3,
                price_w,
                16,
                COLOURS["price"] if ranked else COLOURS["eliminated"],
            )
        )
        shapes.append(
            ("text", LABEL_WIDTH + technical_w + price_w + 4, y + 15, total_label(bar, language), 10, "start", False)
        )
    legend_y = TOP + ROW * len(bars) + 14
    shapes += [
        ("rect", LABEL_WIDTH, legend_y - 9, 10, 10, COLOURS["technical"]),
        ("text", LABEL_WIDTH + 14, legend_y, _("Valeur technique"), 10, "start", False),
        ("rect", LABEL_WIDTH + 130, legend_y - 9, 10, 10, COLOURS["price"]),
        ("text", LABEL_WIDTH + 144, legend_y, _("Prix"), 10, "start", False),
    ]
    return {"width": width, "height": height, "title": _("Points par offre (sur 100)"), "shapes": shapes}


def svg(picture) -> str:
    """Inline SVG of a layout; every text is escaped."""
    width, height = picture["width"], picture["height"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="chart-title"><title id="chart-title">'
        f"{escape(picture['title'])}</title>"
    ]
    for shape in picture["shapes"]:
        if shape[0] == "rect":
            _kind, x, y, w, h, colour = shape
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}"/>')
        else:
            _kind, x, y, text, size, anchor, bold = shape
            weight = ' font-weight="bold"' if bold else ""
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{weight}>{escape(text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def png(picture, scale=2) -> bytes:
    """The same layout as a PNG (for Word), drawn with Pillow."""
    from PIL import Image, ImageDraw, ImageFont  # heavy (Pillow): only the DOCX writer draws it, in the worker

    fonts = {}

    def font(size, bold):
        key = (size, bold)
        if key not in fonts:
            try:
                fonts[key] = ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size * scale)
            except OSError:
                fonts[key] = ImageFont.load_default(size=size * scale)
        return fonts[key]

    image = Image.new("RGB", (picture["width"] * scale, picture["height"] * scale), "white")
    draw = ImageDraw.Draw(image)
    for shape in picture["shapes"]:
        if shape[0] == "rect":
            _kind, x, y, w, h, colour = shape
            if w > 0:
                draw.rectangle([x * scale, y * scale, (x + w) * scale, (y + h) * scale], fill=colour)
        else:
            _kind, x, y, text, size, anchor, bold = shape
            draw.text(
                (x * scale, y * scale),
                text,
                fill=COLOURS["text"],
                font=font(size, bold),
                anchor="rs" if anchor == "end" else "ls",
            )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def chart_svg(chart_data) -> str:
    """The chart of the results page: {"language"?, "bids": [{"vendor", "technical_points", "price_points",
    "eligible", "total"?}]}. Without "language" the numbers follow the active language, as the words do."""
    bars = [
        {
            **bar,
            "total": bar.get("total")
            if bar.get("total") is not None
            else (bar["technical_points"] or 0) + (bar["price_points"] or 0),
        }
        for bar in bars_of(chart_data)
    ]
    return svg(layout(bars, chart_data.get("language")))
