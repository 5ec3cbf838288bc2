"""Fault drills, scripted and repeatable (loadtest/drills.sh, `make drills`).

Against our own stack on loopback (gunicorn, two Celery workers, Celery beat, PostgreSQL, Redis; a
database of its own): kill a worker in the middle of a document, restart Redis during generation, stop
PostgreSQL for a few seconds under load, fill the disk where documents are written. Each drill
ends by checking that every accepted request is done or clearly failed, nothing is half-written,
no document is duplicated, and the app serves again without a restart. No drill takes a manual
step: what is left behind is taken back by the beat schedule (config/celery.py), sent here every
REQUEUE_EVERY_SECONDS (10 s instead of 180: a deployment setting). Results: a table on stdout and
var/drills/results.json. Services stopped here are always started again (finally blocks).

Usage: python loadtest/drills.py [drill ...]   (default: all; names: worker-child, worker-whole,
redis, postgres, disk)
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("BIN", ROOT / ".venv" / "bin")).resolve()
PORT = int(os.environ.get("DRILL_PORT", "8767"))
HOST = f"http://127.0.0.1:{PORT}"
DB = os.environ.get("DRILL_DB", "clausier_drill")
OUT = ROOT / "var" / "drills"
MEDIA = OUT / "media"
FULL_DISK = Path("/tmp/clausier-full")
PG = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main"]
REDIS_START = [
    "redis-server",
    "--bind",
    "127.0.0.1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--daemonize",
    "yes",
]

ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "DEBUG": "True",
    "CELERY_BROKER_URL": os.environ.get("DRILL_BROKER", "redis://127.0.0.1:6379/8"),
    "AXES_ENABLED": "False",
    "LOG_LEVEL": "WARNING",
    "DB_CONN_MAX_AGE": "60",
    "MEDIA_ROOT": str(MEDIA),
    "PYTHONUNBUFFERED": "1",
    # The beat schedule's frequency and the grace before a running job no worker holds is taken back
    # (deployment settings, shortened so a drill lasts minutes; defaults 180 s and 60 s).
    "REQUEUE_EVERY_SECONDS": os.environ.get("REQUEUE_EVERY_SECONDS", "10"),
    "REQUEUE_RUNNING_GRACE_SECONDS": os.environ.get("REQUEUE_RUNNING_GRACE_SECONDS", "60"),
}
EVERY = int(ENV["REQUEUE_EVERY_SECONDS"])
GRACE = int(ENV["REQUEUE_RUNNING_GRACE_SECONDS"])


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(args, env=None, check=True, **kwargs):
    return subprocess.run(args, cwd=ROOT, env=env or ENV, check=check, capture_output=True, text=True, **kwargs)


def sql(query):
    return run(["psql", "-qtA", "-h", "127.0.0.1", "-U", "postgres", DB, "-c", query]).stdout.strip()


def manage(*args, env=None):
    return run([str(BIN / "python"), "manage.py", *args], env=env).stdout


def wait_until(predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class Stack:
    """gunicorn, two Celery workers and Celery beat, each in its own process group (so a drill can
    kill one whole)."""

    def __init__(self):
        self.web = None
        self.beat = None
        self.workers = {}
        self.env = dict(ENV)

    def _spawn(self, args, logname):
        handle = open(OUT / f"{logname}.log", "a")
        return subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_web(self):
        self.web = self._spawn(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "-b",
                f"127.0.0.1:{PORT}",
                "-w",
                "2",
                "--timeout",
                "60",
                "--access-logfile",
                str(OUT / "access.log"),
                "--access-logformat",
                "%(t)s %(s)s %(m)s %(U)s",
            ],
            "gunicorn",
        )
        if not wait_until(lambda: http("GET", "/login/")[0] == 200, 30):
            raise RuntimeError("gunicorn did not start")

    def start_worker(self, name):
        self.workers[name] = self._spawn(
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-n",
                f"{name}@drill",
                "-Q",
                "celery,probes",
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
            ],
            name,
        )
        time.sleep(4)  # ready to consume

    def start_beat(self):
        """Celery beat, a process of its own as in production (README): the requeue schedule."""
        (OUT / "celery").mkdir(exist_ok=True)
        self.beat = self._spawn(
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--schedule",
                str(OUT / "celery" / "beat-schedule"),
                "--loglevel",
                "INFO",
            ],
            "beat",
        )

    def start_all(self):
        self.start_web()
        self.start_worker("worker1")
        self.start_worker("worker2")
        self.start_beat()

    def stop(self, process, sig=signal.SIGTERM):
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def stop_workers(self):
        for process in self.workers.values():
            self.stop(process)
        self.workers = {}

    def stop_all(self):
        self.stop(self.beat)
        self.beat = None
        self.stop_workers()
        self.stop(self.web)
        self.web = None


TOKEN = {}


def http(method, path, body=None, timeout=15):
    """(status, parsed JSON or text); (None, error) when the server cannot be reached."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(HOST + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if TOKEN:
        request.add_header("Authorization", f"Token {TOKEN['buyer']}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy
    try:
        with opener.open(request, timeout=timeout) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    except (urllib.error.URLError, OSError) as error:
        return None, str(error)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw[:200]


def upload(path, files, timeout=15):
    """POST `files` ({field: (file name, bytes)}) as multipart/form-data; (status, parsed JSON or text)."""
    boundary = "drill" + hashlib.sha256(str(time.time()).encode()).hexdigest()[:16]
    body = b""
    for field, (name, content) in files.items():
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                "Content-Type: application/json\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(HOST + path, data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Token {TOKEN['buyer']}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    except (urllib.error.URLError, OSError) as error:
        return None, str(error)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw[:200]


def prepare():
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(MEDIA, ignore_errors=True)
    MEDIA.mkdir(parents=True)
    run(
        [
            "psql",
            "-q",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-c",
            f"DROP DATABASE IF EXISTS {DB}",
            "-c",
            f"CREATE DATABASE {DB}",
        ]
    )
    manage("migrate", "--noinput", "-v0")
    manage("load_demo")
    manage("load_demo_evaluation")
    run(["redis-cli", "-n", ENV["CELERY_BROKER_URL"].rsplit("/", 1)[1], "flushdb"])
    tokens = manage(
        "shell",
        "-v0",
        "-c",
        (
            "import json\nfrom django.contrib.auth import get_user_model\n"
            "from organizations.tokens import issue\n"
            "users = get_user_model().objects.filter(username__in=['buyer', 'chu-admin', 'eval1', 'eval2', 'curator'])\n"
            "print(json.dumps({u.username: issue(u)[1] for u in users}))"
        ),
    )
    TOKEN.update(json.loads(tokens))
    (OUT / "tokens.json").write_text(json.dumps(TOKEN))


def big_tender(clauses=40):
    """A draft tender of `clauses` default clauses: its PDF takes a few seconds, long enough to interrupt."""
    me = http("GET", "/api/v1/me/")[1]
    organization = next(o["id"] for o in me["organizations"] if o["role"] in ("buyer", "admin"))
    status, tender = http(
        "POST",
        "/api/v1/tenders/",
        {"organization": organization, "reference": "AO-DRILL", "title": "Exercice de panne"},
    )
    assert status == 201, tender
    listed = http("GET", "/api/v1/clauses/?page_size=100")[1]["results"]
    added = 0
    for clause in listed:
        if added >= clauses:
            break
        status, _ = http("POST", f"/api/v1/tenders/{tender['id']}/clauses/", {"clause": clause["id"], "parameters": {}})
        added += status == 201
    return tender["id"]


def request_document(tender, kind="tender", format="pdf"):
    status, body = http("POST", f"/api/v1/tenders/{tender}/documents/", {"kind": kind, "format": format})
    return status, body


def state(document):
    row = sql(
        f"select status, attempts, coalesce(sha256, ''), coalesce(file, ''), coalesce(error, '') "
        f"from tenders_document where id = {int(document)}"
    )
    status, attempts, sha256, file, error = row.split("|", 4)
    return {"status": status, "attempts": int(attempts), "sha256": sha256, "file": file, "error": error}


def finished(document):
    return state(document)["status"] in ("done", "failed")


FIXTURES = ROOT / "tests" / "conformance" / "fixtures"
PROBE_FILES = {
    "capability_statement": "capability-inferno-reference-server-r4.json",
    "smart_configuration": "smart-config-ig-2.2-example.json",
}


def request_probe():
    """An upload probe (the two JSON documents) of a bid of the published demo tender: (status, body, bid)."""
    bid = int(
        sql(
            "select b.id from scoring_bid b join tenders_tender t on t.id = b.tender_id "
            "where t.status = 'published' order by b.id limit 1"
        )
    )
    files = {field: (name, (FIXTURES / name).read_bytes()) for field, name in PROBE_FILES.items()}
    status, body = upload(f"/api/v1/bids/{bid}/probe/", files)
    return status, body, bid


def probe_state(report):
    row = sql(
        f"select status, attempts, coalesce(error, ''), jsonb_array_length(results::jsonb) "
        f"from conformance_probereport where id = {int(report)}"
    )
    status, attempts, error, results = row.split("|", 3)
    return {"probe": report, "status": status, "attempts": int(attempts), "error": error[:160], "results": int(results)}


def probe_finished(report):
    return probe_state(report)["status"] in ("done", "failed")


def audit(document, media=MEDIA):
    """What a drill asserts about one document: done or clearly failed, one whole file, no leftovers."""
    row = state(document)
    folder = next(iter(media.glob(f"documents/*/{document}")), None)
    files = sorted(p.name for p in folder.iterdir()) if folder else []
    problems = []
    if row["status"] not in ("done", "failed"):
        problems.append(f"still {row['status']}")
    if any(name.endswith(".part") for name in files):
        problems.append(f"half-written file left: {files}")
    if row["status"] == "done":
        path = media / row["file"]
        if len(files) != 1 or not path.exists():
            problems.append(f"files {files}")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != row["sha256"]:
            problems.append("file does not match its digest")
    if row["status"] == "failed" and not row["error"]:
        problems.append("failed without a readable reason")
    return {
        "document": document,
        **{k: row[k] for k in ("status", "attempts")},
        "files": files,
        "error": row["error"][:160],
        "problems": problems,
    }


def serving():
    return http("GET", "/login/")[0] == 200 and http("GET", "/api/v1/me/")[0] == 200


def busiest_child(worker):
    """The pool process of `worker` using the most CPU now (the one rendering)."""
    children = psutil.Process(worker.pid).children(recursive=True)
    before = {c.pid: sum(c.cpu_times()[:2]) for c in children}
    time.sleep(0.5)
    return max(children, key=lambda c: sum(c.cpu_times()[:2]) - before.get(c.pid, 0))


def wait_running(document, timeout=60):
    return wait_until(lambda: state(document)["status"] == "running", timeout, 0.1)


def drill_worker_child(stack, tender):
    """The render process dies (SIGKILL, as the OOM killer does) in the middle of a PDF.

    One worker only during the drill, so the process killed is surely the one rendering.
    """
    stack.stop(stack.workers.pop("worker2"))
    try:
        documents_before = int(sql(f"select count(*) from tenders_document where tender_id = {tender}"))
        status, body = request_document(tender)
        document = body["id"]
        if not wait_running(document):
            return {"result": "FAIL", "detail": "never started", **audit(document)}
        time.sleep(1)
        victim = busiest_child(stack.workers["worker1"])
        log(f"killing render process {victim.pid} while document {document} is at {state(document)}")
        victim.kill()
        wait_until(lambda: finished(document), 180)
        outcome = audit(document)
        count = int(sql(f"select count(*) from tenders_document where tender_id = {tender}"))
        outcome["duplicates"] = count - documents_before - 1
        ok = (
            outcome["status"] == "done"
            and outcome["attempts"] >= 2
            and not outcome["problems"]
            and outcome["duplicates"] == 0
            and serving()
        )
        return {"result": "PASS" if ok else "FAIL", **outcome}
    finally:
        stack.start_worker("worker2")


def drill_worker_whole(stack, tender, wait=None):
    """The whole worker (main process and its pool) is SIGKILLed mid-document; a new one starts at once.

    Its job stays unacknowledged in Redis until the visibility timeout (1 h). Nothing is done by
    hand: beat's requeue asks the workers which jobs they hold and, none holding it, sends the
    document again once it has been running for REQUEUE_RUNNING_GRACE_SECONDS.
    """
    wait = wait or GRACE + 4 * EVERY + 120
    stack.stop(stack.workers.pop("worker2"))
    try:
        status, body = request_document(tender)
        document = body["id"]
        if not wait_running(document):
            return {"result": "FAIL", "detail": "never started", **audit(document)}
        time.sleep(1)
        log(f"SIGKILL to the whole worker1 (process group) with document {document} running")
        killed_at = time.monotonic()
        stack.stop(stack.workers.pop("worker1"), signal.SIGKILL)
        stack.start_worker("worker1")
        stack.start_worker("worker2")
        wait_until(lambda: finished(document), wait, 1)
        seconds = round(time.monotonic() - killed_at)
        outcome = audit(document)
        log(f"document {document} {outcome['status']} {seconds} s after the kill")
        ok = outcome["status"] == "done" and outcome["attempts"] >= 2 and not outcome["problems"]
        return {"result": "PASS" if ok else "FAIL", "seconds_from_kill_to_end": seconds, **outcome}
    finally:
        for name in ("worker1", "worker2"):
            if name not in stack.workers:
                stack.start_worker(name)


def drill_redis(stack, tender, wait=None):
    """Redis (the broker) restarts while documents are generated; a document and a probe are asked
    for while it is down. Nothing is done by hand: beat's requeue sends again what stayed queued."""
    wait = wait or 60 + 4 * EVERY + 150
    documents = [
        request_document(tender, *spec)[1]["id"]
        for spec in (("tender", "pdf"), ("tender", "docx"), ("questionnaire", "xlsx"), ("tender", "pdf"))
    ]
    wait_running(documents[0], 30)
    log("redis: shutdown nosave")
    run(["redis-cli", "shutdown", "nosave"], check=False)
    probe = None
    try:
        time.sleep(1)
        during = request_document(tender)
        log(f"document asked for while Redis is down: HTTP {during[0]} {str(during[1])[:160]}")
        if isinstance(during[1], dict) and during[1].get("id"):
            documents.append(during[1]["id"])
        probe_during = request_probe()
        log(
            f"probe asked for while Redis is down (bid {probe_during[2]}): HTTP {probe_during[0]} {str(probe_during[1])[:160]}"
        )
        if isinstance(probe_during[1], dict) and probe_during[1].get("id"):
            probe = probe_during[1]["id"]
        app_during = serving()
        time.sleep(3)
    finally:
        run(REDIS_START, check=False)
        wait_until(lambda: run(["redis-cli", "ping"], check=False).stdout.strip() == "PONG", 20)
        back_at = time.monotonic()
        log("redis: back")
    left_queued = [d for d in documents if state(d)["status"] == "queued"]
    wait_until(lambda: all(finished(d) for d in documents) and (probe is None or probe_finished(probe)), wait, 1)
    seconds = round(time.monotonic() - back_at)
    outcomes = [audit(d) for d in documents]
    probe_outcome = probe_state(probe) if probe else {"status": "not created"}
    log(
        f"{seconds} s after Redis came back: documents {[o['status'] for o in outcomes]}, probe {probe_outcome['status']}"
    )
    ok = (
        all(o["status"] == "done" and not o["problems"] for o in outcomes)
        and probe_outcome["status"] == "done"
        and serving()
    )
    return {
        "result": "PASS" if ok else "FAIL",
        "document_asked_while_down": during[0],
        "probe_asked_while_down": probe_during[0],
        "served_while_down": app_during,
        "queued_when_redis_came_back": len(left_queued),
        "seconds_from_redis_back_to_all_done": seconds,
        "documents": outcomes,
        "probe": probe_outcome,
    }


def drill_postgres(stack, tender, seconds=5, load_seconds=60):
    """PostgreSQL stops for a few seconds while 20 simulated people work and documents render."""
    documents = [request_document(tender)[1]["id"], request_document(tender, "tender", "docx")[1]["id"]]
    env = {
        **stack.env,
        "LOAD_TOKENS": str(OUT / "tokens.json"),
        "LOAD_EVALUATION_TENDER": sql("select id from tenders_tender where status = 'published' limit 1"),
    }
    access = OUT / "access.log"
    offset = access.stat().st_size if access.exists() else 0
    locust = subprocess.Popen(
        [
            str(BIN / "locust"),
            "-f",
            "loadtest/locustfile.py",
            "--headless",
            "--host",
            HOST,
            "-u",
            "20",
            "-r",
            "10",
            "--run-time",
            f"{load_seconds}s",
            "--csv",
            str(OUT / "pg-locust"),
            "--only-summary",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(OUT / "pg-locust.txt", "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        time.sleep(20)
        documents.append(request_document(tender)[1]["id"])
        log(f"postgresql: stop for {seconds} s")
        stopped_at = time.time()
        run([*PG, "stop", "-m", "fast"], check=False)
        try:
            time.sleep(1)
            during = http("GET", f"/api/v1/tenders/{tender}/", timeout=10)
            time.sleep(max(0, seconds - 1))
        finally:
            run([*PG, "start"], check=False)
            wait_until(lambda: run(["pg_isready", "-h", "127.0.0.1"], check=False).returncode == 0, 60)
            log(f"postgresql: back after {time.time() - stopped_at:.1f} s")
        locust.wait(load_seconds + 60)
    finally:
        if locust.poll() is None:
            os.killpg(locust.pid, signal.SIGTERM)
    wait_until(lambda: all(finished(d) for d in documents), 180)
    lines = access.read_text()[offset:].splitlines() if access.exists() else []
    statuses = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 3:
            statuses[parts[2]] = statuses.get(parts[2], 0) + 1
    outcomes = [audit(d) for d in documents]
    back = serving()
    ok = back and all(not o["problems"] for o in outcomes)
    return {
        "result": "PASS" if ok else "FAIL",
        "api_during_outage": during[0],
        "http_statuses": statuses,
        "serving_after_without_restart": back,
        "documents": outcomes,
    }


def drill_disk(stack, tender):
    """The disk where documents are written is full (1 MiB tmpfs), then freed; the same document is retried."""
    FULL_DISK.mkdir(exist_ok=True)
    run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(FULL_DISK)])
    try:
        stack.stop_all()
        stack.env = {**ENV, "MEDIA_ROOT": str(FULL_DISK)}
        stack.start_all()
        filler = FULL_DISK / "filler"
        run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], check=False)  # until the disk is full
        status, body = request_document(tender)
        document = body["id"]
        log(f"document {document} asked for on a full disk (HTTP {status}); waiting for its retries to end")
        wait_until(lambda: finished(document), 240, 1)
        first = audit(document, FULL_DISK)
        leftovers = sorted(str(p.relative_to(FULL_DISK)) for p in FULL_DISK.rglob("*") if p.is_file() and p != filler)
        filler.unlink()
        retry = http("POST", f"/api/v1/documents/{document}/retry/")
        wait_until(lambda: finished(document), 120)
        second = audit(document, FULL_DISK)
        ok = (
            first["status"] == "failed"
            and not first["problems"]
            and not leftovers
            and second["status"] == "done"
            and not second["problems"]
            and serving()
        )
        return {
            "result": "PASS" if ok else "FAIL",
            "while_full": first,
            "files_left_while_full": leftovers,
            "retry_http": retry[0],
            "after_freeing": second,
        }
    finally:
        stack.stop_all()
        stack.env = dict(ENV)
        run(["umount", str(FULL_DISK)], check=False)
        stack.start_all()


DRILLS = {
    "worker-child": drill_worker_child,
    "worker-whole": drill_worker_whole,
    "redis": drill_redis,
    "postgres": drill_postgres,
    "disk": drill_disk,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drills", nargs="*", help=f"some of: {', '.join(DRILLS)} (default: all)")
    args = parser.parse_args()
    args.drills = args.drills or list(DRILLS)
    unknown = set(args.drills) - set(DRILLS)
    if unknown:
        parser.error(f"unknown drill(s): {', '.join(sorted(unknown))}")
    prepare()
    stack = Stack()
    results = {}
    try:
        stack.start_all()
        tender = big_tender()
        log(f"tender {tender} ready")
        for name in args.drills:
            log(f"drill {name}")
            try:
                results[name] = DRILLS[name](stack, tender)
            except Exception as exc:  # a drill that breaks is a result too
                results[name] = {"result": "ERROR", "detail": repr(exc)}
            log(f"drill {name}: {results[name]['result']}")
    finally:
        stack.stop_all()
        pg = run(["pg_isready", "-h", "127.0.0.1"], check=False).returncode == 0
        redis = run(["redis-cli", "ping"], check=False).stdout.strip() == "PONG"
        log(f"services after the drills: PostgreSQL {'up' if pg else 'DOWN'}, Redis {'up' if redis else 'DOWN'}")
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\n{'drill':<14} result  detail")
    for name, result in results.items():
        detail = {k: v for k, v in result.items() if k != "result"}
        print(f"{name:<14} {result['result']:<7} {json.dumps(detail, ensure_ascii=False)[:400]}")
    return 0 if all(r["result"] == "PASS" for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
