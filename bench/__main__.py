"""`python -m bench`: time the tender document writers on a 100-article tender.

Prints the median of several runs of
- the whole PDF pipeline (TenderDocument → HTML through the templates → PDF),
- WeasyPrint alone on the same final HTML (same fetcher and base URL), the floor we cannot beat,
- the DOCX writer, and the XLSX answer form,
and the ratio pipeline / WeasyPrint alone (goal ≤ 1.2; DOCX goal ≤ 1 s). Not a test: numbers
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
    args = parser.parse_args(argv)
    setup_django()

    # Benchmark code, not application code: it calls WeasyPrint directly for the baseline.
    from weasyprint import HTML

    from bench.sample_document import build_tender_document
    from tenders.rendering.docx import render_tender_docx
    from tenders.rendering.fetcher import STATIC_URL_PREFIX
    from tenders.rendering.html import render_tender_html
    from tenders.rendering.pdf import StaticOnlyURLFetcher, render_pdf
    from tenders.rendering.xlsx import render_questionnaire_xlsx

    doc = build_tender_document(args.articles)
    final_html = render_tender_html(doc, for_print=True)

    def pipeline():
        return render_pdf(render_tender_html(doc, for_print=True))

    def weasyprint_alone():
        return HTML(string=final_html, base_url=STATIC_URL_PREFIX, url_fetcher=StaticOnlyURLFetcher()).write_pdf()

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
    print(f"Tender of {articles} articles, {len(doc['criteria'])} criteria, {len(doc['questions'])} questions; "
          f"median of {args.runs} interleaved runs (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    print(f"{'step':<30} {'wall median':>11} {'min':>7} {'max':>7} {'CPU median':>11}  {'output':>9}")
    medians = {}
    for name, (walls, cpus, value) in results.items():
        medians[name] = (statistics.median(walls), statistics.median(cpus))
        print(f"{name:<30} {medians[name][0]:>10.3f}s {min(walls):>7.3f} {max(walls):>7.3f} "
              f"{medians[name][1]:>10.3f}s  {len(value) // 1024:>5} KiB")
    pipe, alone, docx_time = (medians["PDF pipeline (HTML + PDF)"], medians["WeasyPrint alone, same HTML"],
                              medians["DOCX"][0])
    ratio, cpu_ratio = pipe[0] / alone[0], pipe[1] / alone[1]
    print(f"ratio pipeline / WeasyPrint alone: {ratio:.3f} wall, {cpu_ratio:.3f} CPU (goal ≤ 1.2) — "
          f"{'OK' if ratio <= 1.2 else 'OVER'}")
    print(f"DOCX: {docx_time:.3f} s (goal ≤ 1 s) — {'OK' if docx_time <= 1 else 'OVER'}")


if __name__ == "__main__":
    main()
