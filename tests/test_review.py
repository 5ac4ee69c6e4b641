"""The review actions (accept / edit / snooze / reject / cancel) over the real tracker, booking and .ics
writer, and the `assistant review` / `suggestions` commands driven by typed keys."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import review
from assistant.calendars import open_calendar
from assistant.calendars.ics import IcsWriter
from assistant.models import StepState, content_id
from assistant.store import open_store
from tests.review_world import EVIL_NAME, NOW, NY, World, at, build, write_config


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build(tmp_path)


def sid(world: World, name: str) -> str:
    return content_id(world.ids[name], prefix="ft")


def ics(world: World) -> IcsWriter:
    writer = open_calendar(world.config)  # type: ignore[arg-type]
    assert isinstance(writer, IcsWriter)
    return writer


def test_queue_shows_due_suggestions_with_promise_counterpart_and_time(world: World) -> None:
    with open_store(world.store_path) as store:
        views = review.queue(store, world.config, NOW)  # type: ignore[arg-type]
    by_id = {v.id: v for v in views}
    assert set(by_id) == {sid(world, "ed"), sid(world, "priya"), sid(world, "evil")}
    ed = by_id[sid(world, "ed")]
    assert ed.person == "Ed Park" and ed.email == "ed.park@acmelogistics.com"
    assert "8:15" in ed.promise and ed.owner == "me"
    assert ed.subject == "Acme / Northwind - rollout plan"
    assert ed.start.astimezone(NY) >= NOW  # proposed in the future, in working hours
    assert 9 <= ed.start.astimezone(NY).hour < 18
    assert by_id[sid(world, "priya")].owner == "them"


def test_accept_books_the_event_on_the_calendar(world: World) -> None:
    with open_store(world.store_path) as store:
        result = review.accept(store, world.config, sid(world, "ed"), NOW)  # type: ignore[arg-type]
        assert result.state == "accepted"
        assert store.suggestion(sid(world, "ed")).state == StepState.ACCEPTED  # type: ignore[union-attr]
        assert store.booking(sid(world, "ed")).state == "booked"  # type: ignore[union-attr]
        assert sid(world, "ed") not in {v.id for v in review.queue(store, world.config, NOW)}  # type: ignore[arg-type]
        assert sid(world, "ed") in {v.id for v in review.booked(store, world.config, NOW)}  # type: ignore[arg-type]
    event = ics(world).get(sid(world, "ed"))
    assert event is not None and "Ed Park" in event.title


def test_edit_moves_a_booked_event_and_renames_it(world: World) -> None:
    new_start = at(24, 10, 30)
    with open_store(world.store_path) as store:
        review.accept(store, world.config, sid(world, "ed"), NOW)  # type: ignore[arg-type]
        review.edit(store, world.config, sid(world, "ed"), NOW, start=new_start,  # type: ignore[arg-type]
                    title="Call Ed about the rollout")
        s = store.suggestion(sid(world, "ed"))
        assert s is not None and s.start == new_start and s.title == "Call Ed about the rollout"
    event = ics(world).get(sid(world, "ed"))
    assert event is not None and event.start == new_start and event.title == "Call Ed about the rollout"
    with open_store(world.store_path) as store, pytest.raises(review.ReviewError):
        review.edit(store, world.config, sid(world, "ed"), NOW)  # type: ignore[arg-type]


def test_snooze_hides_until_then_and_removes_a_booked_event(world: World) -> None:
    with open_store(world.store_path) as store:
        review.accept(store, world.config, sid(world, "evil"), NOW)  # type: ignore[arg-type]
        assert sid(world, "evil") in ics(world).uids()
        until = review.parse_snooze("nextweek", NOW, world.config)  # type: ignore[arg-type]
        assert until == at(23, 9)
        review.snooze(store, world.config, sid(world, "evil"), NOW, until)  # type: ignore[arg-type]
        assert store.suggestion(sid(world, "evil")).state == StepState.SNOOZED  # type: ignore[union-attr]
        assert sid(world, "evil") not in {v.id for v in review.queue(store, world.config, NOW)}  # type: ignore[arg-type]
        later = until + timedelta(minutes=1)
        assert sid(world, "evil") in {v.id for v in review.queue(store, world.config, later)}  # type: ignore[arg-type]
        with pytest.raises(review.ReviewError):
            review.snooze(store, world.config, sid(world, "ed"), NOW, NOW - timedelta(hours=1))  # type: ignore[arg-type]
    assert sid(world, "evil") not in ics(world).uids()


def test_a_snoozed_follow_up_back_in_the_queue_can_be_snoozed_again(world: World) -> None:
    """Its snooze ended and it is back in the review (before the watcher's next pass): "s" again gives it a
    new time instead of 'it cannot be snoozed'."""
    with open_store(world.store_path) as store:
        first = review.parse_snooze("tomorrow", NOW, world.config)  # type: ignore[arg-type]
        review.snooze(store, world.config, sid(world, "ed"), NOW, first)  # type: ignore[arg-type]
        later = first + timedelta(hours=1)
        assert sid(world, "ed") in {v.id for v in review.queue(store, world.config, later)}  # type: ignore[arg-type]
        again = review.parse_snooze("next thursday", later, world.config)  # type: ignore[arg-type]
        result = review.snooze(store, world.config, sid(world, "ed"), later, again)  # type: ignore[arg-type]
        assert result.state == "snoozed"
        assert sid(world, "ed") not in {v.id for v in review.queue(store, world.config, later)}  # type: ignore[arg-type]
        assert review.snoozed(store, world.config, later)[0].snoozed_until == again  # type: ignore[arg-type]


def test_reject_and_cancel_end_the_step_and_clear_the_calendar(world: World) -> None:
    with open_store(world.store_path) as store:
        review.reject(store, world.config, sid(world, "priya"), NOW)  # type: ignore[arg-type]
        assert store.step(world.ids["priya"]).state == StepState.REJECTED  # type: ignore[union-attr]
        review.accept(store, world.config, sid(world, "ed"), NOW)  # type: ignore[arg-type]
        review.cancel(store, world.config, sid(world, "ed"), NOW)  # type: ignore[arg-type]
        assert store.step(world.ids["ed"]).state == StepState.CANCELLED  # type: ignore[union-attr]
        with pytest.raises(review.ReviewError, match="rejected"):
            review.accept(store, world.config, sid(world, "priya"), NOW)  # type: ignore[arg-type]
        with pytest.raises(review.ReviewError, match="no suggestion"):
            review.accept(store, world.config, "ft-nope", NOW)  # type: ignore[arg-type]
    assert sid(world, "ed") not in ics(world).uids()
    assert sid(world, "priya") not in ics(world).uids()


def test_parse_local_and_snooze_words() -> None:
    from assistant.config import parse_config

    config = parse_config({"rep": {"timezone": "America/New_York"}})
    assert review.parse_local("2026-11-24 09:15", config) == at(24, 9, 15)
    assert review.parse_local("2026-11-24T09:15", config) == at(24, 9, 15)
    with pytest.raises(ValueError, match="2026-11-24 09:15"):
        review.parse_local("someday", config)
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=NY)
    assert review.parse_snooze("tomorrow", friday, config) == at(23, 9)  # skips the weekend
    assert review.parse_snooze("2days", friday, config) == at(24, 9)
    assert review.parse_snooze("3h", friday, config) == friday + timedelta(hours=3)
    labels = [label for _, label in review.snooze_choices(friday, config)]
    assert labels == ["Next working day (Mon 09:00)", "In two working days (Tue 09:00)", "Next week (Mon 09:00)"]
    labels = [label for _, label in review.snooze_choices(at(16, 10), config)]  # a Monday
    assert labels[2] == "Next week (Mon 23 Nov 09:00)"


def test_deal_rows_flag_stalled_and_vague(world: World) -> None:
    with open_store(world.store_path) as store:
        rows = {r.company: r for r in review.deal_rows(store, world.config, NOW)}  # type: ignore[arg-type]
    # names as people write them: a display name's "(Harbor Outfitters)", Priya's signature, else the domain
    assert rows["Harbor Outfitters"].stalled and "no activity" in rows["Harbor Outfitters"].reason
    assert rows["Harbor Outfitters"].contact == "Chris Dunn"
    assert rows["kestrelenergy.com"].vague and rows["kestrelenergy.com"].stalled
    assert not rows["acmelogistics.com"].stalled and rows["acmelogistics.com"].owner == "you"
    assert rows["acmelogistics.com"].target is not None
    assert "Bluefin Health" in rows
    assert not any(r.company in ("Harboroutfitters", "Acmelogistics", "Bluefinhealth") for r in rows.values())


def cli_main():  # type: ignore[no-untyped-def]
    from assistant.cli import main

    return main


def test_cli_review_takes_keys(world: World, tmp_path: Path) -> None:
    cfg = write_config(world, tmp_path)
    runner = CliRunner()
    # queue order is by proposed start: priya (chase), ed, evil. Accept, snooze (default), reject.
    result = runner.invoke(cli_main(), ["review", "--config", str(cfg), "--now", "2026-11-20T09:00"],
                           input="a\ns\n\nr\n")
    assert result.exit_code == 0, result.output
    assert "Accepted" in result.output and "Snoozed until Mon 23 Nov 09:00" in result.output
    assert "Rejected" in result.output
    assert "<script>" in result.output  # shown as text, not interpreted
    with open_store(world.store_path) as store:
        assert store.suggestion(sid(world, "priya")).state == StepState.ACCEPTED  # type: ignore[union-attr]
        assert store.suggestion(sid(world, "ed")).state == StepState.SNOOZED  # type: ignore[union-attr]
        assert store.suggestion(sid(world, "evil")).state == StepState.REJECTED  # type: ignore[union-attr]
    assert sid(world, "priya") in IcsWriter(world.ics_path).uids()


def test_cli_review_edit_then_quit(world: World, tmp_path: Path) -> None:
    cfg = write_config(world, tmp_path)
    result = CliRunner().invoke(cli_main(), ["review", "--config", str(cfg), "--now", "2026-11-20T09:00"],
                                input="e\n2026-11-25 11:45\nChase Priya\nq\n")
    assert result.exit_code == 0, result.output
    with open_store(world.store_path) as store:
        s = store.suggestion(sid(world, "priya"))
        assert s is not None and s.start == at(25, 11, 45) and s.title == "Chase Priya"
        assert s.state == StepState.SUGGESTED
        assert store.suggestion(sid(world, "ed")).state == StepState.SUGGESTED  # type: ignore[union-attr]


def test_cli_suggestions_json(world: World, tmp_path: Path) -> None:
    cfg = write_config(world, tmp_path)
    result = CliRunner().invoke(cli_main(), ["suggestions", "--json", "--config", str(cfg), "--now", "2026-11-20T09:00"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {d["id"] for d in data} == {sid(world, "ed"), sid(world, "priya"), sid(world, "evil")}
    evil = next(d for d in data if d["id"] == sid(world, "evil"))
    assert evil["counterpart"]["name"] == EVIL_NAME  # JSON carries the raw text; escaping is the viewer's
    assert evil["start"].endswith("-05:00")
    result = CliRunner().invoke(cli_main(), ["suggestions", "--all", "--json", "--config", str(cfg)])
    assert len(json.loads(result.output)) == 3


def test_cli_review_with_nothing_pending(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[store]\npath = "{tmp_path / "empty.sqlite3"}"\n', encoding="utf-8")
    result = CliRunner().invoke(cli_main(), ["review", "--config", str(cfg)])
    assert result.exit_code == 0 and "Nothing to review" in result.output
