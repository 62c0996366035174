"""Timing of reviewapp.claim_check: 60 claims against ~1,000 passages (issue 14: <= 5 s).

The passages are the demo submissions' own (both cities), repeated with their numbers and
names varied so that no two are the same text; the claims are the demo's 46 self-evaluation
claims and 14 of them with a number changed. Run: ``.venv/bin/python bench/claim_check_speed.py``.
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "demo")]

import generate  # noqa: E402

from extractors import extract  # noqa: E402
from reviewapp.claim_check import Passage, check_claim, parse_passages  # noqa: E402
from reviewapp.services.chunking import chunk_page  # noqa: E402

TARGET = 1000
NAMES = ["한빛", "솔내", "가람", "누리", "다온", "새봄", "하늘", "바다", "온누리", "푸른"]


def demo_texts() -> list[tuple[str, str, int]]:
    out = []
    for city in ("hanbit", "solnae"):
        for path in sorted((ROOT / "demo" / "documents" / city).iterdir()):
            if "self-evaluation" in path.name:
                continue
            for page in extract(path, ocr=False).pages:
                for chunk in chunk_page(page.number, page.text):
                    out.append((chunk.text, path.name, page.number))
    return out


def varied(text: str, rng: random.Random) -> str:
    text = re.sub(r"한빛|솔내", lambda _: rng.choice(NAMES), text)
    return re.sub(r"\d+", lambda m: str(int(m.group()) + rng.randint(0, 3)), text)


def main() -> None:
    rng = random.Random(14)
    base = demo_texts()
    passages = [Passage(i + 1, t, d, p) for i, (t, d, p) in enumerate(base)]
    while len(passages) < TARGET:
        text, document, page = rng.choice(base)
        passages.append(Passage(len(passages) + 1, varied(text, rng), document, page))
    claims = [c[2] for c in generate.HANBIT_CLAIMS + generate.SOLNAE_CLAIMS]
    claims += [varied(c, rng) for c in claims[:14]]
    chars = sum(len(p.text) for p in passages)

    start = time.perf_counter()
    parsed = parse_passages(passages)
    parsed_at = time.perf_counter()
    statuses = [check_claim(c, parsed=parsed, claim_period="2025").status for c in claims]
    done = time.perf_counter()
    print(
        f"{len(claims)} claims x {len(passages)} passages ({chars:,} characters, "
        f"{len(parsed.values):,} values): parse {parsed_at - start:.2f} s, "
        f"claims {done - parsed_at:.2f} s, total {done - start:.2f} s"
    )
    print({s: statuses.count(s) for s in sorted(set(statuses))})


if __name__ == "__main__":
    main()
