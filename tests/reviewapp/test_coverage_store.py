"""The coverage view reads a stored matrix (services/coverage.py), recomputed by the
``coverage`` job when the submission's documents, links or decisions change. Jobs run inline
here (JOBS_IMMEDIATE), so a change is reflected by the time it returns; a real Markdown
document and a real index; BM25 only."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from reviewapp.services import coverage, evidence, suggestions
from tests.conftest import World, login
from tests.reviewapp.helpers import indicators_of, ready_doc, user


def test_coverage_is_stored_and_recomputed_when_evidence_changes(
    app: Flask, client: FlaskClient, world: World
) -> None:
    doc = ready_doc(world)
    eva = user("eva")
    assert coverage.read(world.large, eva.id) is None
    login(client, "eva")
    assert client.get(f"/submissions/{world.large}/coverage").status_code == 200
    stored = coverage.read(world.large, eva.id)
    assert stored is not None and stored.fresh
    first = indicators_of(world)[0]
    row = next(r for r in stored.rows if r.indicator.id == first.id)
    assert row.strength < 3  # nothing linked yet

    # the stored matrix is what the page shows: the same strengths as computing it afresh
    computed = suggestions.coverage(eva, doc.submission)
    assert [(r.indicator.id, r.strength) for r in computed] == [
        (r.indicator.id, r.strength) for r in stored.rows
    ]

    # a link changes the stamp and queues the job (inline here): the snapshot is current again
    before = coverage.stamp(world.large)
    evidence.link_passage(eva.id, world.large, first.id, doc.chunks[0].id, note="")
    assert coverage.stamp(world.large) != before
    stored = coverage.read(world.large, eva.id)
    assert stored is not None and stored.fresh
    row = next(r for r in stored.rows if r.indicator.id == first.id)
    assert row.strength == 3
    html = client.get(f"/submissions/{world.large}/coverage").get_data(as_text=True)
    assert "백그라운드에서 다시 계산" not in html  # current: no "being updated" note


def test_a_stale_snapshot_is_shown_marked_and_recomputed(
    app: Flask, client: FlaskClient, world: World
) -> None:
    doc = ready_doc(world)
    eva = user("eva")
    login(client, "eva")
    client.get(f"/submissions/{world.large}/coverage")
    stored = coverage.read(world.large, eva.id)
    assert stored is not None
    # stored under an old stamp, as if a change had not been recomputed yet
    coverage.save(world.large, eva.id, suggestions.coverage(eva, doc.submission), "old")
    stale = coverage.read(world.large, eva.id)
    assert stale is not None and not stale.fresh
    snapshot = suggestions.coverage_matrix(eva, doc.submission)
    assert snapshot.fresh  # the job ran inline and stored a current one
    assert coverage.request(world.large) == 1  # one snapshot of this submission is kept
    assert coverage.request(None) == 0
