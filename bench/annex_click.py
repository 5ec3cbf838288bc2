"""The annex at the click (issue 29): a 60-clause annex (PDF) from the request to the finished file.

`run()` returns rows `(name, value, detail, verdict)`:
- cold: `tenders.services.document_request` → the document job (run inline on commit, as a worker would
  run it, without the broker's hop) → the row `done` with its file; no stored render of these inputs
  (removed before each run). Goal ≤ 3 s.
- unchanged: the same request again, the inputs unchanged: the stored file is copied, no job. Goal ≤ 0.3 s.
- the PDF job's CPU seconds per page (the cold request's) against bare WeasyPrint's on a synthetic tender of the same articles
  (plain HTML: headings, paragraphs, lists, tables, an A4 page; no author style beyond it), both
  PDF/A-3b and tagged (`PDF_OPTIONS`). Goal ≤ 1.3.
Data is built through the services in a throwaway test database (bench/tender_file.py `build`).
"""

import argparse
import html
import statistics
import time

from bench.tender_file import BODY, build, setup_django

COLD_GOAL = 3.0
UNCHANGED_GOAL = 0.3
PER_PAGE_GOAL = 1.3


def synthetic_tender_html(clauses):
    """A plain HTML tender of `clauses` articles with the bench's clause text: the baseline's input."""
    articles = []
    for index in range(clauses):
        articles.append(
            f"<h2>{index % 10 + 1}. Section</h2>" if index % 6 == 0 else "",
        )
        articles.append(
            f"<h3>Article {index + 1} — Exigence d'interopérabilité n° {index}</h3>"
            "<p><strong>Exigence éliminatoire</strong></p>"
            f"<p>{html.escape(BODY.split(chr(10))[0].replace('{{ version_fhir }}', '4.0.1'))}</p>"
            "<ul><li>l'accès est ouvert sous <strong>30 jours</strong> après la demande ;</li>"
            "<li>l'authentification suit SMART on FHIR (OAuth 2.0, OpenID Connect) ;</li>"
            "<li>la documentation publique décrit chaque ressource et opération.</li></ul>"
            "<table><thead><tr><th>Ressource</th><th>Opérations</th></tr></thead><tbody>"
            "<tr><td>Patient</td><td>read, search</td></tr>"
            "<tr><td>Observation</td><td>read, search, create</td></tr></tbody></table>"
            "<table><caption>Paramètres retenus</caption><tbody>"
            "<tr><th>Version FHIR</th><td>4.0.1</td></tr><tr><th>Délai (jours)</th><td>30</td></tr></tbody></table>"
            f"<p>Question au candidat (article {index + 1}) :</p><p>Décrivez votre réponse à l'exigence {index}.</p>"
            '<p>Références : <a href="https://hl7.org/fhir/R4/">HL7 FHIR R4</a> (ou équivalent)</p>'
        )
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Annexe</title>'
        "<style>@page { size: A4; margin: 24mm 18mm 20mm 18mm }</style></head><body>"
        "<h1>Annexe technique d'interopérabilité</h1>" + "".join(articles) + "</body></html>"
    )


def _bare_weasyprint(page):
    from documents.rendering.pdf import PDF_OPTIONS, weasyprint_html

    document = weasyprint_html(page).render()
    return document.write_pdf(**PDF_OPTIONS), len(document.pages)


def _pages(data):
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _request(tender, user):
    from documents.models import Document
    from tenders.services import document_request

    start, cpu = time.perf_counter(), time.process_time()
    document = document_request(user=user, tender=tender, kind="annex", format="pdf")
    document.refresh_from_db()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert document.status == Document.Status.DONE, (document.status, document.error)
    return elapsed, cpu, document


def run(runs=3, clauses=60):
    """[(name, value, detail, verdict)]: cold and unchanged request times, the per-page ratio."""
    setup_django()
    from django.db import connection

    from config.celery import app
    from documents.models import StoredRender

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    old_eager = app.conf.task_always_eager
    app.conf.update(task_always_eager=True)  # the job runs on commit, in this process
    try:
        tender = build(clauses)
        user = tender.created_by
        synthetic = synthetic_tender_html(clauses)
        _bare_weasyprint(synthetic)  # warm-up: fonts, imports
        _request(tender, user)
        cold, cold_cpu, unchanged, bare, bare_cpu, pages = [], [], [], [], [], {}
        for _ in range(runs):  # interleaved, so load drifts hit all alike
            StoredRender.objects.all().delete()
            seconds, cpu, document = _request(tender, user)
            cold.append(seconds)
            cold_cpu.append(cpu)
            pages["annex"] = pages.get("annex") or _pages(document.file.read())
            unchanged.append(_request(tender, user)[0])
            start, cpu = time.perf_counter(), time.process_time()
            _data, pages["bare"] = _bare_weasyprint(synthetic)
            bare.append(time.perf_counter() - start)
            bare_cpu.append(time.process_time() - cpu)
        cold_s, unchanged_s, bare_s = (statistics.median(values) for values in (cold, unchanged, bare))
        cpu_s, bare_cpu_s = statistics.median(cold_cpu), statistics.median(bare_cpu)
        # On CPU time: both run in this process, and the wall time of a shared machine drifts (±20 %).
        job_per_page, bare_per_page = cpu_s / pages["annex"], bare_cpu_s / pages["bare"]
        ratio = job_per_page / bare_per_page
        return [
            (
                f"annex.pdf cold, request → file ({clauses} clauses)",
                cold_s,
                f"{pages['annex']} pages, CPU {cpu_s:.2f} s, goal ≤ {COLD_GOAL:g} s",
                "OK" if cold_s <= COLD_GOAL else "OVER",
            ),
            (
                f"annex.pdf unchanged, request → file ({clauses} clauses)",
                unchanged_s,
                f"stored file, goal ≤ {UNCHANGED_GOAL:g} s",
                "OK" if unchanged_s <= UNCHANGED_GOAL else "OVER",
            ),
            (
                "bare WeasyPrint, synthetic tender",
                bare_s,
                f"{pages['bare']} pages, CPU {bare_cpu_s:.2f} s, {bare_per_page * 1000:.0f} ms/page",
                "",
            ),
            (
                "annex PDF job / bare WeasyPrint, per page",
                ratio,
                f"CPU {job_per_page * 1000:.0f} ms/page, goal ≤ {PER_PAGE_GOAL:g}",
                "OK" if ratio <= PER_PAGE_GOAL else "OVER",
            ),
        ]
    finally:
        app.conf.update(task_always_eager=old_eager)
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.annex_click", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clauses", type=int, default=60)
    args = parser.parse_args(argv)
    for name, value, detail, verdict in run(runs=args.runs, clauses=args.clauses):
        shown = f"{value:.3f}" if "/" in name else f"{value:.3f} s"
        print(f"{name:<52} {shown:>9}  {detail:<34} {verdict}")


if __name__ == "__main__":
    main()
