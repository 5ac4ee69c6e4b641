"""The weekly commitment report over the hand-built mailbox (tracked by the real tracker): figures per
section, the eight-week history behind the charts, HTML/Markdown output, escaping, and the Monday
schedule that writes it once per week."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import report, review
from assistant.config import parse_config
from assistant.models import StepState, content_id
from assistant.pipeline import after_sync
from assistant.store import Store
from tests.review_world import NOW, NY, World, at, build

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build(tmp_path)


def test_weeks() -> None:
    assert report.normalise_week("2026-w47") == "2026-W47" == report.normalise_week("2026W47")
    with pytest.raises(ValueError, match="2026-W47"):
        report.normalise_week("week 47")
    with pytest.raises(ValueError, match="no week 54"):
        report.normalise_week("2026-W54")
    start, end = report.week_bounds("2026-W47", "America/New_York")
    assert start == datetime(2026, 11, 16, 0, 0, tzinfo=NY) and end == datetime(2026, 11, 23, 0, 0, tzinfo=NY)
    assert report.iso_week(NOW, "America/New_York") == "2026-W47"
    # Sunday 23:30 in New York is already Monday in UTC: the rep's zone decides the week
    assert report.iso_week(datetime(2026, 11, 22, 23, 30, tzinfo=NY), "America/New_York") == "2026-W47"
    assert report.previous_week("2026-W01", "UTC") == "2025-W52"


def test_outcomes() -> None:
    past, future = NOW - timedelta(days=1), NOW + timedelta(days=1)
    assert report.outcome_of(StepState.KEPT, past, NOW) == "kept"
    assert report.outcome_of(StepState.SETTLED, past, NOW) == "settled"
    assert report.outcome_of(StepState.SUGGESTED, past, NOW) == "broken"
    assert report.outcome_of(StepState.PENDING, future, NOW) == "pending"
    assert report.outcome_of(StepState.BOOKED, past, NOW, "me", past) == "booked"
    assert report.outcome_of(StepState.BOOKED, past, NOW, "me", NOW) == "broken"  # booked to catch up, late
    assert report.outcome_of(StepState.BOOKED, past, NOW, "them") == "broken"  # chasing it does not unbreak it
    # the buyer's out-of-office moved the follow-up: it is on the calendar, not late
    assert report.outcome_of(StepState.BOOKED, past, NOW, "me", NOW, moved_by_them=True) == "booked"
    assert report.outcome_of(StepState.REJECTED, past, NOW) == "dropped"


def test_every_section_has_the_weeks_figures(world: World) -> None:
    with Store(world.store_path) as store:
        r = report.build_weekly(store, world.config, NOW, "2026-W47")  # type: ignore[arg-type]
    assert r.as_of == NOW
    assert {p.commitment_id for p in r.made_by_rep} == {world.ids[n] for n in ("ed", "laura", "marcus", "nina", "evil")}
    assert [p.commitment_id for p in r.made_by_buyers] == [world.ids["priya"]]
    outcome = {p.commitment_id: p.outcome for p in r.due}
    assert outcome == {world.ids["ed"]: "broken", world.ids["laura"]: "kept", world.ids["priya"]: "broken",
                       world.ids["marcus"]: "settled", world.ids["nina"]: "pending", world.ids["evil"]: "broken"}
    assert [v.text for v in r.vague] == ["I'll touch base soon."]
    assert r.vague[0].rewrite == ("Nina, if I haven't heard back by Friday, I'll call you Monday at 9:15"
                                  " - does that work for you?")
    stalled = {s.company: s.reason for s in r.stalled}
    assert stalled["Harbor Outfitters"].startswith("no activity in 46 days")
    assert stalled["kestrelenergy.com"] == "only vague next steps"
    assert "acmelogistics.com" not in stalled
    assert r.followups == () and r.awaiting_review == 3
    assert [h.week for h in r.history] == [f"2026-W{n}" for n in range(40, 48)]
    w47 = r.history[-1]
    assert (w47.kept, w47.settled, w47.broken, w47.pending) == (1, 1, 3, 1)
    assert (w47.sent, w47.sent_with_next_action) == (6, 4)
    w41 = r.history[1]
    assert (w41.kept, w41.sent, w41.sent_with_next_action) == (1, 2, 0)
    assert all(h.sent == 0 for h in r.history[2:7])


def test_followups_booked_and_accepted(world: World) -> None:
    ed = content_id(world.ids["ed"], prefix="ft")
    with Store(world.store_path) as store:
        review.accept(store, world.config, ed, NOW)  # type: ignore[arg-type]
        r = report.build_weekly(store, world.config, NOW, "2026-W47", charts=False)  # type: ignore[arg-type]
        assert [(f.person, f.state) for f in r.followups] == [("Ed Park", "accepted")]
        # booked a day after the promised Thursday 8:15: a catch-up, the promise is still broken
        assert {p.commitment_id: p.outcome for p in r.due}[world.ids["ed"]] == "broken"
        review.edit(store, world.config, ed, NOW, start=at(19, 8, 15))  # type: ignore[arg-type]
        r = report.build_weekly(store, world.config, NOW, "2026-W47", charts=False)  # type: ignore[arg-type]
    assert {p.commitment_id: p.outcome for p in r.due}[world.ids["ed"]] == "booked"
    assert r.history[-1].pending == 2 and r.history[-1].broken == 2


def test_write_weekly_html_markdown_and_charts(world: World, tmp_path: Path) -> None:
    out = tmp_path / "r"
    with Store(world.store_path) as store:
        path = report.write_weekly(store, world.config, NOW, "2026-W47", out)  # type: ignore[arg-type]
        assert store.report_path("2026-W47") == str(path.resolve())
    assert path == out / "report.html"
    html = path.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2
    for heading in ("Promises you made this week", "Promises buyers made this week", "Kept", "Settled by a reply",
                    "Broken: the target passed with no delivery", "Pending", "Vague non-steps you wrote",
                    "Stalled deals", "Follow-ups booked and accepted"):
        assert f"<h2>{heading}" in html
    assert "<script" not in html and "&lt;script&gt;" in html and "<img src=x" not in html
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Commitment report 2026-W47 (16 Nov - 22 Nov 2026)")
    assert "| Broken | 3 |" in md and "| Sent mail that set a next action | 4 of 6 (67%) |" in md
    assert "attached as `outcomes.png`" in md
    assert "<script" not in md and "<img" not in md
    for name in ("outcomes.png", "next-action-share.png"):
        assert (out / name).read_bytes().startswith(PNG)


def test_markdown_without_chart_files_says_so(world: World) -> None:
    with Store(world.store_path) as store:
        r = report.build_weekly(store, world.config, NOW, "2026-W47", charts=False)  # type: ignore[arg-type]
    assert "Charts are in the HTML report" in report.render_markdown(r)


def test_written_every_monday_morning_once(world: World) -> None:
    config = world.config
    with Store(world.store_path) as store:
        assert report.maybe_write_weekly(store, config, at(23, 7, 59)) is None  # type: ignore[arg-type]
        path = report.maybe_write_weekly(store, config, at(23, 8, 0))  # type: ignore[arg-type]
        assert path is not None and path.parent.name == "2026-W47" and path.exists()
        assert report.maybe_write_weekly(store, config, at(23, 9, 0)) is None  # type: ignore[arg-type]
        assert report.maybe_write_weekly(store, config, at(24, 8, 0)) is None  # type: ignore[arg-type]
        assert store.report_weeks() == ["2026-W47"]
        lines = after_sync(store, config, at(30, 8, 5))  # type: ignore[arg-type]
        assert any(line.startswith("weekly report:") and "2026-W48" in line for line in lines)
    off = parse_config({"rep": {"timezone": "America/New_York"}, "report": {"weekly": False}})
    assert not report.report_due(off, at(23, 9, 0))


def test_report_command(world: World, tmp_path: Path) -> None:
    from assistant.cli import main

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[rep]\ntimezone = "America/New_York"\n[store]\npath = "{world.store_path}"\n', encoding="utf-8")
    out = tmp_path / "week"
    result = CliRunner().invoke(main, ["report", "--week", "2026-W47", "--out", str(out), "--config", str(cfg),
                                       "--now", "2026-11-20T09:00"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out / "report.html")
    bad = CliRunner().invoke(main, ["report", "--week", "47", "--config", str(cfg)])
    assert bad.exit_code == 2 and "2026-W47" in bad.output
