"""Files → one ZIP archive (the zipped tender file and other bundles), deterministic.

`render_zip([(name, content bytes), …], iso_date)`: entries in the given order, each dated
`iso_date` at midnight with fixed permissions, so the same files give the same bytes. Names are
relative paths with "/" separators; an absolute name, a ".." part or a duplicate is refused
(ValueError) so an archive never writes outside the folder it is extracted into.
"""

import io
import posixpath
import zipfile

from .archive import zip_date_time


def _checked(name):
    if not name or name.startswith("/") or "\\" in name:
        raise ValueError(f"invalid entry name: {name!r}")
    normal = posixpath.normpath(name)
    if normal.startswith("..") or normal != name:
        raise ValueError(f"invalid entry name: {name!r}")
    return name


def render_zip(entries, iso_date) -> bytes:
    date_time = zip_date_time(iso_date)
    seen = set()
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            name = _checked(name)
            if name in seen:
                raise ValueError(f"duplicate entry name: {name!r}")
            seen.add(name)
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            archive.writestr(info, bytes(content))
    return output.getvalue()
