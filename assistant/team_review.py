"""The manager's pipeline review: per rep, for one ISO week, the promises made and how the ones due went
(kept, settled, broken, pending), the deals without a dated next step, the stalled deals, the vague steps
written that week, and eight weeks of kept and broken promises.

Each rep's figures are `assistant.report.build_weekly`'s (the rep's own weekly report), read from the rep's
schema in the team's database; deals come from `assistant.tracker.deals`. Only next steps and the
sentences that made the promises are carried, never a whole mail."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from assistant.errors import AssistantError
from assistant.report import WeekFigures, build_weekly
from assistant.teamconfig import TeamConfig, rep_config

if TYPE_CHECKING:
    from assistant.store import Store
    from assistant.teampool import TeamPool


@dataclass(frozen=True)
class DealLine:
    company: str
    step: str  # the sentence of the deal's next step ("" when it has none)
    why: str  # "no next step", "vague: no date", "stalled 34 days", ...


@dataclass(frozen=True)
class RepReview:
    rep: str
    name: str
    email: str
    made: int = 0
    kept: int = 0
    settled: int = 0
    broken: int = 0
    pending: int = 0
    undated: tuple[DealLine, ...] = ()
    stalled: tuple[DealLine, ...] = ()
    vague: tuple[str, ...] = ()  # the vague sentences the rep wrote that week
    history: tuple[WeekFigures, ...] = ()  # eight weeks, oldest first
    error: str = ""  # the rep's store could not be read: one line, the other reps still shown


@dataclass(frozen=True)
class TeamReview:
    week: str
    reps: tuple[RepReview, ...]


def open_rep_store(team: TeamConfig, rep: str, pool: TeamPool | None = None) -> AbstractContextManager[Store]:
    """A rep's store in the team's database, for a `with` block: on a connection lent by `pool` (the team
    page), else on a connection of its own (a command)."""
    from assistant.store import store_for

    if pool is not None:
        return pool.store(rep)
    return store_for(rep_config(team, team.rep(rep)))


def review_rep(team: TeamConfig, rep: str, now: datetime, week: str, pool: TeamPool | None = None) -> RepReview:
    from assistant.tracker.deals import deals

    try:
        config = rep_config(team, team.rep(rep))
    except AssistantError as e:
        return RepReview(rep=rep, name=rep, email="", error=str(e))
    try:
        with open_rep_store(team, rep, pool) as store:
            report = build_weekly(store, config, now, week, charts=False)
            board = deals(store, config, min(now, report.as_of))
            undated: list[DealLine] = []
            for d in board:
                if d.stalled or (d.next_step is not None and not d.vague_only):
                    continue
                promise = store.commitment(d.next_step.commitment_id) if d.next_step else None
                undated.append(DealLine(d.company, promise.text if promise else "",
                                        "no next step" if d.next_step is None else "no date: the step is vague"))
    except AssistantError as e:
        return RepReview(rep=rep, name=config.rep.name, email=config.rep.email, error=str(e))
    c = report.counts
    stalled = tuple(DealLine(s.company, s.next_step, s.reason) for s in report.stalled)
    return RepReview(
        rep=rep, name=config.rep.name, email=config.rep.email, made=c.made_by_rep, kept=c.kept,
        settled=c.settled, broken=c.broken, pending=c.pending, undated=tuple(undated), stalled=stalled,
        vague=tuple(v.text for v in report.vague), history=report.history)


def team_review(team: TeamConfig, reps: Iterable[str], now: datetime, week: str,
                pool: TeamPool | None = None) -> TeamReview:
    return TeamReview(week=week, reps=tuple(review_rep(team, r, now, week, pool) for r in reps))


def chart_svg(history: Iterable[WeekFigures], width: int = 240, height: int = 64) -> str:
    """Eight weeks of kept (and settled) against broken promises as inline SVG bars: no script, no external
    file, so it shows under the page's strict CSP. Text in it is escaped."""
    weeks = list(history)
    if not weeks:
        return ""
    top = max([w.kept + w.settled + w.broken for w in weeks] + [1])
    bar = width / len(weeks)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 14}" '
             f'viewBox="0 0 {width} {height + 14}" role="img" aria-label="kept and broken promises, '
             f'{len(weeks)} weeks">']
    for i, w in enumerate(weeks):
        x = i * bar + 2
        good = (w.kept + w.settled) / top * height
        bad = w.broken / top * height
        label = escape(f"{w.week}: {w.kept + w.settled} kept, {w.broken} broken")
        parts.append(f'<g><title>{label}</title>'
                     f'<rect class="kept" x="{x:.1f}" y="{height - good:.1f}" width="{bar - 4:.1f}" '
                     f'height="{good:.1f}" fill="#2e7d32"/>'
                     f'<rect class="broken" x="{x:.1f}" y="{height - good - bad:.1f}" width="{bar - 4:.1f}" '
                     f'height="{bad:.1f}" fill="#c62828"/></g>')
        parts.append(f'<text x="{x:.1f}" y="{height + 12}" font-size="9">{escape(w.week[-3:])}</text>')
    parts.append("</svg>")
    return "".join(parts)
