"""Who may do what is decided in one module per app (`<app>/access.py`); everything else asks it.

A role check written anywhere else (a page, an API view, a form, a service) is how the "may edit"
rule of libraries came to be written four times, one of them refusing with 400. These tests read the
code (no database) and fail on a role check outside the access modules and the organisations app,
and on a caller's refusal raised outside an access module in the apps that have one.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
APPS = ("clause_library", "documents", "tenders", "scoring", "conformance", "contracts")

# The role primitives of organizations/access.py: only access modules may use them.
ROLE_PRIMITIVES = {"has_role", "organization_ids_with_role", "roles_by_organization", "BUYER_ROLES", "EDITOR_ROLES"}
# Queryset methods whose keyword arguments filter (a `create(role=...)` writes, it does not check).
FILTERS = {"filter", "exclude", "get", "Q"}

# Modules that may hold a role check although they are not an access module: none today. An entry
# needs a reason next to it (writing a membership's role is not a check and needs none: see the
# demo loader, clause_library/management/commands/load_demo.py, which the scan leaves alone).
ALLOWED: dict[str, str] = {}


def _is_role_lookup(keyword):
    return keyword.arg is not None and (
        keyword.arg in ("role", "role__in") or keyword.arg.endswith(("__role", "__role__in"))
    )


def _mentions_role(node):
    """`x.role` or `Role.X`: a membership's role or one of the role constants."""
    return any(
        (isinstance(n, ast.Attribute) and n.attr == "role")
        or (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Role")
        for n in ast.walk(node)
    )


def role_checks(source: str):
    """(line, text) of each role check in the module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in ROLE_PRIMITIVES:
            found.append(node)
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_PRIMITIVES:
            found.append(node)
        elif isinstance(node, ast.alias) and (node.asname or node.name) in ROLE_PRIMITIVES:
            found.append(node)
        elif isinstance(node, ast.Compare) and _mentions_role(node):
            found.append(node)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in FILTERS and any(_is_role_lookup(k) for k in node.keywords):
                found.append(node)
    return sorted({(getattr(n, "lineno", 0), ast.unparse(n)[:80]) for n in found})


def _modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "migrations" not in relative.parts:
                yield str(relative), path


def test_role_checks_live_in_the_access_modules_only():
    """A page, API view, form or service asks `<app>/access.py` (or scoring's, tenders', ...) who may act."""
    offenders = {
        name: found
        for name, path in _modules()
        if path.name != "access.py" and name not in ALLOWED
        for found in [role_checks(path.read_text())]
        if found
    }
    assert offenders == {}


def test_the_allow_list_names_modules_that_still_need_it():
    for name, reason in ALLOWED.items():
        assert reason and role_checks((ROOT / name).read_text()), name


def test_the_scan_found_the_role_checks_that_were_written_before_the_access_modules():
    """The scan is not blind: the library page module as it was (its own "may edit" rule) fails it."""
    before = """
from organizations.access import EDITOR_ROLES, get_or_404, has_role, organization_ids_with_role

def _can_edit(user, library):
    return has_role(user, library.organization_id, EDITOR_ROLES)
"""
    found = role_checks(before)
    assert {line for line, _text in found} == {2, 5}
    assert {text for line, text in found if line == 5} == {"has_role", "EDITOR_ROLES"}


@pytest.mark.parametrize(
    "source",
    [
        "from organizations.access import EDITOR_ROLES, has_role\nhas_role(user, org, EDITOR_ROLES)",
        "from organizations import access\naccess.has_role(user, org, access.BUYER_ROLES)",
        "ids = organization_ids_with_role(user, roles)",
        "if membership.role == Role.ADMIN:\n    pass",
        "if roles_by_organization(user)[org] != 'admin':\n    pass",
        "Membership.objects.filter(user=u, organization_id=o, role__in=roles).exists()",
        "Tender.objects.filter(organization__memberships__role='buyer')",
        "Q(memberships__role__in=['admin'])",
    ],
)
def test_the_scan_finds_a_role_check_written_any_of_these_ways(source):
    assert role_checks(source)


@pytest.mark.parametrize(
    "source",
    [
        "access.require_tender_editor(user, tender)",
        "Membership.objects.filter(user=u, organization_id=o).exists()",  # membership, not role
        "Membership.objects.update_or_create(user=u, organization=o, defaults={'role': role})",
        "svg = '<svg role=\"img\">'",
    ],
)
def test_the_scan_leaves_other_code_alone(source):
    assert role_checks(source) == []


def _refusals(source: str):
    """(line, text) of each `raise PermissionDenied(...)` in the module."""
    return [
        (node.lineno, ast.unparse(node.exc)[:80])
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Raise)
        and isinstance(node.exc, ast.Call)
        and getattr(node.exc.func, "id", getattr(node.exc.func, "attr", "")) == "PermissionDenied"
    ]


@pytest.mark.parametrize("app", ["clause_library", "tenders", "conformance", "contracts"])
def test_in_the_apps_with_one_access_module_every_refusal_and_its_reason_is_there(app):
    """The reasons a person reads on a 403 are written once, next to the rule (403 on the pages and the API)."""
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in (ROOT / app).rglob("*.py")
        if path.name != "access.py"
        for found in [_refusals(path.read_text())]
        if found
    }
    assert offenders == {}
