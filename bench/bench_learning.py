"""Suggestion learning: how much better the next suggestions get after N decisions.

Measured through the shipped services (real app, SQLite, whoosh index, vector stores of USE
and e5, ``suggestions.rank`` and ``evidence.decide``) on KorQuAD v1.0 dev:

* one submission holds all 964 paragraphs, one document per Wikipedia article (neutral
  file names, one paragraph per page); vectors are the product's own encodings of those
  paragraphs, reused from bench_fusion's cache (``bench/cache``; computed and cached when
  absent) and put straight into the vector stores;
* one pseudo-indicator per article with at least ``MIN_PARAGRAPHS`` paragraphs:
  ``title_ko`` is a question about one paragraph, ``description`` a question about
  another (seeded choice), no search hints; relevant = every paragraph of the article
  (topical relevance: an indicator's evidence spread over pages);
* a simulated evaluator looks at the top 5 undecided suggestions, accepts those of the
  article and rejects the rest (``evidence.decide``), ``ROUNDS`` times; before each
  round (after 0, 5, 10, 15 decisions) it scores the next undecided suggestions:
  precision@5, recall@10 of the relevant passages not decided yet (indicators with none
  left are left out of that mean), and relevant passages found so far;
* the same loop without learning (``FEEDBACK_WEIGHT = 0``, ``EXPANSION_TERMS = 0``:
  decided passages are still hidden or listed first, but nothing moves) is the baseline;
* since after a few rounds the two loops have different passages left to find, every step
  is also ranked the other way on the same decisions (with learning on the baseline's
  decisions and without on the learning loop's): a paired comparison on one pool;
* a small sweep of both constants shows what each part contributes; the best point is
  chosen on half of the indicators and checked on the other half. A warm-up pass runs
  first so that the reported ``rank`` times are warm.

Run: ``python -m bench.bench_learning [OUT_DIR] [--quick]``; writes learning.json and
learning.md. ``--quick``: a smoke run (the first ``QUICK_ARTICLES`` articles, learning vs
without only, no warm-up or sweep): checks that the loop runs, its figures are not the
benchmark's.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import BENCHMARKS, E5_MODEL_DIR, bench_app, machine, write_results  # noqa: E402

os.environ.setdefault("REVIEWAPP_EMBEDDING_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

KORQUAD = BENCHMARKS / "korquad-v1.0-dev.json"
CACHE_DIR = ROOT / "bench" / "cache"
MIN_PARAGRAPHS = 6  # so that relevant passages are left after the first 5 decisions
SHOWN = 5  # suggestions an evaluator decides per round
ROUNDS = 3  # decision rounds: metrics after 0, 5, 10, 15 decisions
RECALL_AT = 10
SEED = 0
QUICK_ARTICLES = 12
# (FEEDBACK_WEIGHT, EXPANSION_TERMS); the shipped values are read from search_index/index.py
BASELINE = (0.0, 0)
SWEEP = [
    (0.0, 6),  # text expansion only
    (0.35, 0),  # vector Rocchio only
    (0.7, 6),
    (1.0, 6),
    (0.35, 12),
    (0.7, 12),
    (1.0, 12),
]


# ----------------------------------------------------------------------------- data


def load_korquad() -> tuple[list[dict[str, Any]], list[str]]:
    """Articles as {"title", "paragraphs": [text], "questions": [[q, ...] per paragraph]}
    and the flat paragraph list in file order (bench_fusion's KorQuAD corpus)."""
    kq = json.loads(KORQUAD.read_text(encoding="utf-8"))
    articles, corpus = [], []
    for a in kq["data"]:
        articles.append(
            {
                "title": a["title"],
                "paragraphs": [p["context"] for p in a["paragraphs"]],
                "questions": [[q["question"] for q in p["qas"]] for p in a["paragraphs"]],
            }
        )
        corpus += [p["context"] for p in a["paragraphs"]]
    return articles, corpus


def pseudo_indicators(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One per article with >= MIN_PARAGRAPHS paragraphs: two questions of two paragraphs."""
    rng = random.Random(SEED)
    out = []
    for a_index, a in enumerate(articles):
        asked = [i for i, qs in enumerate(a["questions"]) if qs]
        if len(a["paragraphs"]) < MIN_PARAGRAPHS or len(asked) < 2:
            continue
        p1, p2 = rng.sample(asked, 2)
        out.append(
            {
                "article": a_index,
                "code": f"KQ-{len(out) + 1:02d}",
                "title_ko": rng.choice(a["questions"][p1]),
                "description": rng.choice(a["questions"][p2]),
                "paragraphs": len(a["paragraphs"]),
            }
        )
    return out


def corpus_vectors(corpus: list[str], log: Any) -> dict[str, np.ndarray]:
    """e5 and USE passage vectors of the KorQuAD corpus, keyed as bench_fusion caches them."""
    from bench.bench_fusion import Cache, _digest
    from search_index.embeddings import load_embedder

    cache = Cache(CACHE_DIR)
    out = {}
    for kind in ("use", "e5"):
        key = f"{kind}-korquad-corpus-{_digest(corpus)}"

        def make(kind: str = kind) -> np.ndarray:
            log(f"encoding {len(corpus)} paragraphs with {kind} (not cached yet)")
            emb = load_embedder(kind, E5_MODEL_DIR if kind == "e5" else None)
            return emb.encode_documents(corpus, batch_size=32 if kind == "e5" else 64)

        t0 = time.perf_counter()
        out[kind], hit = cache.get(key, make)
        log(
            f"{kind} corpus vectors: {'cached' if hit else 'computed'} {out[kind].shape} "
            f"in {time.perf_counter() - t0:.1f} s"
        )
    return out


# ----------------------------------------------------------------------------- app


def _framework_yaml(indicators: list[dict[str, Any]], path: Path) -> None:
    import yaml

    spec = {
        "framework": {
            "code": "korquad-learning",
            "name_ko": "KorQuAD 학습 벤치 지표",
            "version": "1",
            "scheme": "city",
            "total_points": 10 * len(indicators),
            "areas": [
                {
                    "code": "KQ",
                    "title_ko": "KorQuAD",
                    "indicators": [
                        {
                            "code": ind["code"],
                            "title_ko": ind["title_ko"],
                            "description": ind["description"],
                            "kind": "quantitative",
                            "max_points": 10,
                            "search_hints": [],
                        }
                        for ind in indicators
                    ],
                }
            ],
        }
    }
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")


def setup(
    articles: list[dict[str, Any]],
    indicators: list[dict[str, Any]],
    vectors: dict[str, np.ndarray],
    tmp: Path,
) -> dict[str, Any]:
    """Framework, round, submission with every paragraph indexed and embedded, an admin."""
    from reviewapp.extensions import db
    from reviewapp.models import Chunk, Document, DocumentStatus, Framework, Role
    from reviewapp.services import accounts, rounds
    from reviewapp.services.frameworks import import_framework
    from reviewapp.services.indexing import get_index, records_for
    from reviewapp.services.suggestions import meaning_query

    yaml_path = tmp / "korquad-learning.yaml"
    _framework_yaml(indicators, yaml_path)
    fw = import_framework(yaml_path)
    rnd = rounds.create_round("learning bench", fw.id)
    sid = rounds.add_applicant(rnd.id, "벤치시", 600_000).submission_id
    # decisions are an assigned evaluator's own (services/evidence.py)
    user = accounts.create_user("bench-evaluator", "bench-password-123", Role.EVALUATOR.value)
    rounds.assign(sid, user.username)

    docs: list[Document] = []
    for a_index, a in enumerate(articles):
        doc = Document(
            submission_id=sid,
            filename=f"자료-{a_index + 1:03d}.pdf",
            sha256=hashlib.sha256(f"korquad-{a_index}".encode()).hexdigest(),
            size=sum(len(p) for p in a["paragraphs"]),
            detected_type="pdf",
            status=DocumentStatus.READY.value,
            page_count=len(a["paragraphs"]),
            embedded=True,
        )
        for pos, text in enumerate(a["paragraphs"]):
            doc.chunks.append(
                Chunk(position=pos, page=pos + 1, start_char=0, end_char=len(text), text=text)
            )
        db.session.add(doc)
        docs.append(doc)
    db.session.commit()

    index = get_index()
    records = [r for d in docs for r in records_for(d)]
    t0 = time.perf_counter()
    index.add_chunks(records)
    index_s = time.perf_counter() - t0
    chunk_ids = [r.chunk_id for r in records]  # file order = the cached vectors' order
    article_of = {c.id: a_index for a_index, d in enumerate(docs) for c in d.chunks}
    models = index.vector_models  # loads the models (needed for query vectors)
    for name in models:
        vecs = vectors[name]
        assert len(vecs) == len(records)
        store = index._store(index._models[name], dim=int(vecs.shape[1]))  # noqa: SLF001
        store.add(
            chunk_ids,
            vecs,
            document_ids=[r.document_id for r in records],
            submission_ids=[r.submission_id for r in records],
        )
    framework = db.session.get(Framework, fw.id)
    t0 = time.perf_counter()
    index.prepare_queries([meaning_query(i) for i in framework.indicators])
    prepare_s = time.perf_counter() - t0
    return {
        "submission_id": sid,
        "user_id": user.id,
        "article_of": article_of,
        "models": models,
        "model_errors": index.vector_error,
        "chunks": len(records),
        "fulltext_index_s": round(index_s, 1),
        "prepare_queries_s": round(prepare_s, 1),
    }


# ----------------------------------------------------------------------------- loop


def _clear_decisions(sid: int) -> None:
    from sqlalchemy import delete

    from reviewapp.extensions import db
    from reviewapp.models import EvidenceLink, SuggestionDecision

    db.session.execute(delete(SuggestionDecision).where(SuggestionDecision.submission_id == sid))
    db.session.execute(delete(EvidenceLink).where(EvidenceLink.submission_id == sid))
    db.session.commit()


def _measure(
    chunk_ids: list[int], decided: set[int], relevant: set[int], prefix: str = ""
) -> dict[str, Any]:
    """precision@5 and recall@10 (of the relevant passages left) of the undecided ones."""
    fresh = [c for c in chunk_ids if c not in decided]
    assert len(fresh) >= RECALL_AT, len(fresh)
    left = relevant - decided
    return {
        f"{prefix}p@5": sum(c in relevant for c in fresh[:SHOWN]) / SHOWN,
        f"{prefix}r@10": len(left & set(fresh[:RECALL_AT])) / len(left) if left else None,
    }


def run_pass(
    ctx: dict[str, Any],
    specs: list[dict[str, Any]],
    feedback_weight: float,
    expansion: int,
    compare: tuple[float, int] | None = None,
) -> dict[str, Any]:
    """The evaluator loop over every indicator with these constants; per-indicator curves.

    With ``compare``, every step also ranks with those constants on the same decisions
    (the same passages left to find): ``cmp_p@5`` and ``cmp_r@10``, a paired comparison
    free of the two trajectories' different remaining pools."""
    from sqlalchemy import select

    from reviewapp.extensions import db
    from reviewapp.models import Indicator, Submission
    from reviewapp.services import evidence, suggestions
    from search_index import index as search_index

    def use(constants: tuple[float, int]) -> None:
        search_index.FEEDBACK_WEIGHT, search_index.EXPANSION_TERMS = constants

    saved = search_index.FEEDBACK_WEIGHT, search_index.EXPANSION_TERMS
    use((feedback_weight, expansion))
    sid, article_of = ctx["submission_id"], ctx["article_of"]
    _clear_decisions(sid)
    submission = db.session.get(Submission, sid)
    user_id = ctx["user_id"]
    by_code = {
        i.code: i
        for i in db.session.scalars(
            select(Indicator).where(Indicator.framework_id == submission.round.framework_id)
        )
    }
    rank_s: list[float] = []
    per_indicator = []
    try:
        for spec in specs:
            indicator = by_code[spec["code"]]
            relevant = {c for c, a in article_of.items() if a == spec["article"]}
            decided: set[int] = set()
            found = 0
            curve = []
            for step in range(ROUNDS + 1):
                t0 = time.perf_counter()
                decisions = evidence.decisions_of(user_id, sid, indicator.id)
                result = suggestions.rank(submission, indicator, decisions, limit=RECALL_AT + found)
                rank_s.append(time.perf_counter() - t0)
                shown = [p.chunk_id for p in result.passages]
                point = {
                    "decisions": len(decided),
                    "found": found,
                    "left": len(relevant - decided),
                    **_measure(shown, decided, relevant),
                }
                if compare is not None:
                    use(compare)
                    other = suggestions.rank(
                        submission, indicator, decisions, limit=RECALL_AT + found
                    )
                    use((feedback_weight, expansion))
                    point |= _measure(
                        [p.chunk_id for p in other.passages], decided, relevant, "cmp_"
                    )
                curve.append(point)
                if step == ROUNDS:
                    break
                for cid in [c for c in shown if c not in decided][:SHOWN]:
                    ok = cid in relevant
                    evidence.decide(
                        user_id, sid, indicator.id, cid, "accepted" if ok else "rejected"
                    )
                    decided.add(cid)
                    found += ok
            per_indicator.append({"code": spec["code"], "curve": curve})
    finally:
        use(saved)
    rank_s.sort()
    return {
        "feedback_weight": feedback_weight,
        "expansion_terms": expansion,
        "compare": list(compare) if compare is not None else None,
        "indicators": per_indicator,
        "rank_ms": {
            "mean": round(1000 * float(np.mean(rank_s)), 1),
            "p50": round(1000 * rank_s[len(rank_s) // 2], 1),
            "p95": round(1000 * rank_s[int(len(rank_s) * 0.95)], 1),
            "calls": len(rank_s),
        },
    }


def summarize(run: dict[str, Any], codes: set[str] | None = None) -> list[dict[str, Any]]:
    """Means over indicators per step (recall only over indicators with relevant left)."""
    rows = []
    inds = [i for i in run["indicators"] if codes is None or i["code"] in codes]
    for step in range(ROUNDS + 1):
        points = [i["curve"][step] for i in inds]
        row: dict[str, Any] = {
            "decisions": step * SHOWN,
            "found": round(float(np.mean([p["found"] for p in points])), 3),
            "left": round(float(np.mean([p["left"] for p in points])), 2),
        }
        for prefix in ("", "cmp_") if run.get("compare") else ("",):
            recalls = [p[f"{prefix}r@10"] for p in points if p[f"{prefix}r@10"] is not None]
            row[f"{prefix}p@5"] = round(float(np.mean([p[f"{prefix}p@5"] for p in points])), 4)
            row[f"{prefix}r@10"] = round(float(np.mean(recalls)), 4) if recalls else None
            row["r@10_n"] = len(recalls)
        rows.append(row)
    return rows


def paired(
    a: dict[str, Any], key_a: str, b: dict[str, Any], key_b: str, step: int
) -> dict[str, Any]:
    """Per-indicator differences a[key_a] - b[key_b] at one step: mean, bootstrap 95% CI,
    wins/ties/losses (indicators where both are defined)."""
    diffs = []
    for x, y in zip(a["indicators"], b["indicators"], strict=True):
        u, v = x["curve"][step][key_a], y["curve"][step][key_b]
        if u is not None and v is not None:
            diffs.append(u - v)
    d = np.asarray(diffs, dtype=float)
    if not len(d):
        return {"mean": None, "ci95": [None, None], "wins": 0, "ties": 0, "losses": 0, "n": 0}
    boots = np.random.default_rng(SEED).choice(d, size=(2000, len(d))).mean(axis=1)
    return {
        "mean": round(float(d.mean()), 4),
        "ci95": [round(float(np.percentile(boots, q)), 4) for q in (2.5, 97.5)],
        "wins": int((d > 1e-9).sum()),
        "ties": int((np.abs(d) <= 1e-9).sum()),
        "losses": int((d < -1e-9).sum()),
        "n": len(d),
    }


def _score(rows: list[dict[str, Any]]) -> float:
    """Sweep objective: mean precision@5 of rounds 2-4 (after 5, 10, 15 decisions), i.e. the
    share of relevant passages among the 15 suggestions decided after the first round."""
    return float(np.mean([r["p@5"] for r in rows[1:]]))


def _same_state_gain(run: dict[str, Any], codes: set[str] | None = None) -> float:
    """Mean p@5 with the run's constants minus without learning, on the same decisions."""
    rows = summarize(run, codes)[1:]
    return float(np.mean([r["p@5"] - r["cmp_p@5"] for r in rows]))


# ----------------------------------------------------------------------------- report


def _fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _paired_table(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| decisions | metric | mean diff | 95% CI | wins / ties / losses |"]
    out.append("|---|---|---|---|---|")
    for p in rows:
        lo, hi = p["ci95"]
        out.append(
            f"| {p['decisions']} | {p['metric']} | {_fmt(p['mean'], 3)} | "
            f"[{_fmt(lo)}, {_fmt(hi)}] | {p['wins']} / {p['ties']} / {p['losses']} |"
        )
    return out


def _md(r: dict[str, Any]) -> str:
    cfg, setup = r["config"], r["setup"]
    learn, base = r["main"]["learning"], r["main"]["baseline"]
    lines = [
        "# Suggestion learning: gain after N decisions",
        "",
        f"{r['machine']}. Run took {r['seconds']} s. Data: KorQuAD v1.0 dev, "
        f"{setup['chunks']} paragraphs in one submission ({setup['documents']} documents, one "
        f"per article, one paragraph per page); {setup['indicators']} pseudo-indicators "
        f"(articles with >= {MIN_PARAGRAPHS} paragraphs; {setup['relevant_mean']:.1f} relevant "
        f"passages on average, median {setup['relevant_median']:g}): title_ko = a question "
        "about one paragraph, description = a question about another, no search hints; "
        "relevant = every paragraph of the article (topical relevance).",
        "",
        f"Through the services: `suggestions.rank` (hybrid; models {', '.join(cfg['models'])}; "
        f"fusion {cfg.get('fusion', 'minmax')}, weights {cfg['fusion_weights']}; CANDIDATES {cfg['candidates']}) and "
        f"`evidence.decide` (SQLite, whoosh, vector stores). The evaluator decides the top "
        f"{SHOWN} undecided suggestions per round: accepts those of the article, rejects the "
        f"rest. Learning = the shipped FEEDBACK_WEIGHT = {cfg['feedback_weight']}, "
        f"EXPANSION_TERMS = {cfg['expansion_terms']}; without = both 0 (decided passages are "
        "still hidden or listed first, nothing else changes).",
        "",
        "## End to end: two evaluators, one with learning, one without",
        "",
        "found = relevant passages accepted so far (mean per indicator). precision@5 / "
        "recall@10 of the next undecided suggestions; recall over the relevant passages not "
        "decided yet (n: indicators with some left). After 10+ decisions the two loops have "
        "different passages left (the learning loop has already taken more of the easy ones), "
        "so those two columns are compared on the same decisions in the next section.",
        "",
        "| decisions made | found with | without | precision@5 with | without "
        "| recall@10 with | without | n with / without |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a, b in zip(learn, base, strict=True):
        lines.append(
            f"| {a['decisions']} | **{_fmt(a['found'], 2)}** | {_fmt(b['found'], 2)} | "
            f"**{_fmt(a['p@5'])}** | {_fmt(b['p@5'])} | **{_fmt(a['r@10'])}** | "
            f"{_fmt(b['r@10'])} | {a['r@10_n']} / {b['r@10_n']} |"
        )
    lines += ["", "Paired per indicator (with − without), bootstrap 95% CI:", ""]
    lines += _paired_table(r["paired"]["end_to_end"])
    for key, title in (
        ("learning_loop", "the decisions of the learning loop"),
        ("baseline_loop", "the decisions of the loop without learning"),
    ):
        rows = r["main"][key]
        lines += [
            "",
            f"## Same decisions, ranked with and without learning ({title})",
            "",
            "| decisions made | relevant left | precision@5 with | without | recall@10 with "
            "| without | n |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in rows:
            w, wo = ("p@5", "cmp_p@5") if key == "learning_loop" else ("cmp_p@5", "p@5")
            rw, rwo = ("r@10", "cmp_r@10") if key == "learning_loop" else ("cmp_r@10", "r@10")
            lines.append(
                f"| {row['decisions']} | {row['left']:.1f} | **{_fmt(row[w])}** | "
                f"{_fmt(row[wo])} | **{_fmt(row[rw])}** | {_fmt(row[rwo])} | {row['r@10_n']} |"
            )
        lines += ["", "Paired (with − without):", "", *_paired_table(r["paired"][key])]
    t = r["timing"]
    lines += [
        "",
        f"Time per `rank` call (warm; mean / p50 / p95 ms over {t['learning']['calls']} calls, "
        f"limit 10-25): with learning {t['learning']['mean']} / {t['learning']['p50']} / "
        f"{t['learning']['p95']}; without {t['baseline']['mean']} / {t['baseline']['p50']} / "
        f"{t['baseline']['p95']}. Full-text indexing of the {setup['chunks']} paragraphs took "
        f"{setup['fulltext_index_s']} s; preparing the {setup['indicators']} indicator queries "
        f"{setup['prepare_queries_s']} s.",
        "",
        "## Sweep",
        "",
        "End to end per configuration: found after 15 decisions; precision@5 after 5 / 10 / 15 "
        "decisions and their mean (objective: the share of relevant passages in rounds 2-4), "
        "also on each half of the indicators (A: KQ-01, 03, ...; B: KQ-02, 04, ...); "
        "same-state gain = mean precision@5 (after 5, 10, 15) minus that of the ranking "
        "without learning on the same decisions.",
        "",
        "| FEEDBACK_WEIGHT | EXPANSION_TERMS | found @15 | p@5 @5 | @10 | @15 | objective "
        "| A | B | same-state gain | rank ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in r["sweep"]:
        rows = s["all"]
        lines.append(
            f"| {s['feedback_weight']} | {s['expansion_terms']} | {_fmt(rows[3]['found'], 2)} | "
            f"{_fmt(rows[1]['p@5'])} | {_fmt(rows[2]['p@5'])} | {_fmt(rows[3]['p@5'])} | "
            f"**{_fmt(s['objective'])}** | {_fmt(s['objective_a'])} | {_fmt(s['objective_b'])} "
            f"| {_fmt(s['same_state_gain'], 3) if s['same_state_gain'] is not None else '–'} "
            f"| {s['rank_ms']} |"
        )
    lines += ["", "## Verdict", "", *r["verdict"], ""]
    return "\n".join(lines)


def verdict(r: dict[str, Any]) -> list[str]:
    out = []
    by = {(s["feedback_weight"], s["expansion_terms"]): s for s in r["sweep"]}
    shipped = by[(r["config"]["feedback_weight"], r["config"]["expansion_terms"])]
    base = by[BASELINE]
    gain = shipped["objective"] - base["objective"]
    word = "helps" if gain > 0.01 else "HURTS" if gain < -0.01 else "does not measurably help"
    found_s, found_b = shipped["all"][-1]["found"], base["all"][-1]["found"]
    out.append(
        f"- End to end, learning {word}: precision@5 of rounds 2-4 {shipped['objective']:.3f} "
        f"with the shipped constants vs {base['objective']:.3f} without ({gain:+.3f}); after "
        f"{ROUNDS * SHOWN} decisions {found_s:.2f} relevant passages found vs {found_b:.2f}."
    )
    late = [p for p in r["paired"]["learning_loop"] if p["decisions"] == ROUNDS * SHOWN]
    for p in late:
        lo, hi = p["ci95"]
        out.append(
            f"- Same decisions after {p['decisions']}: {p['metric']} with − without = "
            f"{_fmt(p['mean'])} (95% CI [{_fmt(lo)}, {_fmt(hi)}]; "
            f"{p['wins']} / {p['ties']} / {p['losses']} wins / ties / losses)."
        )
    best = max(r["sweep"], key=lambda s: s["objective"])
    best_a = max(r["sweep"], key=lambda s: s["objective_a"])
    best_b = max(r["sweep"], key=lambda s: s["objective_b"])
    out.append(
        f"- Best in the sweep: FEEDBACK_WEIGHT {best['feedback_weight']}, EXPANSION_TERMS "
        f"{best['expansion_terms']} (objective {best['objective']:.3f} vs shipped "
        f"{shipped['objective']:.3f}); chosen on half A: {best_a['feedback_weight']} / "
        f"{best_a['expansion_terms']} (scores {best_a['objective_b']:.3f} on B, shipped "
        f"{shipped['objective_b']:.3f}); chosen on half B: {best_b['feedback_weight']} / "
        f"{best_b['expansion_terms']} (scores {best_b['objective_a']:.3f} on A, shipped "
        f"{shipped['objective_a']:.3f})."
    )
    out.append(
        "- Differences of about 0.01 between configurations are run-to-run noise: "
        "`search_index.index._expanded_query` counts `set(content_terms(text))`, so among equally "
        "frequent terms (most of them, with a handful of accepted passages) the order, and "
        "so which terms expand the query, depends on PYTHONHASHSEED and changes from one "
        "process to the next."
    )
    return out


# ----------------------------------------------------------------------------- main


def main(out_dir: Path = ROOT / "bench" / "results", quick: bool = False) -> dict[str, Any]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[learning {time.perf_counter() - started:6.1f}s] {msg}", flush=True)

    from reviewapp.services import suggestions
    from search_index import index as search_index

    shipped = (search_index.FEEDBACK_WEIGHT, search_index.EXPANSION_TERMS)
    articles, corpus = load_korquad()
    if quick:
        articles = articles[:QUICK_ARTICLES]
        corpus = [p for a in articles for p in a["paragraphs"]]
    specs = pseudo_indicators(articles)
    vectors = corpus_vectors(corpus, log)
    configs = [shipped, BASELINE]
    if not quick:
        configs += [c for c in SWEEP if c not in (shipped, BASELINE)]
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-learning-") as tmp:
        app = bench_app(Path(tmp) / "data")
        with app.app_context():
            ctx = setup(articles, specs, vectors, Path(tmp))
            log(f"setup: {ctx['chunks']} chunks, models {ctx['models']}, {len(specs)} indicators")
            if not quick:
                run_pass(ctx, specs, *shipped)  # warm-up: caches, lazy imports (not reported)
                log("warm-up pass done")
            for fw, et in configs:
                t0 = time.perf_counter()
                compare = shipped if (fw, et) == BASELINE else BASELINE
                runs.append(run_pass(ctx, specs, fw, et, compare))
                rows = summarize(runs[-1])
                log(
                    f"FW {fw} ET {et}: found {[r['found'] for r in rows]} "
                    f"p@5 {[r['p@5'] for r in rows]} same-state without/with "
                    f"{[r['cmp_p@5'] for r in rows]} ({time.perf_counter() - t0:.0f} s)"
                )
            cfg = {
                "models": ctx["models"],
                "model_errors": ctx["model_errors"],
                "fusion": suggestions.FUSION,
                "fusion_weights": app.config["FUSION_WEIGHTS"],
                "candidates": suggestions.CANDIDATES,
                "feedback_weight": shipped[0],
                "expansion_terms": shipped[1],
            }
    learn, base = runs[0], runs[1]
    codes = [s["code"] for s in specs]
    half_a, half_b = set(codes[0::2]), set(codes[1::2])
    sweep = []
    for run in runs:
        is_base = (run["feedback_weight"], run["expansion_terms"]) == BASELINE
        sweep.append(
            {
                "feedback_weight": run["feedback_weight"],
                "expansion_terms": run["expansion_terms"],
                "all": summarize(run),
                "objective": round(_score(summarize(run)), 4),
                "objective_a": round(_score(summarize(run, half_a)), 4),
                "objective_b": round(_score(summarize(run, half_b)), 4),
                "same_state_gain": None if is_base else round(_same_state_gain(run), 4),
                "rank_ms": run["rank_ms"]["mean"],
            }
        )
    sweep.sort(key=lambda s: (s["feedback_weight"], s["expansion_terms"]))
    steps = range(1, ROUNDS + 1)
    metrics = ("p@5", "r@10")
    result: dict[str, Any] = {
        "machine": machine(),
        "setup": {
            "chunks": ctx["chunks"],
            "documents": len(articles),
            "indicators": len(specs),
            "relevant_mean": float(np.mean([s["paragraphs"] for s in specs])),
            "relevant_median": float(np.median([s["paragraphs"] for s in specs])),
            "fulltext_index_s": ctx["fulltext_index_s"],
            "prepare_queries_s": ctx["prepare_queries_s"],
            "shown_per_round": SHOWN,
            "rounds": ROUNDS,
            "min_paragraphs": MIN_PARAGRAPHS,
        },
        "config": cfg,
        "main": {
            "learning": summarize(learn),
            "baseline": summarize(base),
            "learning_loop": summarize(learn),
            "baseline_loop": summarize(base),
        },
        "paired": {
            "end_to_end": [
                {"decisions": k * SHOWN, "metric": m, **paired(learn, m, base, m, k)}
                for k in steps
                for m in ("found", *metrics)
            ],
            "learning_loop": [
                {"decisions": k * SHOWN, "metric": m, **paired(learn, m, learn, f"cmp_{m}", k)}
                for k in steps
                for m in metrics
            ],
            "baseline_loop": [
                {"decisions": k * SHOWN, "metric": m, **paired(base, f"cmp_{m}", base, m, k)}
                for k in steps
                for m in metrics
            ],
        },
        "timing": {"learning": learn["rank_ms"], "baseline": base["rank_ms"]},
        "sweep": sweep,
        "runs": runs,
        "indicators": specs,
        "seconds": round(time.perf_counter() - started, 1),
    }
    result["verdict"] = verdict(result)
    write_results(out_dir, "learning", result, _md(result))
    log(f"done: {out_dir / 'learning.md'}")
    return result


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--quick"]
    main(Path(args[0]) if args else ROOT / "bench" / "results", quick="--quick" in sys.argv[1:])
