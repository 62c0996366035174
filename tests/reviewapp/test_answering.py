"""Ask the evidence (issue 16) on the demo cities' real plan documents, with the real
index, the real bundled e5 model and USE, SQLite and the job queue inline: answers with
the sentence and page, follow-ups, "not found", the submission an evaluator may not see,
saved conversations, the panels, the CLI shapes and the indicator summaries."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import select

from reviewapp.answering import Passage, cues
from reviewapp.answering.summary import summarize
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Document, IndicatorSummary
from reviewapp.services import access, answering, evidence, summaries
from reviewapp.services.errors import NotFound
from tests.conftest import FRAMEWORK, PASSWORD, ROOT, csrf_token, login, make_app
from tests.reviewapp.helpers import ingest, user

HANBIT_PLAN = ROOT / "demo" / "documents" / "hanbit" / "hanbit-smart-city-plan-summary-2026.pdf"
HANBIT_SELF = ROOT / "demo" / "documents" / "hanbit" / "hanbit-self-evaluation-2026.xlsx"
SOLNAE_PLAN = (
    ROOT / "demo" / "documents" / "solnae" / "solnae-smart-city-basic-plan-summary-2026.pdf"
)
MODEL = ROOT / "models" / "multilingual-e5-small"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, int, int]]:
    """한빛시 (eva assigned) and 솔내시 (evb assigned), each with its plan, embedded."""
    app = make_app(
        tmp_path_factory.mktemp("ask"),
        EMBEDDINGS_ENABLED=True,
        EMBEDDING_MODEL=str(MODEL),
        EMBEDDERS=["use", "e5"],
    )
    with app.app_context():
        from reviewapp.services import accounts, rounds
        from reviewapp.services.frameworks import import_framework

        accounts.create_user("coord", PASSWORD, "coordinator")
        accounts.create_user("eva", PASSWORD, "evaluator")
        accounts.create_user("evb", PASSWORD, "evaluator")
        fw = import_framework(FRAMEWORK)
        r = rounds.create_round("2026 인증", fw.id)
        hanbit = rounds.add_applicant(r.id, "한빛시", 1_020_000).submission_id
        solnae = rounds.add_applicant(r.id, "솔내시", 186_000).submission_id
        rounds.assign(hanbit, "eva")
        rounds.assign(solnae, "evb")
        docs = ingest([HANBIT_PLAN], hanbit) + ingest([SOLNAE_PLAN], solnae)
        assert all(d.status == "ready" and d.embedded for d in docs), [d.error for d in docs]
        yield app, hanbit, solnae
        db.session.remove()


def _ask(name: str, submission_id: int, question: str, code: str | None = None):  # type: ignore[no-untyped-def]
    result, _ = answering.ask(user(name).id, submission_id, question, indicator_code=code)
    return result


def test_question_types_read_korean_and_english() -> None:
    assert cues.question_type("CCTV는 몇 대인가?") == cues.QuestionType(cues.QUANTITY, "대")
    assert cues.question_type("시민참여단은 언제 구성되었나?").kind == cues.DATE
    assert cues.question_type("센터는 어디에 있나?").kind == cues.PLACE
    assert cues.question_type("How many cameras are there?").kind == cues.QUANTITY
    assert cues.question_type("When was it opened?").kind == cues.DATE
    assert cues.question_type("비전은 무엇인가?").kind == cues.OTHER
    qty = cues.question_type("CCTV는 몇 대인가?")
    assert cues.cue_score(qty, "CCTV는 4,850대이다.") == 1.0
    assert cues.cue_score(qty, "비율은 62.1%이다.") == 0.5
    assert cues.cue_score(qty, "관제센터를 운영한다.") == 0.0
    assert cues.cue_score(cues.question_type("언제?"), "2019년 1월 개소하였다.") == 1.0


def test_answers_a_count_with_its_sentence_and_page(world: tuple[Flask, int, int]) -> None:
    _app, hanbit, _solnae = world
    result = _ask("eva", hanbit, "통합관제 대상 CCTV는 몇 대인가?")
    assert result.found and result.mode == "extractive"
    assert "4,850대" in result.text
    first = result.citations[0]
    assert first.sentence == result.text and first.sentence in first.passage
    assert first.passage[first.span[0] : first.span[1]] == first.sentence
    doc = db.session.get(Document, first.document_id)
    assert doc.filename == HANBIT_PLAN.name and doc.submission_id == hanbit
    assert first.page == 4  # the plan's CCTV section (demo/generate.py cites page 4)
    assert len(result.citations) <= 4


def test_english_question_and_a_date(world: tuple[Flask, int, int]) -> None:
    _app, _hanbit, solnae = world
    when = _ask("evb", solnae, "솔내시 CCTV 통합관제센터는 언제 개소하였나?")
    assert when.found and "2019년 1월" in when.text
    # an English question of Korean evidence: meaning carries it (the top sentence may be
    # its neighbour, the selectively monitored 200; the figure asked is among the first three)
    english = _ask("evb", solnae, "How many CCTV cameras are under integrated control?")
    assert english.found and "대" in english.text
    assert any("1,120대" in c.sentence for c in english.citations[:3])


def test_follow_up_keeps_the_subject(world: tuple[Flask, int, int]) -> None:
    _app, hanbit, _solnae = world
    _ask("eva", hanbit, "통합관제 대상 CCTV는 몇 대인가?")
    follow = _ask("eva", hanbit, "그중 지능형 선별관제가 적용된 것은 몇 대인가?")
    assert "CCTV" in follow.query and follow.query.endswith(
        "그중 지능형 선별관제가 적용된 것은 몇 대인가?"
    )
    assert follow.found and "3,010대" in follow.text


def test_says_not_found_with_the_closest_passages(world: tuple[Flask, int, int]) -> None:
    _app, hanbit, _solnae = world
    result = _ask("eva", hanbit, "시청 구내식당의 점심 메뉴 가격은 얼마인가?")
    assert not result.found and result.text == ""
    assert result.citations, "the closest passages are shown instead"
    assert result.as_cli_dict()["answer"] == ""


def test_never_reaches_an_unassigned_submission(world: tuple[Flask, int, int]) -> None:
    _app, hanbit, solnae = world
    with pytest.raises(NotFound):
        _ask("eva", solnae, "통합관제 대상 CCTV는 몇 대인가?")
    with pytest.raises(NotFound):
        _ask("eva", solnae, "CCTV", code="SVC-03")
    # eva's own submission answers from its own documents only, never 솔내시's 1,120대
    mine = _ask("eva", hanbit, "솔내시 통합관제 대상 CCTV는 몇 대인가?")
    solnae_docs = set(
        db.session.scalars(select(Document.id).where(Document.submission_id == solnae))
    )
    assert mine.citations and not {c.document_id for c in mine.citations} & solnae_docs
    assert all("1,120" not in c.passage for c in mine.citations)


def test_conversations_are_private_to_the_evaluator_and_coordinators(
    world: tuple[Flask, int, int],
) -> None:
    _app, hanbit, _solnae = world
    _ask("eva", hanbit, "선별관제 비율은 얼마인가?")
    eva, coord = user("eva"), user("coord")
    mine = answering.conversation(eva, hanbit)
    assert mine and all(q.user_id == eva.id for q in mine)
    assert {q.id for q in answering.conversation(coord, hanbit)} >= {q.id for q in mine}
    assert answering.conversation(user("evb"), hanbit) == []
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "question.asked"))
    assert any(e.data.get("mode") == "extractive" for e in events)


def test_panel_asks_and_links_each_citation(world: tuple[Flask, int, int]) -> None:
    app, hanbit, solnae = world
    client = app.test_client()
    login(client, "eva")
    token = csrf_token(client, f"/submissions/{hanbit}")
    html = client.post(
        f"/submissions/{hanbit}/ask",
        data={"question": "통합관제 대상 CCTV는 몇 대인가?", "csrf_token": token},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "4,850대" in html and "<mark>" in html
    doc_id = db.session.scalar(select(Document.id).where(Document.submission_id == hanbit))
    assert f"/documents/{doc_id}" in html
    assert client.get(f"/submissions/{solnae}/ask").status_code == 404
    denied = client.post(
        f"/submissions/{solnae}/ask", data={"question": "CCTV", "csrf_token": token}
    )
    assert denied.status_code == 404
    page = client.get(f"/submissions/{hanbit}/indicators/SVC-03/ask").get_data(as_text=True)
    assert 'id="ask-panel"' in page


def test_cli_ask_and_summary_print_the_issue_shapes(world: tuple[Flask, int, int]) -> None:
    app, hanbit, solnae = world
    runner = app.test_cli_runner()
    out = runner.invoke(
        args=[
            "ask",
            "--submission",
            str(hanbit),
            "통합관제 대상 CCTV는 몇 대인가?",
            "--as",
            "eva",
            "--json",
        ]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) == {"answer", "found", "mode", "citations"}
    assert data["found"] is True and "4,850대" in data["answer"]
    assert set(data["citations"][0]) == {"document", "document_id", "page", "sentence", "passage"}
    assert data["citations"][0]["document"] == HANBIT_PLAN.name
    refused = runner.invoke(
        args=["ask", "--submission", str(solnae), "CCTV는 몇 대?", "--as", "eva", "--json"]
    )
    assert refused.exit_code != 0
    out = runner.invoke(
        args=[
            "summary",
            "--submission",
            str(hanbit),
            "--indicator",
            "SVC-03",
            "--as",
            "eva",
            "--json",
        ]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["source"] == "suggestions" and 1 <= len(data["sentences"]) <= 5
    for s in data["sentences"]:
        assert set(s) == {"text", "document", "document_id", "page"}
        assert s["document"] == HANBIT_PLAN.name and s["page"] >= 1


def test_summary_is_recomputed_when_links_change(world: tuple[Flask, int, int]) -> None:
    _app, hanbit, _solnae = world
    eva = user("eva")
    submission, indicator = access.indicator_for(eva, hanbit, "SVC-03")
    hits = answering.retrieve("통합관제 대상 CCTV 선별관제", hanbit, None)
    chunk = next(p for p in hits if "4,850" in p.text)
    evidence.link_passage(eva.id, hanbit, indicator.id, chunk.chunk_id)  # the job runs inline
    row = summaries.cached(eva, hanbit, indicator.id)
    assert row is not None and row.source == "links"
    assert row.sentences and all(s["chunk_id"] == chunk.chunk_id for s in row.sentences)
    assert all(s["text"] in chunk.text and s["page"] == chunk.page for s in row.sentences)
    everyone = summaries.cached(user("coord"), hanbit, indicator.id)
    assert everyone is not None and everyone.source == "links"
    keys = db.session.scalars(
        select(IndicatorSummary.evaluator_id).where(IndicatorSummary.indicator_id == indicator.id)
    )
    assert set(keys) >= {eva.id, None}


def test_mmr_summary_drops_repeats_and_keeps_document_order(world: tuple[Flask, int, int]) -> None:
    text = (
        "통합관제 대상 CCTV는 4,850대이다. 통합관제 대상 CCTV는 4,850대이다. "
        "관제요원 48명이 4조 3교대로 근무하며 24시간 운영한다. 시민참여단은 2023년 3월에 구성되었다."
    )
    passages = [Passage(-1, 1, "a.txt", 2, text, 1.0, 0), Passage(-2, 1, "a.txt", 3, text, 1.0, 1)]
    picked = summarize(passages, answering.sentence_vectors(), k=5)
    texts = [s.text for s in picked]
    assert len(texts) == len(set(texts)) == 3
    assert texts == sorted(texts, key=text.index)


def test_evidence_answers_before_the_applicants_own_words(world: tuple[Flask, int, int]) -> None:
    """The applicant's self-evaluation is cited only when no evidence sentence answers,
    labelled as its claim; reference documents the same."""
    from reviewapp.answering import LABEL_CLAIM, LABEL_EVIDENCE, extractive

    sv = answering.sentence_vectors()
    claim = Passage(
        -11, 7, "self.xlsx", 1, "통합관제 대상 CCTV는 5,000대이다.", 1.0, 0, LABEL_CLAIM
    )
    proof = Passage(
        -12, 8, "plan.pdf", 4, "2025년 12월 기준 통합관제 대상 CCTV는 4,850대이다.", 0.9, 1
    )
    both = extractive.answer("통합관제 대상 CCTV는 몇 대인가?", [claim, proof], sv)
    assert both.found and both.citations[0].label == LABEL_EVIDENCE and "4,850대" in both.text
    alone = extractive.answer("통합관제 대상 CCTV는 몇 대인가?", [claim], sv)
    assert alone.found and alone.citations[0].label == LABEL_CLAIM and "5,000대" in alone.text
    assert answering.label_for("self_evaluation") == LABEL_CLAIM
    assert answering.label_for("reference") == "reference"


def test_the_docx_report_prints_the_cited_summary(world: tuple[Flask, int, int]) -> None:
    import io

    import docx

    from reviewapp.models import Submission
    from reviewapp.reports import _common as common
    from reviewapp.reports import export

    _app, hanbit, _solnae = world
    _, indicator = access.indicator_for(user("coord"), hanbit, "SVC-03")
    row = summaries.compute(hanbit, indicator.id, None)
    assert row.sentences
    round_id = db.session.get(Submission, hanbit).round_id
    report = docx.Document(io.BytesIO(export(round_id, "docx", submission_id=hanbit).data))
    text = "\n".join(p.text for p in report.paragraphs)
    assert "증빙 요약" in text
    for s in row.sentences:
        assert f"{common.clean(s['text'])} ({s['document']}, {s['page']}쪽)" in text


class StandInLLM:
    """A stand-in for an OpenAI-compatible chat server (llama.cpp, vLLM), on loopback: it
    replies with ``reply`` (after ``delay`` seconds) and records the requests it got. No
    model runs here; the app's HTTP client, prompt, bracket resolution and fallbacks do."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.reply = ""
        self.delay = 0.0
        self.requests: list[dict] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                import time as _time

                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body})
                _time.sleep(outer.delay)
                data = json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": outer.reply}}]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def llm(world: tuple[Flask, int, int]) -> Iterator[StandInLLM]:
    app = world[0]
    stand_in = StandInLLM()
    saved = {k: app.config.get(k) for k in ("LLM_URL", "LLM_MODEL", "LLM_TIMEOUT_SECONDS")}
    app.config.update(LLM_URL=stand_in.url, LLM_MODEL="stand-in", LLM_TIMEOUT_SECONDS=2.0)
    yield stand_in
    app.config.update(saved)
    stand_in.close()


def test_generative_answer_cites_resolved_passages(
    world: tuple[Flask, int, int], llm: StandInLLM
) -> None:
    _app, hanbit, _solnae = world
    llm.reply = "통합관제 대상 CCTV는 4,850대입니다 [1]."
    result, record = answering.ask(user("eva").id, hanbit, "통합관제 대상 CCTV는 몇 대인가?")
    assert result.mode == "generative" and result.found and result.text == llm.reply
    assert llm.requests and llm.requests[0]["path"] == "/v1/chat/completions"
    prompt = llm.requests[0]["body"]["messages"][1]["content"]
    first = result.citations[0]
    assert len(result.citations) == 1 and first.passage in prompt and f"p. {first.page}" in prompt
    assert db.session.get(Document, first.document_id).submission_id == hanbit
    assert record.mode == "generative"
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.entity_id == record.id, AuditEvent.action == "question.asked"
        )
    )
    assert event.data["mode"] == "generative"


@pytest.mark.parametrize(
    "reply, delay, why",
    [
        ("CCTV는 4,850대입니다 [9].", 0.0, "not given"),
        ("CCTV는 4,850대입니다.", 0.0, "cites no passage"),
        ("NOT_FOUND", 0.0, "no answer"),
        ("CCTV는 4,850대입니다 [1].", 3.0, "failed"),
    ],
)
def test_generative_falls_back_to_the_extracted_sentence(
    world: tuple[Flask, int, int], llm: StandInLLM, reply: str, delay: float, why: str
) -> None:
    _app, hanbit, _solnae = world
    llm.reply, llm.delay = reply, delay
    result, record = answering.ask(user("eva").id, hanbit, "통합관제 대상 CCTV는 몇 대인가?")
    assert result.mode == "extractive" and "4,850대" in result.text
    assert why in result.notice and record.notice == result.notice


def test_a_remote_llm_endpoint_is_refused_unless_allowed(
    world: tuple[Flask, int, int], llm: StandInLLM
) -> None:
    from reviewapp.answering import generative

    app, hanbit, _solnae = world
    app.config["LLM_URL"] = "http://192.0.2.10:8080/v1"  # TEST-NET-1: never reached
    result, _ = answering.ask(user("eva").id, hanbit, "통합관제 대상 CCTV는 몇 대인가?")
    assert result.mode == "extractive" and "non-loopback" in result.notice
    assert not llm.requests
    with pytest.raises(generative.GenerationRefused, match="failed"):
        generative.generate(
            "q",
            result.citations,
            url="http://192.0.2.10:9/v1",
            model="m",
            timeout=0.2,
            allow_remote=True,
        )


def test_answers_read_the_sentence_vectors_stored_at_ingestion(
    world: tuple[Flask, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asking encodes no passage sentence the index stored, and the question once (the
    search's vector is reused); a passage without stored sentences, or whose text the
    stored spans no longer fit, is embedded."""
    from reviewapp.answering import SentenceVectors
    from reviewapp.services.indexing import get_index
    from search_index import load_embedder, sentence_spans

    _app, hanbit, _solnae = world
    e5 = load_embedder("e5", model_dir=MODEL)  # the one the index and answering share
    calls = {"documents": 0, "queries": 0}
    real_documents, real_queries = e5.encode_documents, e5.encode_queries

    def count_documents(texts: list[str], *args: object, **kwargs: object) -> np.ndarray:
        calls["documents"] += len(texts)
        return real_documents(texts, *args, **kwargs)  # type: ignore[arg-type]

    def count_queries(texts: list[str]) -> np.ndarray:
        calls["queries"] += len(texts)
        return real_queries(texts)

    monkeypatch.setattr(e5, "encode_documents", count_documents)
    monkeypatch.setattr(e5, "encode_queries", count_queries)
    embedded = answering.sentence_vectors().embedded  # other tests' made-up passages
    question = "한빛시 통합관제 대상 CCTV는 모두 몇 대인가?"  # asked by no other test
    result = answering.answer_question(question, hanbit)
    assert result.found and "4,850대" in result.text
    assert calls == {"documents": 0, "queries": 1}
    assert answering.sentence_vectors().embedded == embedded

    first = answering.retrieve(question, hanbit, None)[0]
    sv = SentenceVectors(e5, index=get_index())
    (read,) = sv.get([(first.chunk_id, first.text)])
    assert read.spans == sentence_spans(first.text) and read.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(read.vectors, axis=1), 1.0, atol=1e-5)
    assert calls["documents"] == 0 and sv.embedded == 0

    # no stored sentences (a passage not embedded yet), and a text the stored spans no
    # longer fit: both embedded, once, then cached
    short = "통합관제 대상 CCTV는 4,850대이다."
    passages = [(-101, first.text), (first.chunk_id, short)]
    unseen, changed = sv.get(passages)
    assert calls["documents"] == len(read.spans) + 1 and sv.embedded == 2
    assert changed.spans == [(0, len(short))]
    sv.get(passages)
    assert sv.embedded == 2
    # embedded now or stored at ingestion: the same vectors (float16 storage aside)
    assert np.allclose(unseen.vectors, read.vectors, atol=2e-3)



def test_a_blank_question_is_refused_with_its_reason(world: tuple[Flask, int, int]) -> None:
    """A blank question answers the panel with the reason (it was a 500); earlier questions
    are folded into a <details>, the latest shown; the field's label is not the heading's."""
    from flask import g

    app, hanbit, _solnae = world
    client = app.test_client()
    g.pop("csrf_token", None)  # the module's app context keeps another client's token in g
    login(client, "eva")
    g.pop("csrf_token", None)
    token = csrf_token(client, f"/submissions/{hanbit}")
    for question in ("통합관제 대상 CCTV는 몇 대인가?", "데이터 허브는 언제 구축했나?"):
        client.post(
            f"/submissions/{hanbit}/ask",
            data={"question": question, "csrf_token": token},
            headers={"HX-Request": "true"},
        )
    response = client.post(
        f"/submissions/{hanbit}/ask",
        data={"question": "   ", "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and 'id="ask-panel"' in html
    assert 'class="earlier-questions"' in html
    assert html.index("earlier-questions") < html.rindex("데이터 허브는 언제 구축했나?")
    assert ">증빙에 질문하기</label>" not in html
