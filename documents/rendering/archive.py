"""Deterministic ZIP containers (DOCX and XLSX are ZIP files).

python-docx and openpyxl stamp every ZIP entry with the current time, so two renders of the same
document differ. `normalize_zip` rewrites the archive with the same entries, in the same order,
with one fixed timestamp (the document's date) and fixed permissions.
"""

import datetime
import io
import re
import zipfile


def zip_date_time(iso_date):
    """ZIP's (Y, M, D, h, m, s) for a document date; ZIP cannot store dates before 1980."""
    day = datetime.date.fromisoformat(str(iso_date)[:10])
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


_MODIFIED_RE = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def normalize_zip(data, iso_date):
    """The same archive with every entry dated `iso_date` at midnight: same input, same bytes."""
    date_time = zip_date_time(iso_date)
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                # openpyxl stamps `modified` with the current time on save, whatever was set.
                content = _MODIFIED_RE.sub(rb"\g<1>" + f"{iso_date}T00:00:00Z".encode() + rb"\g<2>", content)
            target.writestr(info, content)
    return output.getvalue()
