"""Load test: 50 people doing the real flows against the app served by gunicorn on loopback.

Buyers draft their own tender (edit it, add clauses, change parameters, read the pages) and generate
documents; evaluators score the demo evaluation; curators edit clauses and read previews.
Every request name starts with its flow, so the stats read per flow. Run through loadtest/run.sh.

API calls authenticate with tokens made beforehand (LOAD_TOKENS, a JSON file {username: token}) so
that 50 sign-ins do not trip the token endpoint's throttle; pages sign in through the login form.
"""

import json
import os
import random
import time
import uuid

from locust import HttpUser, between, events, task

TOKENS = json.load(open(os.environ.get("LOAD_TOKENS", "var/load/tokens.json")))
PASSWORD = "clausier-demo"
DOCUMENT_TIMEOUT = float(os.environ.get("LOAD_DOCUMENT_TIMEOUT", "90"))
DOCUMENTS = {"requested": 0, "done": 0, "failed": 0, "timeout": 0}


@events.quitting.add_listener
def _report_documents(environment, **kwargs):
    path = os.environ.get("LOAD_DOCUMENTS_OUT")
    if path:
        with open(path, "w") as out:
            json.dump(DOCUMENTS, out)


class Person(HttpUser):
    abstract = True
    username = None
    wait_time = between(1, 3)

    def on_start(self):
        self.setting_up = True
        self.api_headers = {"Authorization": f"Token {TOKENS[self.username]}", "Accept-Language": "fr"}
        self.client.get("/login/", name=f"{self.flow}: setup, sign-in page")
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/login/"},
            name=f"{self.flow}: setup, sign in",
            allow_redirects=False,
        )

    def api(self, method, url, name, expect=(200,), **kwargs):
        if getattr(self, "setting_up", False):
            name = f"setup, {name}"  # once per simulated person, during the ramp-up: no latency goal
        # The pages' own scripts call the API with the session and its CSRF token; so do we (plus the token).
        headers = {**self.api_headers, "X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        with self.client.request(
            method, url, headers=headers, name=f"{self.flow}: {name} [api]", catch_response=True, **kwargs
        ) as response:
            if response.status_code in expect:
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            return response

    def page(self, url, name):
        with self.client.get(url, name=f"{self.flow}: {name} [page]", catch_response=True) as response:
            if response.status_code == 200 and "/login/" not in response.url:
                response.success()
            else:
                response.failure(f"{response.status_code} at {response.url}")
            return response


class Buyer(Person):
    """Drafts a tender of their own, edits it and asks for its documents."""

    flow = "buyer"
    username = "buyer"
    weight = 20

    def on_start(self):
        super().on_start()
        tender = self.api(
            "post",
            "/api/v1/tenders/",
            "create tender",
            expect=(201,),
            json={
                "organization": self.organization(),
                "reference": f"AO-LOAD-{uuid.uuid4().hex[:8]}",
                "title": "Dossier patient informatisé (charge)",
                "procedure": "open",
            },
        ).json()
        self.tender = tender["id"]
        clauses = self.api("get", "/api/v1/clauses/?page_size=60", "list clauses").json()["results"]
        self.clauses = [c["id"] for c in clauses]
        self.tender_clauses = []
        for clause in random.sample(self.clauses, 3):
            self.add_clause(clause)
        self.setting_up = False

    def organization(self):
        me = self.api("get", "/api/v1/me/", "who am I").json()
        return next(o["id"] for o in me["organizations"] if o["role"] in ("buyer", "admin"))

    def add_clause(self, clause):
        response = self.api(
            "post",
            f"/api/v1/tenders/{self.tender}/clauses/",
            "add clause",
            expect=(201,),
            json={"clause": clause, "parameters": {}},
        )
        if response.status_code == 201:
            self.tender_clauses.append(response.json()["id"])

    @task(4)
    def read_tender_page(self):
        self.page(f"/tenders/{self.tender}/", "tender page")

    @task(3)
    def edit_tender(self):
        self.api(
            "patch",
            f"/api/v1/tenders/{self.tender}/",
            "edit tender",
            json={"title": f"Dossier patient informatisé — version {random.randint(1, 999)}"},
        )

    @task(2)
    def add_or_move_clause(self):
        if len(self.tender_clauses) < 12:
            self.add_clause(random.choice(self.clauses))
        else:
            self.api(
                "patch",
                f"/api/v1/tenders/{self.tender}/clauses/{random.choice(self.tender_clauses)}/",
                "move clause",
                json={"position": random.randint(0, len(self.tender_clauses) - 1)},
            )

    @task(2)
    def read_tender_clauses(self):
        self.api("get", f"/api/v1/tenders/{self.tender}/clauses/", "tender clauses")

    @task(1)
    def preview_page(self):
        self.page(f"/tenders/{self.tender}/preview/", "tender preview")

    @task(1)
    def generate_document(self):
        kind, format = random.choice([("tender", "pdf"), ("tender", "docx"), ("questionnaire", "xlsx")])
        response = self.api(
            "post",
            f"/api/v1/tenders/{self.tender}/documents/",
            "request document",
            expect=(202,),
            json={"kind": kind, "format": format},
        )
        if response.status_code != 202:
            return
        DOCUMENTS["requested"] += 1
        document = response.json()["id"]
        deadline = time.monotonic() + DOCUMENT_TIMEOUT
        while time.monotonic() < deadline:
            time.sleep(1)
            status = self.api("get", f"/api/v1/documents/{document}/", "document status").json().get("status")
            if status in ("done", "failed"):
                DOCUMENTS[status] += 1
                if status == "done":
                    self.api("get", f"/api/v1/documents/{document}/download/", "download document")
                return
        DOCUMENTS["timeout"] += 1


class Evaluator(Person):
    """Scores the demo evaluation's bids, reading the grid page in between."""

    flow = "evaluator"
    weight = 20

    def on_start(self):
        self.username = random.choice(["eval1", "eval2"])
        super().on_start()
        self.api("get", "/api/v1/tenders/", "list tenders")
        self.tender = int(os.environ["LOAD_EVALUATION_TENDER"])  # the demo evaluation (run.sh finds it)
        self.api(
            "post",
            f"/api/v1/tenders/{self.tender}/declaration/",
            "declare no conflict",
            expect=(200, 201, 409),
            json={"no_conflict": True},
        )
        self.bids = [b["id"] for b in self.api("get", f"/api/v1/tenders/{self.tender}/bids/", "bids").json()["results"]]
        criteria = self.api("get", f"/api/v1/tenders/{self.tender}/criteria/", "criteria").json()["results"]
        parents = {c["parent"] for c in criteria}
        self.criteria = [
            (c["id"], c["scale_max"]) for c in criteria if c["kind"] == "scored" and c["id"] not in parents
        ]
        self.setting_up = False

    @task(5)
    def score(self):
        criterion, scale_max = random.choice(self.criteria)
        self.api(
            "put",
            f"/api/v1/bids/{random.choice(self.bids)}/scores/{criterion}/",
            "score",
            json={"value": random.randint(0, int(scale_max)), "comment": "Vu en séance"},
        )

    @task(2)
    def my_scores(self):
        self.api("get", f"/api/v1/bids/{random.choice(self.bids)}/scores/", "read scores")

    @task(2)
    def grid_page(self):
        self.page(f"/evaluation/tenders/{self.tender}/grid/", "grid page")

    @task(1)
    def evaluation_page(self):
        self.page(f"/evaluation/tenders/{self.tender}/", "evaluation page")


class Curator(Person):
    """Keeps a clause of the group's library up to date and reads the library."""

    flow = "curator"
    username = "curator"
    weight = 10

    def on_start(self):
        super().on_start()
        libraries = self.api("get", "/api/v1/libraries/", "list libraries").json()["results"]
        self.library = next(lib["id"] for lib in libraries if lib["clause_count"])
        source = self.api("get", f"/api/v1/clauses/?library={self.library}&page_size=1", "list clauses").json()
        content = {
            k: v
            for k, v in source["results"][0].items()
            if k not in ("id", "preview", "version", "origin", "based_on", "updated_at")
        }
        content["key"] = f"charge-{uuid.uuid4().hex[:10]}"
        self.clause = self.api("post", "/api/v1/clauses/", "create clause", expect=(201,), json=content).json()["id"]
        self.body = content["body"]
        self.setting_up = False

    @task(3)
    def edit_clause(self):
        self.api(
            "patch",
            f"/api/v1/clauses/{self.clause}/",
            "edit clause",
            json={"body": self.body + f"\n\nRévision {random.randint(1, 9999)}.", "title": "Clause en révision"},
        )

    @task(3)
    def read_clause(self):
        self.api("get", f"/api/v1/clauses/{self.clause}/", "read clause with preview")

    @task(2)
    def search(self):
        self.api("get", f"/api/v1/clauses/?q={random.choice(['FHIR', 'export', 'INS', 'sécurité'])}", "search clauses")

    @task(1)
    def versions(self):
        self.api("get", f"/api/v1/clauses/{self.clause}/versions/", "clause versions")

    @task(2)
    def clause_page(self):
        self.page(f"/libraries/{self.library}/clauses/{self.clause}/", "clause page")

    @task(1)
    def library_page(self):
        self.page(f"/libraries/{self.library}/", "library page")
