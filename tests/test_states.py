"""The follow-up lifecycle's state machine, table-driven: every pair of states is tried, through the one
function that changes a state, against a real store. The expected table is written out here by hand
(not read from assistant.tracker.states), so a change to the machine has to change this test too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.models import StepState
from assistant.store import Store, open_store
from assistant.tracker import repository, states
from assistant.tracker.states import TransitionError
from tests.track_fixtures import message, promise

S = StepState
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("America/New_York"))
ENDINGS = "kept settled cancelled"
ALLOWED = {
    "pending": f"held due broken backlog merged {ENDINGS}",
    "held": f"booked {ENDINGS}",
    "due": f"suggested backlog {ENDINGS}",
    "broken": f"suggested backlog {ENDINGS}",
    "suggested": f"booked accepted snoozed rejected {ENDINGS}",
    "booked": f"accepted snoozed rejected {ENDINGS}",
    "accepted": f"snoozed rejected {ENDINGS}",
    "snoozed": f"suggested accepted rejected {ENDINGS}",
    "backlog": f"dismissed {ENDINGS}",
    "kept": "", "settled": "", "rejected": "", "cancelled": "", "dismissed": "", "merged": "",
}
PAIRS = [(a, b) for a in StepState for b in StepState]


def test_the_table_names_every_state() -> None:
    assert set(ALLOWED) == {s.value for s in StepState}
    assert {s.value for s in states.FINAL} == {a for a, to in ALLOWED.items() if not to}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    st = open_store(tmp_path_factory.mktemp("states") / "db.sqlite3")
    m = message(st, "m1", thread="t1", sent_at=NOW, body="I'll call you Monday at 10.")
    c = promise(st, m, due=NOW, has_time=True)
    new = repository.NewStep(c.id, "me", "call", "ed.park@acme.com", "Ed Park", "acme.com", "t1", NOW, False)
    with pytest.raises(TransitionError):  # a new step starts pending, and only through its first change
        states.apply(st, [states.Change(c.id, S.PENDING, S.DUE)], NOW, [new])
    assert states.apply(st, [states.Change(c.id, None, S.PENDING, "tracked")], NOW, [new]) == 1
    assert st.step(c.id).state == S.PENDING  # type: ignore[union-attr]
    return st


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_hop_is_allowed_or_refused_as_the_table_says(store: Store, a: StepState, b: StepState) -> None:
    cid = store.db.execute("SELECT commitment_id FROM steps").fetchone()[0]
    store.db.execute("UPDATE steps SET state = ? WHERE commitment_id = ?", (a.value, cid))
    before = len(store.transitions(cid))
    expected = b.value in ALLOWED[a.value].split()
    assert states.allowed(a, b) is expected
    if expected:
        assert states.change(store, cid, b, NOW, "test") == a
        assert store.step(cid).state == b  # type: ignore[union-attr]
        last = store.transitions(cid)[-1]
        assert (last.from_state, last.to_state, last.note) == (a, b, "test")
    else:
        with pytest.raises(TransitionError):
            states.change(store, cid, b, NOW)
        assert store.step(cid).state == a  # type: ignore[union-attr]
        assert len(store.transitions(cid)) == before


def test_a_change_expecting_another_state_is_refused(store: Store) -> None:
    cid = store.db.execute("SELECT commitment_id FROM steps").fetchone()[0]
    store.db.execute("UPDATE steps SET state = 'suggested' WHERE commitment_id = ?", (cid,))
    with pytest.raises(TransitionError, match="cannot become booked"):
        states.change(store, cid, S.BOOKED, NOW, expect=[S.HELD])
    with pytest.raises(TransitionError, match="no tracked step"):
        states.change(store, "nope", S.KEPT, NOW)


def test_apply_skips_a_step_another_writer_moved(store: Store) -> None:
    cid = store.db.execute("SELECT commitment_id FROM steps").fetchone()[0]
    store.db.execute("UPDATE steps SET state = 'booked' WHERE commitment_id = ?", (cid,))
    # the caller saw it suggested; it is booked now: nothing is written
    assert states.apply(store, [states.Change(cid, S.SUGGESTED, S.REJECTED)], NOW) == 0
    assert store.step(cid).state == S.BOOKED  # type: ignore[union-attr]
    with pytest.raises(TransitionError):  # a hop the table refuses is refused before anything is written
        states.apply(store, [states.Change(cid, S.BOOKED, S.DUE)], NOW)


def test_a_suggestion_has_no_state_of_its_own(tmp_path: Path) -> None:
    """The suggestion is read with its step's state: changing the step is enough, they cannot disagree."""
    st = open_store(tmp_path / "db.sqlite3")
    assert "state" not in {r[1] for r in st.db.execute("PRAGMA table_info(suggestions)")}


def test_event_status_follows_the_state() -> None:
    assert states.event_status(S.HELD) == "TENTATIVE"
    assert {states.event_status(s) for s in StepState if s != S.HELD} == {"CONFIRMED"}
    assert S.HELD in states.ON_CALENDAR and S.SUGGESTED not in states.ON_CALENDAR
    assert S.BACKLOG not in states.OPEN  # the backlog waits for the rep, not for time
