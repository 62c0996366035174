"""Locust users for ``make loadtest`` (started by ``python -m bench.loadtest``, not alone).

Each simulated evaluator logs in once with its own account (LOAD_USERS_FILE: a JSON list of
``{"username", "password", "submission_id"}``), then, with 3-10 s of think time between
actions, does what an evaluator does in a browser: opens indicator pages (and the htmx
fragment the page loads), the coverage view, searches in Korean on an indicator page, links a
hit, accepts or rejects a suggestion, saves a score, and asks a question where this build has
an ask form on the indicator page (looked up on the page, never assumed).

Every write the server acknowledged (2xx) is appended to LOAD_ACKS_FILE (JSON lines), so the
orchestrator can count them against the database afterwards. Every request's exact time is
written to LOAD_TIMINGS_FILE when the run stops (locust's own percentiles are bucketed).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bench._evaluator_pages import (
    QUERIES,
    QUESTIONS,
    ask_form,
    csrf_of,
    panel_url,
    score_form,
    undecided_chunks,
)

USERS = json.loads(Path(os.environ["LOAD_USERS_FILE"]).read_text(encoding="utf-8"))
ACKS_FILE = os.environ["LOAD_ACKS_FILE"]
TIMINGS_FILE = os.environ["LOAD_TIMINGS_FILE"]
_next_user = itertools.count()
_lock = threading.Lock()
_timings: list[tuple[str, float, bool]] = []

HTMX = {"HX-Request": "true"}


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
    with _lock:
        _timings.append((name, float(response_time), exception is None))


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    with _lock, open(TIMINGS_FILE, "w", encoding="utf-8") as fh:
        json.dump(_timings, fh)


def _ack(kind: str, **fields: Any) -> None:
    with _lock, open(ACKS_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"kind": kind, **fields}, ensure_ascii=False) + "\n")
        fh.flush()


class Evaluator(HttpUser):
    wait_time = between(3, 10)

    def on_start(self) -> None:
        # A kept-alive connection that the server closed (gunicorn keepalive: 5 s, think time:
        # 3-10 s) can be reset just as a request goes out; browsers send a GET again then, and
        # so does this user, once. A POST is never resent: its reset stays an error.
        retry = Retry(
            total=1, connect=1, read=1, status=0, allowed_methods={"GET"}, raise_on_status=False
        )
        self.client.mount("http://", HTTPAdapter(max_retries=retry))
        account = USERS[next(_next_user) % len(USERS)]
        self.username = account["username"]
        self.submission_id = int(account["submission_id"])
        self.csrf = ""
        self.codes: list[str] = []
        self.ask_form: dict[str, Any] | None = None
        page = self.client.get("/login", name="login_form")
        token = csrf_of(page.text)
        with self.client.post(
            "/login",
            data={"csrf_token": token, "username": self.username, "password": account["password"]},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                response.failure(f"login refused: {response.status_code}")
                return
        show = self.client.get(f"/submissions/{self.submission_id}", name="submission_page")
        self.csrf = csrf_of(show.text)
        pattern = rf"/submissions/{self.submission_id}/indicators/([A-Za-z0-9_.\-]+)\""
        self.codes = sorted(set(re.findall(pattern, show.text)))

    def _base(self, code: str) -> str:
        return f"/submissions/{self.submission_id}/indicators/{code}"

    def _post(self, url: str, data: dict[str, Any], name: str) -> Any:
        headers = {**HTMX, "X-CSRFToken": self.csrf}
        return self.client.post(url, data=data, headers=headers, name=name)

    # --- reading ---------------------------------------------------------------------------

    @task(4)
    def open_indicator(self) -> None:
        """The indicator page, then the suggestions fragment it loads (hx-trigger=load)."""
        if not self.codes:
            return
        code = random.choice(self.codes)
        page = self.client.get(self._base(code), name="indicator_page")
        if page.ok and self.ask_form is None:
            form = ask_form(page.text)
            url = None if form else panel_url(page.text, "questions")
            if url:  # the workbench loads its ask form in the questions tab (htmx)
                panel = self.client.get(url, headers=HTMX, name="questions_panel")
                form = ask_form(panel.text) if panel.ok else None
            self.ask_form = form or {}
        self.client.get(self._base(code) + "/suggestions", headers=HTMX, name="suggestions")

    @task(1)
    def open_coverage(self) -> None:
        self.client.get(f"/submissions/{self.submission_id}/coverage", name="coverage")

    # --- searching and linking -------------------------------------------------------------

    @task(3)
    def search_and_link(self) -> None:
        """A Korean search on an indicator page; half the time one of its hits is linked."""
        if not self.codes:
            return
        code = random.choice(self.codes)
        query = random.choice(QUERIES)
        hits = self.client.get(
            self._base(code) + "/hits", params={"q": query}, headers=HTMX, name="search"
        )
        if not hits.ok or random.random() < 0.5:
            return
        chunks = re.findall(r'"chunk_id":\s*"(\d+)"', hits.text)
        if not chunks:
            return
        chunk_id = int(random.choice(chunks))
        response = self._post(self._base(code) + "/links", {"chunk_id": chunk_id}, "link")
        if response.ok:
            _ack(
                "link", user=self.username, submission=self.submission_id, code=code, chunk=chunk_id
            )

    @task(2)
    def decide_suggestion(self) -> None:
        """Accept (70 %) or reject one undecided suggestion of an indicator."""
        if not self.codes:
            return
        code = random.choice(self.codes)
        fragment = self.client.get(
            self._base(code) + "/suggestions", headers=HTMX, name="suggestions"
        )
        if not fragment.ok:
            return
        undecided = undecided_chunks(fragment.text)
        if not undecided:
            return
        chunk_id = random.choice(undecided)
        decision = "accepted" if random.random() < 0.7 else "rejected"
        response = self._post(
            self._base(code) + "/suggestions",
            {"chunk_id": chunk_id, "decision": decision},
            "decide",
        )
        if response.ok:
            _ack(
                "decision",
                user=self.username,
                submission=self.submission_id,
                code=code,
                chunk=chunk_id,
                decision=decision,
            )

    # --- scoring -----------------------------------------------------------------------------

    @task(2)
    def score(self) -> None:
        """Open the score card, fill the first stage's form as a person would, save it."""
        if not self.codes:
            return
        code = random.choice(self.codes)
        card = self.client.get(self._base(code) + "/score", headers=HTMX, name="score_card")
        if not card.ok:
            return
        form = score_form(card.text)
        if form is None:
            return
        data: dict[str, Any] = {"stage": form["stage"], "version": form["version"]}
        value: str
        if form["levels"]:
            value = random.choice(form["levels"])
            data["level"] = value
        else:
            value = f"{random.uniform(0, form['max']):.1f}"
            data["points"] = value
        comment = f"부하 시험 {self.username} {random.randint(1, 10**6)}"
        data["comment"] = comment
        if form["links"]:
            data["link_ids"] = random.sample(form["links"], k=min(2, len(form["links"])))
        else:
            data["no_evidence_reason"] = "제출된 증빙 없음 (부하 시험)"
        response = self._post(self._base(code) + "/score", data, "score_save")
        if response.ok:
            _ack(
                "score",
                user=self.username,
                submission=self.submission_id,
                code=code,
                stage=form["stage"],
                value_kind="level" if form["levels"] else "points",
                value=value,
                comment=comment,
                links=sorted(int(i) for i in data.get("link_ids", [])),
            )

    # --- asking (only where the build has it) -----------------------------------------------

    @task(1)
    def ask(self) -> None:
        if not self.ask_form:
            return  # no ask form on the indicator page of this build: nothing is faked
        form = self.ask_form
        data = {**form["fields"], form["question_field"]: random.choice(QUESTIONS)}
        self._post(form["action"], data, "ask")
