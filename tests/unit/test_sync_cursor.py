"""Cursor bookkeeping: a fixed anchor, the last non-null endCursor, full runs start over."""

from datetime import UTC, datetime

from models.sync_cursor import EPOCH, STREAMS, StreamState, initial_states

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


def test_an_empty_page_never_erases_the_cursor():
    state = StreamState("dossiers", ANCHOR, "c1")
    after = state.after_page(None, False)
    assert after.cursor == "c1" and after.anchor == ANCHOR and not after.open


def test_a_page_moves_the_cursor_and_keeps_the_anchor():
    state = StreamState("dossiers", ANCHOR, "c1").after_page("c2", True)
    assert (state.anchor, state.cursor, state.open) == (ANCHOR, "c2", True)


def test_initial_states_resume_where_stored_and_default_to_epoch():
    states = initial_states({"dossiers": (ANCHOR, "c9")}, full=False)
    by_stream = {s.stream: s for s in states}
    assert [s.stream for s in states] == list(STREAMS)
    assert (by_stream["dossiers"].anchor, by_stream["dossiers"].cursor) == (ANCHOR, "c9")
    assert (by_stream["deleted"].anchor, by_stream["deleted"].cursor) == (EPOCH, None)
    assert all(s.open for s in states)


def test_full_run_ignores_stored_positions():
    states = initial_states({"dossiers": (ANCHOR, "c9")}, full=True)
    assert all(s.anchor == EPOCH and s.cursor is None for s in states)

