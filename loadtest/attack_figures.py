"""The attack's own figures (security round 3), timed over HTTP against a running copy (loadtest/attack_figures.sh
starts gunicorn, a Celery worker and the demo). Not a test: the numbers depend on the machine, so they are
printed, never asserted; docs/QUALITY.md records them.

1. Imports (as `chu-admin`, the demo tender's lead): a valid answer form (read and imported by the worker),
   the finding's cell bomb (~60 KB, 11 million bare `<c/>` cells), the same with `<c r="…"/>` cells, a
   damaged part (bad CRC).
2. Adversarial clause previews: the group's curator writes 25 clauses of 49 KB of `![` into a library shared
   with the member hospitals (each write renders its preview once); then a member hospital's admin lists the
   clauses (API, every page) and opens the library's page.

Usage: DATABASE_URL=… python loadtest/attack_figures.py http://127.0.0.1:8107 [runs]
"""

import io
import os
import statistics
import sys
import time
import zipfile

import requests

PASSWORD = "clausier-demo"
HOSTILE_BODY = "![" * 24_500  # 49,000 characters, under the 50,000-character body cap
CLAUSES = 25


def setup_django():
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def token(base, username):
    response = requests.post(f"{base}/api/v1/auth/token/", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Token {response.json()['token']}", "Accept-Language": "fr"}


def timed(call, runs):
    """(statuses, seconds) of `runs` calls."""
    statuses, seconds = [], []
    for _ in range(runs):
        started = time.perf_counter()
        response = call()
        seconds.append(time.perf_counter() - started)
        statuses.append(response.status_code)
    return statuses, seconds


def report(label, statuses, seconds):
    codes = ",".join(str(code) for code in sorted(set(statuses)))
    print(
        f"{label:<62} {codes:>7}  median {statistics.median(seconds):6.3f} s  max {max(seconds):6.3f} s  n={len(seconds)}"
    )


def rewrite(xlsx, change):
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info)))
    return output.getvalue()


def with_cells(form, spelling, per_row, rows=1100):
    cells = b"".join(b'<row r="%d">' % r + spelling * per_row + b"</row>" for r in range(2, rows + 2))
    return rewrite(
        form,
        lambda name, data: (
            data.replace(b"</sheetData>", cells + b"</sheetData>") if name.endswith("sheet3.xml") else data
        ),
    )


def damaged(form):
    source = zipfile.ZipFile(io.BytesIO(form))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    data = bytearray(output.getvalue())
    data[data.find(b"<sheetData")] = ord("X")
    return bytes(data)


def import_figures(base, runs):
    from documents.rendering.xlsx import render_questionnaire_xlsx
    from scoring.models import Bid
    from tenders.selectors import tender_document
    from tests.scoring.answer_form_helpers import answered_form

    bid = Bid.objects.select_related("tender").filter(tender__status="published").order_by("pk").first()
    form = answered_form(render_questionnaire_xlsx(tender_document(bid.tender)), answer="Réponse du banc d'essai")
    headers = token(base, "chu-admin")
    address = f"{base}/api/v1/bids/{bid.pk}/questionnaire/?confirm=replace"

    def post(content):
        return lambda: requests.post(address, headers=headers, files={"file": ("reponse.xlsx", content)}, timeout=120)

    bare = with_cells(form, b"<c/>", 10_000)
    referenced = with_cells(form, b'<c r="A1"/>', 3_000)
    print(f"\nImports into bid {bid.pk} ({bid.vendor}) of {bid.tender.reference}")
    print(
        f"  files: valid {len(form):,} B; bare-cell bomb {len(bare):,} B (11,000,000 cells); "
        f"referenced-cell bomb {len(referenced):,} B (3,300,000 cells)"
    )
    for label, content in (
        ("valid answer form (worker reads and imports it)", form),
        ("cell bomb: 11,000,000 bare <c/> cells", bare),
        ('cell bomb: 3,300,000 <c r="A1"/> cells', referenced),
        ("damaged part (CRC)", damaged(form)),
    ):
        report(label, *timed(post(content), runs))


def preview_figures(base, runs):
    from organizations.models import Organization

    curator = token(base, "curator")
    hospital = token(base, "chu-admin")
    group = Organization.objects.get(kind="purchasing_group")
    members = list(Organization.objects.filter(group_links__group=group).values_list("pk", flat=True))
    library = requests.post(
        f"{base}/api/v1/libraries/",
        headers=curator,
        json={
            "name": f"Bibliothèque hostile {time.time():.0f}",
            "organization": group.pk,
            "visibility": "shared",
            "shared_with": members,
        },
        timeout=60,
    )
    library.raise_for_status()
    library_id = library.json()["id"]
    writes = []
    statuses = []
    for index in range(CLAUSES):
        started = time.perf_counter()
        response = requests.post(
            f"{base}/api/v1/clauses/",
            headers=curator,
            json={
                "library": library_id,
                "key": f"hostile-{index}",
                "title": f"Clause hostile {index}",
                "category": "api_access",
                "language": "fr",
                "requirement": "informative",
                "body": HOSTILE_BODY,
            },
            timeout=120,
        )
        writes.append(time.perf_counter() - started)
        statuses.append(response.status_code)
    print(
        f"\nAdversarial previews: {CLAUSES} clauses of {len(HOSTILE_BODY):,} characters of '![' in library {library_id}"
    )
    report("the curator writes one (its preview rendered once)", statuses, writes)

    def list_all():
        address, last = f"{base}/api/v1/clauses/?library={library_id}", None
        while address:
            last = requests.get(address, headers=hospital, timeout=120)
            body = last.json()
            address = body.get("next") if isinstance(body, dict) else None
        return last

    report("a member hospital lists them (API, every page)", *timed(list_all, runs))
    report(
        "a member hospital lists every clause it sees (API, page 1)",
        *timed(lambda: requests.get(f"{base}/api/v1/clauses/", headers=hospital, timeout=120), runs),
    )
    session = requests.Session()
    session.get(f"{base}/login/", timeout=30)
    session.post(
        f"{base}/login/",
        data={"username": "chu-admin", "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}/login/"},
        timeout=30,
    )
    report(
        "a member hospital opens the library's page",
        *timed(lambda: session.get(f"{base}/libraries/{library_id}/", timeout=120), runs),
    )


def main():
    base = sys.argv[1].rstrip("/")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    setup_django()
    import_figures(base, runs)
    preview_figures(base, runs)


if __name__ == "__main__":
    main()
