"""The labelled claims set of the claim-check bench (not the checker's figures: ``make bench``)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bench._shared import CORPUS
from bench.bench_claims import DATA, KINDS, STATUSES, load, score

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "documents"
ITEMS = load(DATA)


def _years(text: str) -> set[str]:
    return set(re.findall(r"(?<!\d)(20[12]\d)(?!\d)", text))


def test_every_item_is_well_formed() -> None:
    ids = [it["id"] for it in ITEMS]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for it in ITEMS:
        assert it["expected"] in STATUSES, it["id"]
        assert it["kind"] in KINDS, it["id"]
        assert isinstance(it["format_differs"], bool), it["id"]
        assert it["claim"].strip() and it["note"].strip(), it["id"]
        period = it["claim_period"]
        assert period is None or re.fullmatch(r"(19|20)\d\d", period), it["id"]
        passages = it["passages"]
        assert 3 <= len(passages) <= 8, it["id"]
        assert len({p["id"] for p in passages}) == len(passages), it["id"]
        for p in passages:
            assert isinstance(p["id"], int) and isinstance(p["page"], int), it["id"]
            assert p["text"].strip(), it["id"]
            assert p["document"].strip(), it["id"]
            assert p["source"] in ("corpus", "demo", "synthetic"), it["id"]
        if it["expected"] != "no_evidence":
            assert any(p["key"] for p in passages), f"{it['id']}: no key passage"


def test_the_counts_the_issue_asks_for() -> None:
    expected = Counter(it["expected"] for it in ITEMS)
    assert len(ITEMS) >= 100
    assert expected["contradicted"] >= 25
    assert expected["no_evidence"] >= 15
    assert expected["weak"] >= 5
    assert expected["supported"] >= 0.35 * len(ITEMS)
    assert sum(it["format_differs"] for it in ITEMS) >= 20
    # Contradictions are by a figure, an amount or a date, never by wording alone.
    assert all(it["kind"] != "none" for it in ITEMS if it["expected"] == "contradicted")
    kinds = Counter(it["kind"] for it in ITEMS if it["expected"] == "contradicted")
    assert kinds["amount"] >= 3 and kinds["date"] >= 3


def test_yearly_tables_where_only_the_claims_year_counts() -> None:
    """A claim with a year whose key passage spans several years, in every direction."""
    yearly = [
        it
        for it in ITEMS
        if it["claim_period"]
        and any(p["key"] and len(_years(p["text"])) >= 3 for p in it["passages"])
    ]
    by_status = Counter(it["expected"] for it in yearly)
    assert len(yearly) >= 15
    assert by_status["supported"] >= 5 and by_status["contradicted"] >= 5
    # Supported claims for an early year next to later values, and the other way round.
    assert {it["claim_period"] for it in yearly} >= {"2024", "2025"}


def test_most_passages_are_real_text_of_corpus_or_demo_documents() -> None:
    sources = Counter(p["source"] for it in ITEMS for p in it["passages"])
    assert (sources["corpus"] + sources["demo"]) / sum(sources.values()) >= 0.6
    for it in ITEMS:
        for p in it["passages"]:
            name = p["document"]
            if p["source"] == "demo":
                city = name.split("-")[0]
                assert (DEMO / city / name).is_file(), name
            elif p["source"] == "synthetic":
                assert name.startswith("synthetic-"), name
            else:
                assert "/" not in name and not name.startswith(("synthetic-", "hanbit-", "solnae-"))


def test_corpus_documents_named_exist_where_the_corpus_is() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is not available")
    names = {p["document"] for it in ITEMS for p in it["passages"] if p["source"] == "corpus"}
    assert names and all((CORPUS / n).is_file() for n in names), sorted(
        n for n in names if not (CORPUS / n).is_file()
    )


def test_score_counts_contradicted_precision_and_recall() -> None:
    items = [
        {
            "expected": e,
            "kind": "count",
            "format_differs": False,
            "claim_period": None,
            "id": f"x-{i}",
        }
        for i, e in enumerate(["contradicted", "contradicted", "supported", "weak"])
    ]
    s = score(items, ["contradicted", "supported", "contradicted", "error"])
    assert s["contradicted_precision"] == 0.5
    assert s["contradicted_recall"] == 0.5
    assert s["accuracy"] == 0.25
    assert s["confusion"]["weak"]["other"] == 1
