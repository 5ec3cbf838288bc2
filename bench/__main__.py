"""`python -m bench`: time the tender document writers on a 100-article tender.

Prints the median of several runs of
- the whole PDF pipeline (TenderDocument → HTML through the templates → PDF),
- WeasyPrint alone on the same final HTML (same fetcher and base URL), the floor we cannot beat,
- the DOCX writer, and the XLSX answer form,
and the ratio pipeline / WeasyPrint alone (goal ≤ 1.2; DOCX goal ≤ 1 s); then the scoring results
(bench/scoring_results.py) and the tender file of a 60-clause tender, each piece and the `dce` ZIP
against ≤ 1.3 × the sum of its pieces (bench/tender_file.py), and the 60-clause annex at the click: cold
request → file ≤ 3 s, unchanged ≤ 0.3 s, the PDF job ≤ 1.3 × bare WeasyPrint per page (bench/annex_click.py). Not a test: numbers
depend on the machine, so they are reported, never asserted.
"""

import argparse
import logging
import os
import statistics
import sys
import time


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # No background pre-render of the bench tender's drafts (documents/prerender.py): the queue stays clean.
    os.environ.setdefault("DOCUMENT_PRERENDER", "False")
    import django

    django.setup()
    # WeasyPrint logs every layout step at INFO; the log handler would be timed too.
    logging.disable(logging.WARNING)


def interleaved(functions, runs):
    """Run each function once per round, alternating, so machine load drifts hit all alike.

    Returns {name: (wall seconds list, CPU seconds list, last result)}.
    """
    results = {name: ([], [], None) for name in functions}
    for _ in range(runs):
        for name, function in functions.items():
            wall, cpu = time.perf_counter(), time.process_time()
            value = function()
            walls, cpus, _ = results[name]
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            results[name] = (walls, cpus, value)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-scoring", action="store_true", help="only the rendering figures")
    parser.add_argument(
        "--skip-tender-file", action="store_true", help="without the 60-clause tender file (pieces, dce)"
    )
    parser.add_argument(
        "--skip-annex-click", action="store_true", help="without the annex at the click (cold, unchanged, per page)"
    )
    args = parser.parse_args(argv)
    setup_django()

    # Benchmark code, not application code: it calls WeasyPrint directly for the baseline.
    from weasyprint import HTML

    from bench.sample_document import build_tender_document
    from documents.rendering.docx import render_tender_docx
    from documents.rendering.fetcher import STATIC_URL_PREFIX
    from documents.rendering.html import render_tender_html
    from documents.rendering.pdf import PDF_OPTIONS, StaticOnlyURLFetcher, render_pdf
    from documents.rendering.xlsx import render_questionnaire_xlsx

    doc = build_tender_document(args.articles)
    final_html = render_tender_html(doc, for_print=True)

    def pipeline():
        return render_pdf(render_tender_html(doc, for_print=True))

    def weasyprint_alone():
        return HTML(string=final_html, base_url=STATIC_URL_PREFIX, url_fetcher=StaticOnlyURLFetcher()).write_pdf(
            **PDF_OPTIONS  # the same PDF/A-3b, tagged output as the pipeline
        )

    # One warm-up each (fonts, template loading, imports) so the medians compare steady states.
    pipeline()
    render_tender_docx(doc)

    functions = {
        "HTML (templates)": lambda: render_tender_html(doc, for_print=True),
        "PDF pipeline (HTML + PDF)": pipeline,
        "WeasyPrint alone, same HTML": weasyprint_alone,
        "DOCX": lambda: render_tender_docx(doc),
        "XLSX answer form": lambda: render_questionnaire_xlsx(doc),
    }
    results = interleaved(functions, args.runs)

    articles = sum(len(section["articles"]) for section in doc["sections"])
    medians = {
        name: (statistics.median(walls), statistics.median(cpus), value)
        for name, (walls, cpus, value) in results.items()
    }
    pipe, alone = medians["PDF pipeline (HTML + PDF)"], medians["WeasyPrint alone, same HTML"]
    ratio = pipe[0] / alone[0]
    rows = [
        (f"{name} ({articles} articles)", f"{wall:.3f} s", f"CPU {cpu:.3f} s, {len(value) // 1024} KiB", "")
        for name, (wall, cpu, value) in medians.items()
    ]
    rows.append(("PDF pipeline / WeasyPrint alone", f"{ratio:.3f}", "goal ≤ 1.2", "OK" if ratio <= 1.2 else "OVER"))
    docx_time = medians["DOCX"][0]
    rows.append(("DOCX writer", f"{docx_time:.3f} s", "goal ≤ 1 s", "OK" if docx_time <= 1 else "OVER"))
    if not args.skip_scoring:
        from bench import scoring_results

        for name, seconds, queries in scoring_results.run(runs=args.runs):
            big = "50 bids" in name
            rows.append(
                (
                    name,
                    f"{seconds:.3f} s",
                    f"{queries} queries" + (", goal ≤ 0.3 s" if big else ""),
                    ("OK" if seconds <= 0.3 else "OVER") if big else "",
                )
            )
    if not args.skip_tender_file:
        from bench import tender_file

        for name, value, detail, verdict in tender_file.run(runs=min(args.runs, 3)):
            shown = f"{value:.3f}" if "/" in name else f"{value:.3f} s"
            rows.append((f"tender file: {name}", shown, detail, verdict))
    if not args.skip_annex_click:
        from bench import annex_click

        for name, value, detail, verdict in annex_click.run(runs=min(args.runs, 3)):
            shown = f"{value:.3f}" if "/" in name else f"{value:.3f} s"
            rows.append((name, shown, detail, verdict))
    print(
        f"Speed figures: median of {args.runs} interleaved runs (Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs)"
    )
    width = max(len(row[0]) for row in rows)
    print(f"{'figure':<{width}}  {'median':>9}  {'detail':<34} result")
    for name, value, detail, verdict in rows:
        print(f"{name:<{width}}  {value:>9}  {detail:<34} {verdict}")


if __name__ == "__main__":
    main()
