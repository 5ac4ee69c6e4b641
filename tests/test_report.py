"""The weekly commitment report over the hand-built mailbox (tracked by the real tracker): figures per
section, the eight-week history behind the charts, HTML/Markdown output, escaping, and the Monday
schedule that writes it once per week."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import report, review
from assistant.config import parse_config
from assistant.models import StepState, content_id
from assistant.pipeline import after_sync
from assistant.store import open_store
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
    with open_store(world.store_path) as store:
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
    with open_store(world.store_path) as store:
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
    with open_store(world.store_path) as store:
        path = report.write_weekly(store, world.config, NOW, "2026-W47", out)  # type: ignore[arg-type]
        assert store.report_path("2026-W47") == str(path.resolve())
    assert path == out / "report.html"
    html = path.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2
    for heading in ("Promises you made this week", "Promises buyers made this week", "Kept", "Settled by a reply",
                    "Broken: the target passed with no delivery", "Overdue: past their target, still open",
                    "Upcoming", "Vague non-steps you wrote",
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
    with open_store(world.store_path) as store:
        r = report.build_weekly(store, world.config, NOW, "2026-W47", charts=False)  # type: ignore[arg-type]
    assert "Charts are in the HTML report" in report.render_markdown(r)


def test_written_every_monday_morning_once(world: World) -> None:
    config = world.config
    with open_store(world.store_path) as store:
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


# -- the opening sentence, the tiles, and HTML and Markdown agreeing ------------------------------------------
def html_figures(html: str) -> dict[str, object]:
    """What a reader sees in the HTML report: the sentence, each tile (value, change) and each summary row."""
    from lxml import html as lhtml

    doc = lhtml.fromstring(html)
    sentence = doc.get_element_by_id("sentence").text_content().strip()
    tiles = {}
    for tile in doc.find_class("stat"):
        label = " ".join(tile.find_class("l")[0].text_content().split())
        tiles[label] = (tile.find_class("n")[0].text_content().strip(), tile.find_class("delta")[0].text_content().strip())
    rows = {tr.findtext("th"): int(tr.findtext("td")) for tr in doc.get_element_by_id("summary").iter("tr")
            if (tr.findtext("td") or "").strip().isdigit()}
    sections = {h.text_content().strip(): len(h.getnext().findall(".//tbody/tr")) if h.getnext().tag == "table" else 0
                for h in doc.iter("h2")}
    return {"sentence": sentence, "tiles": tiles, "rows": rows, "sections": sections}


def md_figures(md: str) -> dict[str, object]:
    """The same read from the Markdown: the bold sentence, the tiles' table, the summary table, each section."""
    sentence = re.search(r"^\*\*(.+)\*\*$", md, re.M).group(1)  # type: ignore[union-attr]
    head = md.split("## Summary")[0]
    tiles = {label: (value, change if change != "-" else "")
             for label, value, change in re.findall(r"^\| ([^|]+?) \| ([^|]+?) \| ([^|]+?) \|$", head, re.M)
             if label not in ("This week", "---")}
    summary = md.split("## Summary")[1].split("\n## ")[0]
    rows = {k: int(v) for k, v in re.findall(r"^\| ([^|]+?) \| (\d+) \|$", summary, re.M)}
    sections = {}
    for block in md.split("\n## ")[1:]:
        title, _, body = block.partition("\n")
        sections[title.strip()] = len(re.findall(r"^\| (?!Made \||---)", body, re.M)) if "| Made |" in body else 0
    return {"sentence": sentence, "tiles": {k[:1].lower() + k[1:]: v for k, v in tiles.items()}, "rows": rows,
            "sections": sections}


def test_the_report_opens_with_one_sentence_and_tiles_with_the_change_since_last_week(world: World) -> None:
    with open_store(world.store_path) as store:
        r = report.build_weekly(store, world.config, NOW, "2026-W47", charts=False)  # type: ignore[arg-type]
    # the rep's promises due in W47: ed (broken), laura (kept), marcus (settled), nina (pending), evil (broken)
    assert r.standing is not None and (r.standing.mine_kept, r.standing.mine_due) == (2, 5)
    # open and past their target at NOW: ed, priya (the chase), evil; Harbor's old promise was kept
    assert {p.commitment_id for p in r.overdue} == {world.ids[n] for n in ("ed", "priya", "evil")}
    assert {p.commitment_id for p in r.upcoming} == {world.ids["nina"]}
    assert r.sentence == "You kept 2 of 5 promises due; 3 are overdue; 4 deals stalled."
    tiles = {t.key: t for t in r.tiles}
    assert len(tiles) == 6 and tiles["kept"].detail == "of 5 due"
    # at the end of last week (W46) nothing was overdue yet and four promises were ahead; two deals stalled
    assert r.last_week is not None and (r.last_week.mine_due, r.last_week.overdue, r.last_week.upcoming) == (0, 0, 4)
    assert r.last_week.stalled == 2 and tiles["stalled"].change_text == "+2 since last week"
    assert tiles["overdue"].change_text == "+3 since last week" and tiles["overdue"].tone == "bad"
    assert tiles["kept"].change_text == "+2 since last week" and tiles["kept"].tone == "good"
    assert tiles["next-action"].shown == "67%" and tiles["next-action"].change_text == "no figure last week"
    assert r.counts.pending == r.counts.overdue + r.counts.upcoming == 4


def test_html_and_markdown_agree_on_every_figure(world: World) -> None:
    ed = content_id(world.ids["ed"], prefix="ft")
    with open_store(world.store_path) as store:
        review.accept(store, world.config, ed, NOW)  # type: ignore[arg-type]  (a follow-up booked this week)
        r = report.build_weekly(store, world.config, NOW, "2026-W47", charts=False)  # type: ignore[arg-type]
    h, m = html_figures(report.render_html(r)), md_figures(report.render_markdown(r))
    assert h["sentence"] == m["sentence"] == r.sentence
    expected_tiles = {f"{t.label} ({t.detail})" if t.detail else t.label: (t.shown, t.change_text) for t in r.tiles}
    assert h["tiles"] == m["tiles"] == expected_tiles
    n = r.counts
    html_rows, md_rows = h["rows"], m["rows"]
    assert isinstance(html_rows, dict) and isinstance(md_rows, dict)
    for label, value in html_rows.items():
        assert md_rows[label] == value, label
    assert html_rows["Overdue"] == n.overdue == 3 and html_rows["Upcoming"] == n.upcoming == 1
    assert html_rows["Follow-ups booked or accepted"] == n.followups == 1
    assert len(html_rows) == 12 and set(md_rows) >= set(html_rows)
    sections_h, sections_m = h["sections"], m["sections"]
    assert isinstance(sections_h, dict) and isinstance(sections_m, dict)
    assert sections_h["Overdue: past their target, still open"] == sections_m["Overdue: past their target, still open"] \
        == n.overdue
    assert sections_h["Upcoming"] == sections_m["Upcoming"] == n.upcoming


def test_a_week_with_nothing_due_says_so() -> None:
    from assistant.report import Standing, WeeklyReport

    quiet = Standing("2026-W10", 0, 0, 0, 0, 0, 0, 0, 0)
    r = WeeklyReport(week="2026-W10", start=NOW, end=NOW, as_of=NOW, rep_name="Sam", timezone="UTC", made_by_rep=(),
                     made_by_buyers=(), due=(), pending_later=(), vague=(), stalled=(), followups=(),
                     awaiting_review=0, history=(), standing=quiet, last_week=quiet)
    assert r.sentence == "None of your promises came due; none are overdue; no deal stalled."
    one = Standing("2026-W10", 1, 1, 1, 0, 1, 0, 0, 0)
    assert replace(r, standing=one).sentence == "You kept 1 of 1 promise due; 1 is overdue; 1 deal stalled."
    assert {t.key: t.change_text for t in replace(r, standing=one).tiles}["overdue"] == "+1 since last week"
    assert {t.key: t.change_text for t in r.tiles}["next-action"] == ""
