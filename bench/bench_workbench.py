"""Server time of the evaluator's workbench: the indicator page and its fragments (suggestions,
search hits, a preview), and the coverage view, with warm models.

The demo applicant 한빛시 (its six documents) is ingested into a fresh app (bench_app: both
embedding models on, jobs inline); eva is assigned; each URL is requested ROUNDS times through
the test client after one warm-up request, over the framework's first indicators in turn.

``python -m bench.bench_workbench [--rounds N] [--out DIR]``; writes workbench.json and .md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._shared import bench_app, machine, write_results  # noqa: E402

DEMO = ROOT / "demo" / "documents" / "hanbit"
FRAMEWORK = ROOT / "frameworks"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(out_dir: Path, rounds: int = 20) -> dict[str, Any]:
    from sqlalchemy import select

    from reviewapp.extensions import db
    from reviewapp.models import Chunk, Indicator
    from reviewapp.services import accounts, uploads
    from reviewapp.services import rounds as rounds_service
    from reviewapp.services.frameworks import import_framework
    from tests.conftest import FRAMEWORK as TEST_FRAMEWORK

    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(Path(tmp))
        with app.app_context():
            accounts.create_user("eva", "bench-password-1", "evaluator")
            framework = import_framework(TEST_FRAMEWORK)
            r = rounds_service.create_round("2026 인증", framework.id)
            large = rounds_service.add_applicant(r.id, "한빛시", 1_020_000).submission_id
            rounds_service.assign(large, "eva")
            uploads.ingest_paths(sorted(DEMO.iterdir()), large, enqueue_jobs=True)
            codes = list(
                db.session.scalars(
                    select(Indicator.code)
                    .where(Indicator.framework_id == framework.id)
                    .order_by(Indicator.position)
                )
            )[:10]
            chunk = db.session.scalars(select(Chunk)).first()
            assert chunk is not None
            preview = f"/documents/{chunk.document_id}/preview?chunk={chunk.id}"
            db.session.remove()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        client.post(
            "/login",
            data={"username": "eva", "password": "bench-password-1", "csrf_token": token},
        )
        base = f"/submissions/{large}"
        urls = {
            "indicator page": lambda i: f"{base}/indicators/{codes[i % len(codes)]}",
            "suggestions (fragment)": lambda i: (
                f"{base}/indicators/{codes[i % len(codes)]}/suggestions"
            ),
            "search hits (fragment)": lambda i: f"{base}/indicators/{codes[i % len(codes)]}/hits",
            "preview (fragment)": lambda i: preview,
            "coverage view": lambda i: f"{base}/coverage",
        }
        figures: dict[str, dict[str, float]] = {}
        for name, url in urls.items():
            assert client.get(url(0)).status_code == 200, name  # warm-up
            times = []
            for i in range(rounds):
                started = time.perf_counter()
                response = client.get(url(i))
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (name, response.status_code)
            figures[name] = {
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(_p95(times), 1),
            }
    result = {"machine": machine(), "rounds": rounds, "figures": figures, "target_p95_ms": 300}
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Workbench server time (warm models, test client)",
        "",
        f"{machine()}; {rounds} requests each after a warm-up; demo applicant 한빛시.",
        "",
        "| request | p50 ms | p95 ms |",
        "|---|---:|---:|",
        *(f"| {n} | {f['p50_ms']} | {f['p95_ms']} |" for n, f in figures.items()),
    ]
    write_results(out_dir, "workbench", result, "\n".join(lines) + "\n")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    print(main(args.out, args.rounds)["figures"])
