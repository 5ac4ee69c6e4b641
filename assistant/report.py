"""The weekly commitment report: what was promised in an ISO week (in the rep's zone), what came due
and how it went (kept, settled by a reply, broken, pending), the vague non-steps the rep wrote (each
with a concrete rewrite), the stalled deals and the follow-ups on the calendar; two charts over the last
eight weeks. Written as report.html (charts embedded) and report.md (charts as PNG files beside it).

Outcomes are read from each step's current state, judged at the report's moment (`as_of`, the end of the
week or now if earlier): a promise is *broken* when its target passed with no delivery and no follow-up
on the calendar, whoever made it. Promises still open are *overdue* (their target passed) or *upcoming*.

The report opens with one sentence ("You kept 2 of 5 promises due; 3 are overdue; 4 deals stalled.") and a
few tiles, each with its change since the week before: the same figures for the previous week, judged at
its end from today's states (a promise kept since then no longer counts as overdue then). Both the HTML
and the Markdown take the sentence, the tiles and every count from the same `WeeklyReport` properties."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from assistant import check
from assistant.config import Config, data_dir
from assistant.models import Commitment, Message, NextStep, StepState
from assistant.store import Store
from assistant.tracker import OUT_OF_OFFICE_REASON, business_hours
from assistant.tracker.backlog import BacklogGroup, groups
from assistant.tracker.counterparts import company_label
from assistant.tracker.deals import deals as rolled_up_deals
from assistant.tracker.states import OPEN

Outcome = Literal["kept", "settled", "broken", "pending", "booked", "dropped"]
CHART_WEEKS = 8
_WEEK = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")
OUTCOME_LABELS = {"kept": "kept", "settled": "settled by a reply", "broken": "broken", "pending": "pending",
                  "booked": "follow-up on the calendar", "dropped": "dropped by you"}


# -- weeks -------------------------------------------------------------------------------------
def normalise_week(text: str) -> str:
    """"2026-w47", "2026W47" -> "2026-W47"; anything else raises ValueError with the expected form."""
    m = _WEEK.match(text or "")
    if not m:
        raise ValueError(f"{text!r} is not an ISO week: write it like 2026-W47")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{text!r}: {year} has no week {week}") from None
    return f"{year}-W{week:02d}"


def week_bounds(week: str, tz: str) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in the rep's zone."""
    week = normalise_week(week)
    year, num = int(week[:4]), int(week[6:])
    monday = date.fromisocalendar(year, num, 1)
    zone = ZoneInfo(tz)
    return (datetime.combine(monday, time(0), zone), datetime.combine(monday + timedelta(days=7), time(0), zone))


def iso_week(moment: datetime, tz: str) -> str:
    year, week, _ = moment.astimezone(ZoneInfo(tz)).isocalendar()
    return f"{year}-W{week:02d}"


def previous_week(week: str, tz: str) -> str:
    start, _ = week_bounds(week, tz)
    return iso_week(start - timedelta(days=3), tz)


# -- the report's rows --------------------------------------------------------------------------
@dataclass(frozen=True)
class PromiseRow:
    commitment_id: str
    who: str  # "me" | "them"
    person: str  # the counterpart's name (or address)
    company: str
    action: str
    text: str
    subject: str
    made_at: datetime | None
    target: datetime | None
    target_is_default: bool
    due_has_time: bool
    vague: bool
    conditional: bool
    state: str
    outcome: Outcome


@dataclass(frozen=True)
class VagueRow:
    text: str
    sent_at: datetime
    to: str
    subject: str
    rewrite: str


@dataclass(frozen=True)
class StalledRow:
    company: str
    contact: str
    last_activity: datetime | None
    reason: str
    next_step: str


@dataclass(frozen=True)
class FollowUpRow:
    title: str
    person: str
    start: datetime
    state: str
    reason: str
    booked_at: datetime | None


@dataclass(frozen=True)
class WeekFigures:
    week: str
    kept: int
    settled: int
    broken: int
    pending: int
    sent: int
    sent_with_next_action: int
    mine_due: int = 0  # the rep's own promises due in the week (dropped ones not counted)
    mine_kept: int = 0  # ... kept: delivered, or settled by the buyer's reply before the fallback

    @property
    def next_action_share(self) -> float | None:
        return self.sent_with_next_action / self.sent if self.sent else None


@dataclass(frozen=True)
class Standing:
    """Where the rep stood at one moment: the figures the tiles compare week on week."""

    week: str
    mine_kept: int
    mine_due: int
    overdue: int  # open promises (either side) past their target
    upcoming: int  # open promises whose target is ahead
    stalled: int
    followups: int
    sent: int
    sent_with_next_action: int

    @property
    def next_action_percent(self) -> int | None:
        return round(100 * self.sent_with_next_action / self.sent) if self.sent else None


@dataclass(frozen=True)
class Tile:
    """One headline figure with its value a week before; `better` says which way is good."""

    key: str
    label: str
    value: int | None
    previous: int | None
    unit: str = ""
    better: Literal["up", "down", ""] = "up"  # "": neither way is better in itself
    detail: str = ""

    @property
    def shown(self) -> str:
        return "\u2013" if self.value is None else f"{self.value}{self.unit}"

    @property
    def change(self) -> int | None:
        return None if self.value is None or self.previous is None else self.value - self.previous

    @property
    def change_text(self) -> str:
        """"+2 since last week", "same as last week", "no figure last week"."""
        if self.change is None:
            return "no figure last week" if self.value is not None else ""
        if self.change == 0:
            return "same as last week"
        unit = " points" if self.unit == "%" else ""
        return f"{self.change:+d}{unit} since last week"

    @property
    def tone(self) -> str:
        """"good", "bad" or "" for the change (the page colours it)."""
        if not self.change or not self.better:
            return ""
        return "good" if (self.change > 0) == (self.better == "up") else "bad"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@dataclass(frozen=True)
class SummaryCounts:
    made_by_rep: int
    made_by_buyers: int
    kept: int
    settled: int
    broken: int
    pending: int  # still open: overdue + upcoming
    overdue: int
    upcoming: int
    vague: int
    stalled: int
    followups: int
    awaiting_review: int
    backlog: int


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    start: datetime
    end: datetime
    as_of: datetime
    rep_name: str
    timezone: str
    made_by_rep: tuple[PromiseRow, ...]
    made_by_buyers: tuple[PromiseRow, ...]
    due: tuple[PromiseRow, ...]  # targets that fell in the week, with their outcome
    pending_later: tuple[PromiseRow, ...]  # open promises due after the week
    vague: tuple[VagueRow, ...]
    stalled: tuple[StalledRow, ...]
    followups: tuple[FollowUpRow, ...]
    awaiting_review: int
    history: tuple[WeekFigures, ...]  # oldest first, the report's week last
    backlog: tuple[BacklogGroup, ...] = ()  # promises from the history, by counterpart (never booked)
    overdue: tuple[PromiseRow, ...] = ()  # open promises (any week's) past their target at `as_of`
    upcoming: tuple[PromiseRow, ...] = ()  # open promises whose target is after `as_of`
    standing: Standing | None = None  # this week's headline figures
    last_week: Standing | None = None  # the same at the end of the week before
    charts: dict[str, bytes] = field(default_factory=dict, compare=False)

    @property
    def sentence(self) -> str:
        """The one sentence the report opens with: "You kept 2 of 5 promises due; 3 are overdue; 4 deals
        stalled." """
        s = self.standing
        if s is None:
            return ""
        kept = (f"You kept {s.mine_kept} of {_plural(s.mine_due, 'promise', 'promises')} due" if s.mine_due
                else "None of your promises came due")
        overdue = "none are overdue" if not s.overdue else f"{s.overdue} {'is' if s.overdue == 1 else 'are'} overdue"
        stalled = "no deal stalled" if not s.stalled else f"{_plural(s.stalled, 'deal', 'deals')} stalled"
        return f"{kept}; {overdue}; {stalled}."

    @property
    def tiles(self) -> list[Tile]:
        """The headline figures with their change since last week (the HTML and the Markdown show these)."""
        s, p = self.standing, self.last_week
        if s is None:
            return []
        return [
            Tile("kept", "your promises kept or settled", s.mine_kept, p.mine_kept if p else None,
                 detail=f"of {s.mine_due} due"),
            Tile("overdue", "overdue", s.overdue, p.overdue if p else None, better="down"),
            Tile("upcoming", "upcoming", s.upcoming, p.upcoming if p else None, better=""),
            Tile("stalled", "deals stalled", s.stalled, p.stalled if p else None, better="down"),
            Tile("next-action", "sent mail with a next action", s.next_action_percent,
                 p.next_action_percent if p else None, unit="%",
                 detail=f"{s.sent_with_next_action} of {s.sent}"),
            Tile("followups", "follow-ups booked or accepted", s.followups, p.followups if p else None),
        ]

    def due_with(self, outcome: str) -> list[PromiseRow]:
        return [p for p in self.due if p.outcome == outcome]

    @property
    def pending_rows(self) -> list[PromiseRow]:
        """Promises still open: the overdue ones, then the upcoming ones."""
        return [*self.overdue, *self.upcoming]

    @property
    def counts(self) -> SummaryCounts:
        """The summary's figures: the one place both the HTML and the Markdown report read them from."""
        return SummaryCounts(
            made_by_rep=len(self.made_by_rep), made_by_buyers=len(self.made_by_buyers),
            kept=len(self.due_with("kept")), settled=len(self.due_with("settled")),
            broken=len(self.due_with("broken")), pending=len(self.pending_rows), overdue=len(self.overdue),
            upcoming=len(self.upcoming), vague=len(self.vague),
            stalled=len(self.stalled), followups=len(self.followups), awaiting_review=self.awaiting_review,
            backlog=sum(len(g.items) for g in self.backlog))

    @property
    def this_week(self) -> WeekFigures:
        return self.history[-1]

    @property
    def title(self) -> str:
        last = self.end - timedelta(days=1)
        return f"Commitment report {self.week} ({self.start:%d %b} - {last:%d %b %Y})"


LATE = timedelta(hours=1)


def outcome_of(state: StepState, target: datetime | None, as_of: datetime, owner: str = "me",
               booked_start: datetime | None = None, moved_by_them: bool = False) -> Outcome:
    """A step's outcome at `as_of` (see the module docstring). A follow-up on the calendar at the
    promised moment keeps the promise in flight; one booked to catch up after the target passed does
    not unbreak it, and neither does chasing a buyer who missed theirs. A follow-up the other side's
    out-of-office moved (`moved_by_them`) is in flight, not late."""
    if state == StepState.KEPT:
        return "kept"
    if state == StepState.SETTLED:
        return "settled"
    if state in (StepState.CANCELLED, StepState.DISMISSED, StepState.MERGED):
        return "dropped"
    passed = target is not None and target <= as_of
    if state in (StepState.BROKEN, StepState.BACKLOG) or (owner == "them" and passed):
        return "broken"
    if state == StepState.REJECTED:
        return "dropped"
    if state == StepState.HELD:
        return "booked"  # the fallback's moment is held on the calendar
    if state in (StepState.BOOKED, StepState.ACCEPTED):
        late = (passed and target is not None and booked_start is not None and booked_start > target + LATE
                and not moved_by_them)
        return "broken" if late else "booked"
    return "broken" if passed else "pending"


# -- building it ----------------------------------------------------------------------------------
class _Index:
    """Everything the report reads, loaded once: steps, commitments, messages, suggestions."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.hours = business_hours(config)
        # a merged step is the same promise as another one: it is counted once, there
        self.steps: dict[str, NextStep] = {s.commitment_id: s for s in store.steps() if s.state != StepState.MERGED}
        self.commitments: dict[str, Commitment] = {c.id: c for c in store.commitments()}
        suggestions = store.suggestions()
        self.starts: dict[str, datetime] = {s.commitment_id: s.start for s in suggestions}
        self.moved_by_them: set[str] = {s.commitment_id for s in suggestions
                                        if s.reason.startswith(OUT_OF_OFFICE_REASON)}
        self._messages: dict[str, Message | None] = {}
        self.orgs = store.organisations()

    def message(self, message_id: str) -> Message | None:
        if message_id not in self._messages:
            self._messages[message_id] = self.store.message(message_id)
        return self._messages[message_id]

    def row(self, commitment: Commitment, as_of: datetime) -> PromiseRow:
        step = self.steps.get(commitment.id)
        msg = self.message(commitment.message_id)
        person, company = "", ""
        if step is not None:
            person = step.counterpart.name or step.counterpart.email
            company = company_label(step.counterpart.company, person, self.orgs.get(step.counterpart.company, ""))
        elif msg is not None:
            other = msg.recipients[0] if msg.direction != "received" and msg.recipients else msg.sender
            person, company = other.name or other.email, other.domain
        target = step.target if step is not None else None
        if step is None and msg is not None:  # not tracked yet: the target the tracker will give it
            target = self.hours.target(commitment.who, commitment.due, commitment.due_has_time, msg.sent_at)[0]
        state = step.state if step is not None else StepState.PENDING
        return PromiseRow(
            commitment_id=commitment.id, who=commitment.who, person=person, company=company,
            action=commitment.action, text=commitment.text, subject=msg.subject if msg else "",
            made_at=msg.sent_at if msg else None, target=target,
            target_is_default=step.target_is_default if step is not None else commitment.due is None,
            due_has_time=commitment.due_has_time, vague=commitment.vague, conditional=commitment.conditional,
            state=state.value, outcome=outcome_of(state, target, as_of, commitment.who, self.starts.get(commitment.id),
                               commitment.id in self.moved_by_them),
        )


def _figures(index: _Index, store: Store, week: str, tz: str, as_of: datetime) -> WeekFigures:
    start, end = week_bounds(week, tz)
    counts = {"kept": 0, "settled": 0, "broken": 0, "pending": 0}
    mine_due = mine_kept = 0
    for step in index.steps.values():
        if not (start <= step.target < end):
            continue
        out = outcome_of(step.state, step.target, as_of, step.owner, index.starts.get(step.commitment_id),
                         step.commitment_id in index.moved_by_them)
        if step.owner == "me" and out != "dropped":
            mine_due += 1
            mine_kept += out in ("kept", "settled")
        if out in ("pending", "booked"):
            counts["pending"] += 1
        elif out in counts:
            counts[out] += 1
    sent = [m for m in store.messages(since=start, until=end, direction="sent") if not m.is_auto_reply]
    with_step = sum(1 for m in sent if check.sets_next_action(store.commitments(m.id)))
    return WeekFigures(week, counts["kept"], counts["settled"], counts["broken"], counts["pending"],
                       len(sent), with_step, mine_due, mine_kept)


def _open_split(index: _Index, as_of: datetime) -> tuple[list[str], list[str]]:
    """(overdue, upcoming) commitment ids: open promises whose target passed by `as_of`, and the rest."""
    overdue: list[str] = []
    upcoming: list[str] = []
    for cid, step in index.steps.items():
        if step.state not in OPEN or cid not in index.commitments:
            continue
        (overdue if step.target <= as_of else upcoming).append(cid)
    return overdue, upcoming


def _standing(index: _Index, store: Store, config: Config, week: str, as_of: datetime,
              figures: WeekFigures | None = None) -> Standing:
    """The headline figures of `week`, judged at `as_of` (the end of the week, or now)."""
    tz = config.rep.timezone
    start, end = week_bounds(week, tz)
    f = figures or _figures(index, store, week, tz, as_of)
    overdue, upcoming = _open_split(index, as_of)
    stalled = sum(1 for d in rolled_up_deals(store, config, as_of) if d.stalled)
    return Standing(week=week, mine_kept=f.mine_kept, mine_due=f.mine_due, overdue=len(overdue),
                    upcoming=len(upcoming), stalled=stalled, followups=len(_followups(index, store, start, end)),
                    sent=f.sent, sent_with_next_action=f.sent_with_next_action)


def _vague_rows(index: _Index, store: Store, config: Config, start: datetime, end: datetime) -> list[VagueRow]:
    """The rep's vague promises ("I'll follow up soon") and the sent mails that only check in ("Just
    checking in on the legal review") without setting any next action, each with a concrete rewrite."""
    rows: list[VagueRow] = []
    for msg in store.messages(since=start, until=end, direction="sent"):
        if msg.is_auto_reply:
            continue
        found = store.commitments(msg.id)
        quoted = [c.text for c in found if c.who == "me" and c.vague]
        if not quoted and not check.sets_next_action(found):
            quoted = check.check_in_sentences(msg.body)[:1]
        if not quoted:
            continue
        to = msg.recipients[0] if msg.recipients else None
        name = check.first_name(to.name, to.email) if to else ""
        actions = [c.action for c in found if c.who == "me"]
        kind = check.kind_of(actions, [msg.body])
        rewrite = check.propose(msg.sent_at, config, name=name, kind=kind)
        for text in quoted:
            rows.append(VagueRow(text=text, sent_at=msg.sent_at, to=(to.name or to.email) if to else "",
                                 subject=msg.subject, rewrite=rewrite))
    return rows


def _stalled(store: Store, config: Config, now: datetime) -> list[StalledRow]:
    rows: list[StalledRow] = []
    for deal in rolled_up_deals(store, config, now):
        if not deal.stalled:
            continue
        next_text = ""
        if deal.next_step is not None:
            c = store.commitment(deal.next_step.commitment_id)
            next_text = c.text if c is not None else deal.next_step.action
        rows.append(StalledRow(company=deal.label or deal.company, contact=", ".join(deal.people[:3]),
                               last_activity=deal.last_activity, reason=deal.stalled_reason, next_step=next_text))
    return rows


def _followups(index: _Index, store: Store, start: datetime, end: datetime) -> list[FollowUpRow]:
    rows: list[FollowUpRow] = []
    wanted = (StepState.BOOKED, StepState.ACCEPTED)
    accepted_in_week = {t.commitment_id for t in store.transitions(to_state=StepState.ACCEPTED, since=start,
                                                                   until=end)}
    for s in store.suggestions(wanted):
        booking = store.booking(s.id)
        booked_at = booking.booked_at if booking is not None else None
        if not ((booked_at is not None and start <= booked_at < end) or start <= s.start < end
                or s.commitment_id in accepted_in_week):
            continue
        step = index.steps.get(s.commitment_id)
        person = (step.counterpart.name or step.counterpart.email) if step else ""
        rows.append(FollowUpRow(title=s.title.partition(" \u2014 ")[0], person=person, start=s.start, state=s.state.value,
                                reason=s.reason, booked_at=booked_at))
    return rows


def build_weekly(store: Store, config: Config, now: datetime, week: str | None = None,
                 charts: bool = True) -> WeeklyReport:
    """The report for `week` (default: the week holding `now`), judged at min(now, end of week)."""
    tz = config.rep.timezone
    week = normalise_week(week) if week else iso_week(now, tz)
    start, end = week_bounds(week, tz)
    as_of = min(now, end)
    index = _Index(store, config)

    made = []
    for msg in store.messages(since=start, until=end):
        for c in store.commitments(msg.id):
            step = store.step(c.id)
            if step is None or step.state != StepState.MERGED:
                made.append(index.row(c, as_of))
    due = [index.row(index.commitments[cid], as_of) for cid, step in index.steps.items()
           if start <= step.target < end and cid in index.commitments]
    later = [index.row(index.commitments[cid], as_of) for cid, step in index.steps.items()
             if step.target >= end and cid in index.commitments]
    later = [r for r in later if r.outcome in ("pending", "booked")]
    weeks = [week]
    for _ in range(CHART_WEEKS - 1):
        weeks.insert(0, previous_week(weeks[0], tz))
    history = tuple(_figures(index, store, w, tz, as_of) for w in weeks)
    awaiting = len(store.suggestions([StepState.SUGGESTED]))
    overdue_ids, upcoming_ids = _open_split(index, as_of)
    stalled_rows = _stalled(store, config, as_of)
    standing = replace(_standing(index, store, config, week, as_of, history[-1]), stalled=len(stalled_rows))
    last_week = _standing(index, store, config, weeks[-2], min(as_of, start))

    def by_target(rows: Iterable[PromiseRow]) -> tuple[PromiseRow, ...]:
        far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
        return tuple(sorted(rows, key=lambda r: (r.target or far, r.commitment_id)))

    report = WeeklyReport(
        week=week, start=start, end=end, as_of=as_of, rep_name=config.rep.name, timezone=tz,
        made_by_rep=tuple(r for r in made if r.who == "me"),
        made_by_buyers=tuple(r for r in made if r.who == "them"),
        due=by_target(due), pending_later=by_target(later),
        vague=tuple(_vague_rows(index, store, config, start, end)),
        stalled=tuple(stalled_rows),
        followups=tuple(sorted(_followups(index, store, start, end), key=lambda f: f.start)),
        awaiting_review=awaiting, history=history, backlog=tuple(groups(store)),
        overdue=by_target(index.row(index.commitments[c], as_of) for c in overdue_ids),
        upcoming=by_target(index.row(index.commitments[c], as_of) for c in upcoming_ids),
        standing=standing, last_week=last_week,
    )
    if charts:
        report.charts.update(render_charts(report))
    return report


# -- charts ---------------------------------------------------------------------------------------
def render_charts(report: WeeklyReport) -> dict[str, bytes]:
    """Two PNGs: kept/broken/pending per week (by target week), and the share of sent mail that set a
    next action per week. matplotlib's object API with the Agg canvas: no global state, thread-safe."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    labels = [f.week[5:] for f in report.history]
    x = list(range(len(labels)))
    colours = {"kept": "#2f855a", "broken": "#c53030", "pending": "#d69e2e"}

    def png(fig: Figure) -> bytes:
        FigureCanvasAgg(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        return buf.getvalue()

    fig = Figure(figsize=(6.4, 2.8))
    ax = fig.add_subplot()
    kept = [f.kept + f.settled for f in report.history]
    broken = [f.broken for f in report.history]
    pending = [f.pending for f in report.history]
    ax.bar(x, kept, color=colours["kept"], label="kept or settled")
    ax.bar(x, broken, bottom=kept, color=colours["broken"], label="broken")
    ax.bar(x, pending, bottom=[a + b for a, b in zip(kept, broken, strict=True)], color=colours["pending"],
           label="pending")
    ax.set_xticks(x, labels)
    ax.set_ylabel("promises due")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Promises due each week, by outcome", fontsize=10)
    ax.legend(frameon=False, fontsize=8, ncols=3, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    top = max([a + b + c for a, b, c in zip(kept, broken, pending, strict=True)] + [1])
    ax.set_ylim(0, top * 1.3 + 0.5)
    outcomes = png(fig)

    fig = Figure(figsize=(6.4, 2.6))
    ax = fig.add_subplot()
    shares = [f.next_action_share for f in report.history]
    values = [s * 100 if s is not None else 0.0 for s in shares]
    bars = ax.bar(x, values, color="#2b6cb0")
    for bar, share, fig_week in zip(bars, shares, report.history, strict=True):
        text = f"{share:.0%}\n{fig_week.sent_with_next_action}/{fig_week.sent}" if share is not None else "no mail"
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=7, xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(x, labels)
    ax.set_ylim(0, 125)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_ylabel("% of sent mail")
    ax.set_title("Sent mail that set a concrete next action", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    share_png = png(fig)
    return {"outcomes": outcomes, "next-action-share": share_png}


def chart_uris(report: WeeklyReport) -> dict[str, str]:
    return {name: "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            for name, data in report.charts.items()}


# -- rendering ------------------------------------------------------------------------------------
def _env() -> Any:
    from assistant.rendering import template_env

    return template_env()


def render_html(report: WeeklyReport) -> str:
    """A standalone page (inline CSS, charts as data: URIs) that opens from disk or an email."""
    from assistant.rendering import STATIC_DIR

    css = (STATIC_DIR / "style.css").read_text(encoding="utf-8")
    return str(_env().get_template("report.html").render(r=report, charts=chart_uris(report), css=css,
                                                        tz=report.timezone))


def _md(text: str) -> str:
    """Mail text inside a Markdown table cell or quote: no markup, no HTML, no line breaks."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_{}\[\]()#+!|~])", r"\\\1", text)


def render_markdown(report: WeeklyReport, chart_files: dict[str, str] | None = None) -> str:
    """The same report for email: tables in Markdown, charts as attached files (or a note)."""
    tz = ZoneInfo(report.timezone)

    def when(moment: datetime | None, with_time: bool = True) -> str:
        if moment is None:
            return "-"
        return moment.astimezone(tz).strftime("%a %d %b %H:%M" if with_time else "%a %d %b")

    f = report.this_week
    n = report.counts
    lines = [f"# {report.title}", "", f"**{report.sentence}**", "",
             f"For {_md(report.rep_name)}, as of {when(report.as_of)} ({report.timezone}).", "",
             "| This week | | Change since last week |", "| --- | --- | --- |"]
    lines.extend(f"| {t.label[:1].upper() + t.label[1:]}{f' ({t.detail})' if t.detail else ''} | {t.shown} | "
                 f"{t.change_text or '-'} |" for t in report.tiles)
    lines.extend(["", "## Summary", "",
             "| | |", "| --- | --- |",
             f"| Promises you made | {n.made_by_rep} |",
             f"| Promises buyers made | {n.made_by_buyers} |",
             f"| Due this week and kept | {n.kept} |",
             f"| Settled by a reply | {n.settled} |",
             f"| Broken | {n.broken} |",
             f"| Overdue | {n.overdue} |",
             f"| Upcoming | {n.upcoming} |",
             f"| Vague non-steps you wrote | {n.vague} |",
             f"| Sent mail that set a next action | "
             f"{f.sent_with_next_action} of {f.sent}" + (f" ({f.next_action_share:.0%})" if f.sent else "") + " |",
             f"| Stalled deals | {n.stalled} |",
             f"| Follow-ups booked or accepted | {n.followups} |",
             f"| Suggestions awaiting your review | {n.awaiting_review} |",
             f"| Backlog: promises from the history, not booked | {n.backlog} |", ""])

    def promise_table(title: str, rows: Iterable[PromiseRow], empty: str) -> None:
        rows = list(rows)
        lines.extend([f"## {title}", ""])
        if not rows:
            lines.extend([f"_{empty}_", ""])
            return
        lines.extend(["| Made | With | Promise | Target | Outcome |", "| --- | --- | --- | --- | --- |"])
        for r in rows:
            target = when(r.target, r.due_has_time and not r.target_is_default) + (
                " (default)" if r.target_is_default else "")
            lines.append(f"| {when(r.made_at, False)} | {_md(r.person)} | \"{_md(r.text)}\" | {target} | "
                         f"{OUTCOME_LABELS[r.outcome]} |")
        lines.append("")

    promise_table("Promises you made this week", report.made_by_rep, "None this week.")
    promise_table("Promises buyers made this week", report.made_by_buyers, "None this week.")
    promise_table("Kept this week", report.due_with("kept"), "Nothing came due and was kept.")
    promise_table("Settled by a reply", report.due_with("settled"), "No fallback was settled by a reply.")
    promise_table("Broken: the target passed with no delivery", report.due_with("broken"), "Nothing broken.")
    promise_table("Overdue: past their target, still open", report.overdue, "Nothing overdue.")
    promise_table("Upcoming", report.upcoming, "Nothing upcoming.")
    lines.extend(["## Backlog: promises from the history", ""])
    if not report.backlog:
        lines.extend(["_Empty._", ""])
    else:
        lines.extend(["Never booked. Dismiss them all with `assistant backlog --dismiss-all` or on the review page.",
                      "", "| With | Promise | Was due |", "| --- | --- | --- |"])
        for g in report.backlog:
            lines.extend(f"| {_md(g.label)} ({_md(i.name or i.email)}) | \"{_md(i.text)}\" | {when(i.target, False)} |"
                         for i in g.items)
        lines.append("")
    lines.extend(["## Vague non-steps you wrote, and a concrete rewrite", ""])
    if not report.vague:
        lines.extend(["_None: every step you wrote had a date._", ""])
    for v in report.vague:
        lines.extend([f"- {when(v.sent_at)} to {_md(v.to)} ({_md(v.subject)}):", f"  > {_md(v.text)}",
                      f"  - Try: \"{_md(v.rewrite)}\"", ""])
    lines.extend(["## Stalled deals", ""])
    if not report.stalled:
        lines.extend(["_No stalled deals._", ""])
    else:
        lines.extend(["| Deal | Contact | Last activity | Why |", "| --- | --- | --- | --- |"])
        lines.extend(f"| {_md(s.company)} | {_md(s.contact)} | {when(s.last_activity, False)} | {_md(s.reason)} |"
                     for s in report.stalled)
        lines.append("")
    lines.extend(["## Follow-ups booked and accepted", ""])
    if not report.followups:
        lines.extend(["_None this week._", ""])
    else:
        lines.extend(["| When | Follow-up | With | State |", "| --- | --- | --- | --- |"])
        lines.extend(f"| {when(u.start)} | {_md(u.title)} | {_md(u.person)} | {u.state} |" for u in report.followups)
        lines.append("")
    lines.extend(["## Charts", ""])
    if chart_files:
        lines.extend(f"- {name}: attached as `{path}`" for name, path in chart_files.items())
    else:
        lines.append("_Charts are in the HTML report; this text version omits them._")
    lines.append("")
    lines.extend(["| Week | Kept or settled | Broken | Pending | Sent with a next action |",
                  "| --- | --- | --- | --- | --- |"])
    for h in report.history:
        share = f"{h.sent_with_next_action}/{h.sent}" + (f" ({h.next_action_share:.0%})" if h.sent else "")
        lines.append(f"| {h.week} | {h.kept + h.settled} | {h.broken} | {h.pending} | {share} |")
    lines.append("")
    return "\n".join(lines)


# -- writing it -----------------------------------------------------------------------------------
def default_out_dir(config: Config, week: str) -> Path:
    """<report.out_dir>/reports/<week>/, or <data dir>/reports/<week>/ when the config names none."""
    base = config.resolve_path(config.report.out_dir) if config.report.out_dir else data_dir()
    return base / "reports" / week


def write_weekly(store: Store, config: Config, now: datetime, week: str | None = None,
                 out_dir: Path | None = None) -> Path:
    """Write report.html, report.md and the two chart PNGs into `out_dir` (default: the report dir in
    config, one folder per week); record the week in the store; return the HTML file's path."""
    report = build_weekly(store, config, now, week)
    folder = Path(out_dir) if out_dir is not None else default_out_dir(config, report.week)
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for name, data in report.charts.items():
        (folder / f"{name}.png").write_bytes(data)
        files[name] = f"{name}.png"
    html_path = folder / "report.html"
    _atomic_write(html_path, render_html(report))
    _atomic_write(folder / "report.md", render_markdown(report, files))
    with store.transaction():
        store.record_report(report.week, str(html_path.resolve()), now)
    return html_path


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def report_due(config: Config, now: datetime) -> bool:
    """Is it the configured weekday, at or after the configured time, in the rep's zone?"""
    local = now.astimezone(ZoneInfo(config.rep.timezone))
    return config.report.weekly and local.weekday() == config.report.weekday and local.time() >= config.report.at


def maybe_write_weekly(store: Store, config: Config, now: datetime) -> Path | None:
    """On the report day (Monday 08:00 by default, rep's zone), write last week's report once."""
    if not report_due(config, now):
        return None
    week = previous_week(iso_week(now, config.rep.timezone), config.rep.timezone)
    if store.report_path(week) is not None:
        return None
    return write_weekly(store, config, now, week)


def latest_week(store: Store) -> str | None:
    weeks = store.report_weeks()
    return weeks[-1] if weeks else None


def written_weeks(store: Store) -> list[str]:
    return store.report_weeks()
