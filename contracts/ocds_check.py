"""OCDS release packages checked against the release-package schema 1.1.5 kept in contracts/schemas/."""

from . import schemas


def ocds_problems(package) -> list[dict]:
    """[{"path", "message"}] for every schema error of the package; [] when it is valid."""
    return [
        {"path": "/".join(str(p) for p in error.absolute_path), "message": error.message}
        for error in schemas.errors_of(schemas.ocds_validator(), package)
    ]
