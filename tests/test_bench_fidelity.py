"""The fidelity bench's measure and its known text (the bench itself runs with `make bench`)."""

from __future__ import annotations

import pytest

from bench.bench_fidelity import CASES, CASES_DIR, SCAN_LINES, string_recall


def test_recall_is_one_minus_character_errors_against_the_best_stretch() -> None:
    line = SCAN_LINES[3]  # 3. 시민참여 리빙랩을 연 4회 운영하였다.
    length = len("".join(line.split()))  # 19
    assert string_recall(line, f"머리\n{line}\n꼬리") == 1.0
    assert string_recall(line, line.replace(" ", "")) == 1.0  # whitespace does not count
    assert string_recall(line, line.replace("리빙랩", "리빙렙")) == pytest.approx(1 - 1 / length)
    assert string_recall(line, line.replace("시민참여 ", "")) == pytest.approx(1 - 4 / length)
    assert string_recall(line, "") == 0.0


def test_a_missing_line_scores_low_even_among_similar_lines() -> None:
    others = "\n".join(SCAN_LINES[:3] + SCAN_LINES[4:])
    assert string_recall(SCAN_LINES[3], others) < 0.5


def test_every_fidelity_file_has_known_text() -> None:
    if not CASES_DIR.is_dir():
        pytest.skip(f"{CASES_DIR} is not available")
    files = {p.name for p in CASES_DIR.iterdir() if p.name != "README.md"}
    assert files == {case.file for case in CASES}
    assert all(case.expected for case in CASES)
