"""Suggestions against known evidence: the demo round, where the generator knows the page.

``demo/generate.py`` writes each demo city's documents from a list of claims, one per
indicator: ``(code, points, summary, format, page)``, the format naming the document that
holds the evidence (``pdf``: the plan summary, at that page; ``hwpx``: the ordinance and
organisation file; ``docx``: a Word document; ``quant``: the quantitative workbook). This
loads the demo round through the app (``load_demo``, real extraction, both models) with its
public statutes, plans and standards uploaded as `evidence` (hard distractors: same subject,
nothing about the city; the demo itself files them as `reference`, which suggestions skip),
and asks the suggestion service for every claimed indicator of both cities: is a passage
from the claimed document, on the claimed page where the claim has one, among the top
1 / 3 / 5 / 10? Suggestions come from the submission's other documents too (application,
quantitative workbook), so a hit needs the claimed document to outrank them as well.

Variants: min-max fusion (``suggestions.FUSION``) with BM25's weight not scaled by
keyword coverage (``suggestions.KEYWORD_COVERAGE``); the same scaled as search scales it;
other weights; the learned ranker of search (``search_index._ranker``) with keyword coverage
as search measures it and counted full; both fusions with the indicator's whole text
(``meaning_query``, cut to the query limit) as the keyword query too; keywords only;
meaning only. The row that ranks as suggestions.py ships is marked.
The demo documents were written for this project together with the indicator texts, so
this is a check of the suggestion path on realistic documents, not a held-out score.

Run: ``python -m bench.bench_suggest [OUT_DIR]``; writes suggest.json and suggest.md.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import bench_app, machine, write_results  # noqa: E402

DEMO = ROOT / "demo" / "demo.yaml"
KS = (1, 3, 5, 10)
# the claim's format -> how the evidence document's file name ends
DOCUMENT_SUFFIX = {"pdf": ".pdf", "hwpx": ".hwpx", "docx": ".docx", "quant": ".xlsx"}
# every variant names its fusion and keyword coverage, so that its figures do not depend on
# what suggestions.py ships; the shipped one is marked by matching (_shipped)
MINMAX_40_40_20 = "BM25 0.4 / e5 0.4 / USE 0.2"
VARIANTS = {
    f"min-max, {MINMAX_40_40_20}, BM25 at full weight": {
        "mode": "hybrid",
        "fusion": "minmax",
        "coverage": False,
    },
    f"min-max, {MINMAX_40_40_20}, BM25 scaled by keyword coverage as search does": {
        "mode": "hybrid",
        "fusion": "minmax",
        "coverage": True,
    },
    "min-max, keyword coverage squared, BM25 0.7 / e5 0.2 / USE 0.1": {
        "mode": "hybrid",
        "fusion": "minmax",
        "coverage": True,
        "power": 2.0,
        "weights": {"bm25": 0.7, "e5": 0.2, "use": 0.1},
    },
    "min-max, previous weights (BM25 0.2 / e5 0.5 / USE 0.3), BM25 at full weight": {
        "mode": "hybrid",
        "fusion": "minmax",
        "coverage": False,
        "weights": {"bm25": 0.2, "e5": 0.5, "use": 0.3},
    },
    "learned (search's ranker), keyword coverage as search measures it": {
        "mode": "hybrid",
        "fusion": "learned",
        "coverage": True,
    },
    "learned, keyword coverage counted full": {
        "mode": "hybrid",
        "fusion": "learned",
        "coverage": False,
    },
    "learned, the indicator's text as the one query (BM25 and vectors)": {
        "mode": "hybrid",
        "fusion": "learned",
        "coverage": True,
        "query": "meaning",
    },
    f"min-max, {MINMAX_40_40_20}, the indicator's text as the one query": {
        "mode": "hybrid",
        "fusion": "minmax",
        "coverage": False,
        "query": "meaning",
    },
    "keywords only (BM25)": {"mode": "bm25"},
    "meaning only (vectors)": {"mode": "vector"},
}


def _shipped() -> str:
    """The variant that ranks as suggestions.py ships."""
    from reviewapp.services import suggestions

    want = {
        "mode": "hybrid",
        "fusion": suggestions.FUSION,
        "coverage": suggestions.KEYWORD_COVERAGE,
    }
    return next(name for name, v in VARIANTS.items() if v == want)


def _claims() -> dict[str, list[tuple]]:
    spec = importlib.util.spec_from_file_location("demo_generate", ROOT / "demo" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"한빛시": module.HANBIT_CLAIMS, "솔내시": module.SOLNAE_CLAIMS}


def _demo_with_distractors(tmp: Path) -> Path:
    """The demo round with its public statutes, plans and standards uploaded as `evidence`:
    hard distractors (the same subjects and words, nothing about the city) that the city's
    own pages have to outrank."""
    spec = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for applicant in spec["applicants"]:
        applicant["documents"] = [
            {
                **d,
                "path": str((DEMO.parent / d["path"]).resolve()),
                "type": "evidence" if d.get("type") == "reference" else d.get("type", "evidence"),
            }
            for d in applicant["documents"]
        ]
    path = tmp / "demo.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def _rank_of_evidence(passages: list[Any], fmt: str, page: int | None) -> int | None:
    """1-based rank of the first passage from the claimed document (and page)."""
    suffix = DOCUMENT_SUFFIX[fmt]
    for i, p in enumerate(passages, 1):
        if p.document_name.endswith(suffix) and (page is None or p.page == page):
            return i
    return None


def _meaning_keywords(indicator: Any) -> str:
    """The indicator's meaning query (title, description, top rubric level, hints) cut to
    the search limit at a word boundary, as the keyword query."""
    from reviewapp.services.indicators import _SYNTAX, meaning_query
    from search_index import MAX_QUERY_CHARS

    text = " ".join(meaning_query(indicator).translate(_SYNTAX).split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[: MAX_QUERY_CHARS + 1].rsplit(" ", 1)[0][:MAX_QUERY_CHARS]
    return text


def _evaluate(
    claims: dict[str, list[tuple]],
    mode: str,
    coverage: bool | None = None,
    power: float | None = None,
    weights: dict[str, float] | None = None,
    fusion: str | None = None,
    query: str | None = None,
) -> dict[str, Any]:
    from sqlalchemy import select

    from reviewapp.extensions import db
    from reviewapp.models import Applicant, Indicator, Submission
    from reviewapp.services import suggestions
    from reviewapp.services.indexing import get_index
    from reviewapp.services.suggestions import rank
    from search_index import index as search_index

    index = get_index()
    shipped, shipped_weights = search_index.KEYWORD_COVERAGE_POWER, dict(index.weights)
    if power is not None:
        search_index.KEYWORD_COVERAGE_POWER = power
    if weights is not None:
        index.weights = dict(weights)
    shipped_coverage = suggestions.KEYWORD_COVERAGE
    if coverage is not None:
        suggestions.KEYWORD_COVERAGE = coverage
    shipped_fusion, shipped_query = suggestions.FUSION, suggestions.keyword_query
    if fusion is not None:
        suggestions.FUSION = fusion
    if query == "meaning":  # BM25 gets the indicator's text (within the query limit) too
        suggestions.keyword_query = _meaning_keywords
    try:
        rows = []
        for city, city_claims in claims.items():
            submission = db.session.scalar(
                select(Submission).join(Applicant).where(Applicant.name == city)
            )
            for code, _points, summary, fmt, page in city_claims:
                indicator = db.session.scalar(
                    select(Indicator).where(
                        Indicator.framework_id == submission.round.framework_id,
                        Indicator.code == code,
                    )
                )
                passages = rank(submission, indicator, limit=max(KS), mode=mode).passages
                rows.append(
                    {
                        "city": city,
                        "indicator": code,
                        "claim": summary,
                        "document": fmt,
                        "page": page,
                        "rank": _rank_of_evidence(passages, fmt, page),
                    }
                )
    finally:
        search_index.KEYWORD_COVERAGE_POWER = shipped
        index.weights = shipped_weights
        suggestions.KEYWORD_COVERAGE = shipped_coverage
        suggestions.FUSION, suggestions.keyword_query = shipped_fusion, shipped_query
    ranks = [r["rank"] for r in rows]
    n = len(ranks)
    summary = {f"hit@{k}": round(sum(1 for r in ranks if r and r <= k) / n, 3) for k in KS}
    summary["mrr@10"] = round(sum(1 / r for r in ranks if r) / n, 3)
    summary["n"] = n
    return {"summary": summary, "rows": rows}


def _md(result: dict[str, Any]) -> str:
    lines = [
        "# Suggestions against the demo round's known evidence",
        "",
        f"{result['machine']}. Run took {result['seconds']} s. {result['claims']} claimed "
        f"indicators of the two demo cities ({result['chunks']} passages, the statutes, plans "
        "and standards uploaded as evidence to distract); a "
        "hit = a suggested passage from the claimed document, on the claimed page where the "
        "claim names one (the plan summary PDF). Models: " + ", ".join(result["models"]) + ".",
        "",
        "| ranking | hit@1 | hit@3 | hit@5 | hit@10 | MRR@10 |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in result["variants"].items():
        s = r["summary"]
        label = f"**{name} (shipped)**" if name == result["shipped"] else name
        lines.append(
            f"| {label} | {s['hit@1']:.3f} | {s['hit@3']:.3f} | {s['hit@5']:.3f} "
            f"| {s['hit@10']:.3f} | {s['mrr@10']:.3f} |"
        )
    shipped = result["variants"][result["shipped"]]["rows"]
    missed = [r for r in shipped if not r["rank"] or r["rank"] > 3]
    lines += [
        "",
        f"Shipped ranking, claims whose evidence is not in the top 3 ({len(missed)}):",
        "",
    ]
    lines += [
        f"- {r['city']} {r['indicator']} ({r['document']}"
        + (f" p.{r['page']}" if r["page"] else "")
        + f"): rank {r['rank'] or '>10'}; {r['claim']}"
        for r in missed
    ]
    lines.append("")
    return "\n".join(lines)


def main(out_dir: Path = ROOT / "bench" / "results") -> dict[str, Any]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    claims = _claims()
    with tempfile.TemporaryDirectory(prefix="bench-suggest-") as tmp:
        app = bench_app(Path(tmp) / "data")
        with app.app_context():
            from sqlalchemy import func, select

            from reviewapp.extensions import db
            from reviewapp.models import Chunk
            from reviewapp.services.demo import load_demo
            from reviewapp.services.indexing import get_index

            load_demo(_demo_with_distractors(Path(tmp)), run_now=True)
            chunks = db.session.scalar(select(func.count(Chunk.id)))
            print(f"[suggest] demo loaded: {chunks} passages", flush=True)
            variants = {name: _evaluate(claims, **v) for name, v in VARIANTS.items()}
            models = get_index().vector_models
    result = {
        "machine": machine(),
        "claims": sum(len(c) for c in claims.values()),
        "chunks": chunks,
        "models": models,
        "variants": variants,
        "shipped": _shipped(),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    write_results(out_dir, "suggest", result, _md(result))
    for name, r in variants.items():
        print(f"[suggest] {name}: {r['summary']}", flush=True)
    return result


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results")
