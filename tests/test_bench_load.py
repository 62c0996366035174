"""The load test's reading of real pages, its count of lost writes, the scale bench's growth
verdicts and generator, and REPORT.md (the runs themselves: make loadtest, make bench-scale)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from flask import Flask

from bench import report
from bench._evaluator_pages import csrf_of, score_form, undecided_chunks
from bench.bench_scale import coined, generated_page, growth
from bench.loadtest import count_lost_writes, percentiles
from tests.conftest import World, login


def _passages(world: World, text: str) -> list[int]:
    """A text document of the large applicant, extracted and indexed; its chunk ids."""
    import io

    from reviewapp.extensions import db
    from reviewapp.models import Chunk
    from reviewapp.services import uploads

    upload = uploads.add_upload(world.large, "증빙.txt", io.BytesIO(text.encode("utf-8")))
    document_id = upload.outcomes[0].document_id
    return list(db.session.scalars(db.select(Chunk.id).where(Chunk.document_id == document_id)))


TEXT = "\f".join(
    f"한빛시는 2025년 시민참여 리빙랩 {n}건을 운영하였다. 통합운영센터와 연계하여 "
    f"스마트 가로등 {n * 10}대를 설치하였다." * 5
    for n in range(1, 4)
)


def test_the_load_users_read_the_forms_the_app_renders(app: Flask, world: World) -> None:
    chunks = _passages(world, TEXT)
    assert chunks
    client = app.test_client()
    login(client, "eva")
    base = f"/submissions/{world.large}/indicators/INN-02"
    page = client.get(base).get_data(as_text=True)
    assert csrf_of(page)
    card = score_form(client.get(base + "/score", headers={"HX-Request": "true"}).text)
    assert card is not None and card["stage"] and card["version"] == "0"
    assert card["levels"] or card["max"] > 0
    fragment = client.get(base + "/suggestions", headers={"HX-Request": "true"}).text
    assert set(undecided_chunks(fragment)) <= set(chunks)


def test_lost_writes_are_the_acknowledged_ones_missing_or_different(
    app: Flask, world: World, tmp_path: Path
) -> None:
    from reviewapp.models import Indicator
    from reviewapp.services import accounts, evidence, scoring
    from reviewapp.services.indicators import indicator_for
    from reviewapp.services.rounds import get_submission

    chunks = _passages(world, TEXT)
    eva = accounts.user_by_name("eva")
    indicator: Indicator = indicator_for(get_submission(world.large), "INN-02")
    link = evidence.link_passage(eva.id, world.large, indicator.id, chunks[0])
    evidence.decide(eva.id, world.large, indicator.id, chunks[1], "rejected")
    stage = scoring.stage_codes(get_submission(world.large))[0]
    form = score_form(_card(app, world))
    assert form is not None
    value = form["levels"][0] if form["levels"] else "3"
    kind = "level" if form["levels"] else "points"
    scoring.save_score(
        eva.id,
        world.large,
        indicator.id,
        stage,
        scoring.ScoreForm(
            points=None if form["levels"] else value,
            level=value if form["levels"] else None,
            comment="부하 시험",
            link_ids=[link.id],
        ),
    )
    acks = tmp_path / "acks.jsonl"
    common = {"user": "eva", "submission": world.large, "code": "INN-02"}
    score_ack = {
        "kind": "score",
        **common,
        "stage": stage,
        "value_kind": kind,
        "value": value,
        "comment": "부하 시험",
        "links": [link.id],
    }
    rows = [
        {"kind": "link", **common, "chunk": chunks[0]},
        {"kind": "decision", **common, "chunk": chunks[1], "decision": "rejected"},
        score_ack,
    ]
    acks.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    data_dir = Path(app.config["DATA_DIR"])
    found = count_lost_writes(data_dir, acks)
    assert found["lost"] == [], found
    assert found["acknowledged"] == {"link": 1, "decision": 1, "score": 1}

    # a link the server acknowledged that is not there, and a score that differs, are lost
    with acks.open("a") as fh:
        fh.write(json.dumps({"kind": "link", **common, "chunk": chunks[2]}) + "\n")
        fh.write(json.dumps({**score_ack, "comment": "다른 의견"}) + "\n")
    lost = count_lost_writes(data_dir, acks)["lost"]
    assert sorted(item["what"] for item in lost) == ["link", "score"]


def _card(app: Flask, world: World) -> str:
    client = app.test_client()
    login(client, "eva")
    return client.get(
        f"/submissions/{world.large}/indicators/INN-02/score", headers={"HX-Request": "true"}
    ).text


def test_percentiles_per_action() -> None:
    timings = [("search", float(ms), True) for ms in range(1, 101)] + [("login", 900.0, True)]
    actions = percentiles(timings)
    assert actions["search"]["count"] == 100
    assert actions["search"]["p50_ms"] == 50.5
    assert 95 <= actions["search"]["p95_ms"] <= 96
    assert actions["login"] == {"p50_ms": 900.0, "p95_ms": 900.0, "p99_ms": 900.0, "count": 1}


def test_growth_names_linear_sub_linear_and_flat() -> None:
    small = {
        "pages": 900,
        "ingest_s": 30.0,
        "index_mb": 10.0,
        "search_p95_ms": 50.0,
        "peak_rss_mb": 800.0,
    }
    large = {
        "pages": 9000,
        "ingest_s": 300.0,
        "index_mb": 150.0,
        "search_p95_ms": 55.0,
        "peak_rss_mb": 1200.0,
    }
    metrics = growth(small, large)["metrics"]
    assert metrics["ingest_s"]["verdict"] == "linear"
    assert metrics["index_mb"]["verdict"] == "worse than linear"
    assert metrics["search_p95_ms"]["verdict"] == "flat"
    assert metrics["peak_rss_mb"]["verdict"] == "sub-linear"


def test_the_generator_varies_its_vocabulary_between_applicants() -> None:
    pages = []
    for a in range(2):
        rng = random.Random(1000 + a)
        names = [coined(rng, 3) for _ in range(25)]
        pages.append(generated_page(rng, coined(rng, 2) + "시", names, 2025))
    words = [set(p.split()) for p in pages]
    assert all(len(p) > 300 for p in pages)
    assert len(words[0] ^ words[1]) > 0.5 * len(words[0] | words[1])


def test_report_reads_every_result_and_draws_the_plots(tmp_path: Path) -> None:
    (tmp_path / "load.json").write_text(
        json.dumps(
            {
                "users": 20,
                "seconds": 120,
                "requests": 10,
                "errors": 0,
                "lost_writes": 0,
                "actions": {"search": {"p50_ms": 40, "p95_ms": 90, "p99_ms": 120, "count": 5}},
                "targets_p95_ms": {"search": 500},
            }
        )
    )
    (tmp_path / "load.md").write_text(
        "# Load test\n\n| action | p95 |\n|---|---|\n| search | 90 |\n"
    )
    (tmp_path / "scale.json").write_text(
        json.dumps(
            {
                "points": [
                    {"pages": 900, "ingest_s": 30, "index_mb": 10},
                    {"pages": 9000, "ingest_s": 290, "index_mb": 95},
                ]
            }
        )
    )
    (tmp_path / "ocr.json").write_text(
        json.dumps({"groups": {"scans": {"summary": {"psm 6": {"mean_recall": 0.97}}}}})
    )
    (tmp_path / "runs.json").write_text("{}")
    page = report.build(tmp_path).read_text(encoding="utf-8")
    for name in ("load", "scale", "ocr"):
        assert f"## {name}" in page
    assert "## runs" not in page
    assert "### Load test" in page  # a benchmark's own heading, one level down
    for png in ("load_latency.png", "scale_growth.png", "ocr_recall.png"):
        assert (tmp_path / png).stat().st_size > 1000
        assert f"]({png})" in page


def test_panel_url_finds_the_fragment_that_fills_a_tab() -> None:
    from bench._evaluator_pages import panel_url

    html = (
        '<div hx-get="/elsewhere"></div>'
        '<section id="questions"><div hx-get="/submissions/1/indicators/GOV-01/ask"></div></section>'
    )
    assert panel_url(html, "questions") == "/submissions/1/indicators/GOV-01/ask"
    assert panel_url(html, "summary") is None
