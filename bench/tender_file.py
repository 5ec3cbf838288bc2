"""The tender file of a 60-clause tender: each registered piece's own time, and the `dce` ZIP.

`run()` returns rows `(name, median seconds, detail, verdict)`; `python -m bench.tender_file` prints
them. The pieces are whatever `documents.registry` holds for the tender file's kinds (annex, CCAP,
RC, answer form, price schedule; `tender`, the annex's alias, is left out), each format of each;
the `dce` ZIP is timed when `("dce", "zip")` is registered, against the goal ≤ 1.3 × the sum of its
pieces' own times, and skipped with a note otherwise. Data is built through the services in a
throwaway test database (created and destroyed here: the development database is never touched).
"""

import argparse
import os
import statistics
import time

PIECE_KINDS = ("annex", "ccap", "rc", "questionnaire", "price_schedule")
DCE_GOAL = 1.3
CATEGORIES = (
    "api_access",
    "bulk_export",
    "standards",
    "replication",
    "anti_blocking",
    "documentation",
    "roadmap",
    "national_framework",
    "security",
    "portability",
)
BODY = (
    "Le titulaire met à disposition de l'établissement une API conforme à HL7 FHIR {{ version_fhir }} "
    "pour les ressources cliniques, sans frais par connecteur.\n\n"
    "- l'accès est ouvert sous **{{ delai_jours }} jours** après la demande ;\n"
    "- l'authentification suit SMART on FHIR (OAuth 2.0, OpenID Connect) ;\n"
    "- la documentation publique décrit chaque ressource et opération.\n\n"
    "| Ressource | Opérations |\n|---|---|\n| Patient | read, search |\n| Observation | read, search, create |\n"
)


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # No background pre-render of the bench tender's drafts (documents/prerender.py): the queue stays clean.
    os.environ.setdefault("DOCUMENT_PRERENDER", "False")
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # WeasyPrint's INFO log would be timed too


def _content(index):
    return {
        "title": f"Exigence d'interopérabilité n° {index}",
        "category": CATEGORIES[index % len(CATEGORIES)],
        "language": "fr",
        "body": BODY,
        "parameters": [
            {
                "name": "version_fhir",
                "label": "Version FHIR",
                "type": "choice",
                "default": "4.0.1",
                "required": True,
                "choices": ["4.0.1", "5.0.0"],
            },
            {"name": "delai_jours", "label": "Délai (jours)", "type": "integer", "default": 30, "required": True},
        ],
        "requirement": ("mandatory", "scored", "informative")[index % 3],
        "question": f"Décrivez votre réponse à l'exigence {index}.",
        "default_weight": 1 + index % 5,
        "scale_max": 5,
        "rubric": [{"score": s, "description": f"Niveau {s}"} for s in range(6)],
        "references": [{"label": "HL7 FHIR R4", "url": "https://hl7.org/fhir/R4/"}],
        "tags": ["software:any"],
        "checks": [],
    }


def build(clauses=60):
    """A published tender of `clauses` clauses with its criteria, built through the services."""
    from django.contrib.auth import get_user_model

    from clause_library.models import Library
    from clause_library.services import clause_create
    from organizations.models import Membership, Organization
    from scoring.services import criteria_from_clauses
    from tenders import services as tenders

    organization = Organization.objects.create(name=f"Bench tender file {time.time_ns()}")
    user = get_user_model().objects.create(username=f"bench-{organization.pk}")
    Membership.objects.create(user=user, organization=organization, role="admin")
    library = Library.objects.create(organization=organization, name="Bench", visibility="private")
    tender = tenders.tender_create(
        user=user,
        organization=organization,
        reference="AO-BENCH-60",
        title="Bench",
        single_lot_reason="Bench: one indivisible service.",
    )
    for index in range(clauses):
        clause = clause_create(user=user, library=library, key=f"clause-{index}", content=_content(index))
        tenders.tender_clause_add(user=user, tender=tender, clause=clause, parameters={})
    criteria_from_clauses(user=user, tender=tender)
    return tenders.tender_publish(user=user, tender=tender)


def _progress(value):
    pass


_progress.scaled = lambda low, high: _progress


def _timer(tender, kind, format):
    from documents import registry
    from documents.models import Document

    builder = registry.builder_for(kind, format)

    def build_once():
        document = Document.objects.create(tender=tender, kind=kind, format=format)
        content, _digest = builder(document, _progress)
        return content

    return build_once


def run(runs=3, clauses=60):
    """[(name, median seconds, detail, verdict)] for each piece and for the dce ZIP."""
    setup_django()
    from django.db import connection

    from documents import registry

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        tender = build(clauses)
        pieces = [(kind, format) for kind, format in registry.registered() if kind in PIECE_KINDS]
        functions = {f"{kind}.{format}": _timer(tender, kind, format) for kind, format in pieces}
        has_dce = registry.builder_for("dce", "zip") is not None
        if has_dce:
            functions["dce.zip"] = _timer(tender, "dce", "zip")
        for function in functions.values():
            function()  # warm-up: fonts, templates, imports
        times = {name: [] for name in functions}
        for _ in range(runs):  # interleaved, so load drifts hit all alike
            for name, function in functions.items():
                start = time.perf_counter()
                size = len(function())
                times[name].append((time.perf_counter() - start, size))
        rows = []
        medians = {name: statistics.median(t for t, _size in values) for name, values in times.items()}
        for name, values in times.items():
            if name != "dce.zip":
                rows.append((f"{name} ({clauses} clauses)", medians[name], f"{values[-1][1] // 1024} KiB", ""))
        pieces_total = sum(seconds for name, seconds in medians.items() if name != "dce.zip")
        rows.append((f"sum of the pieces ({len(pieces)})", pieces_total, "", ""))
        if has_dce:
            ratio = medians["dce.zip"] / pieces_total if pieces_total else float("inf")
            rows.append(
                (f"dce.zip ({clauses} clauses)", medians["dce.zip"], f"{times['dce.zip'][-1][1] // 1024} KiB", "")
            )
            rows.append(
                (
                    "dce.zip / sum of the pieces",
                    ratio,
                    f"goal ≤ {DCE_GOAL}",
                    "OK" if ratio <= DCE_GOAL else "OVER",
                )
            )
        else:
            print("note: no builder registered for ('dce', 'zip'): the dce ZIP is not measured.")
        return rows
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.tender_file", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clauses", type=int, default=60)
    args = parser.parse_args(argv)
    for name, value, detail, verdict in run(runs=args.runs, clauses=args.clauses):
        shown = f"{value:.3f}" if "/" in name else f"{value:.3f} s"
        print(f"{name:<40} {shown:>9}  {detail:<16} {verdict}")


if __name__ == "__main__":
    main()
