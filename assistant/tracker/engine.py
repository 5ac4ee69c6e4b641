"""The tracker's pass: every stored commitment becomes a tracked next step, and the steps move through
the lifecycle of `assistant.tracker.states` as mail arrives and time passes. The clock is injected.

What one pass decides, per step (the rules themselves live in the package's small modules):
- a new step gets its target (`business`), its counterpart (`counterparts`), and is merged into an
  earlier step when it is the same promise (`dedupe`);
- a delivery or real contact since the promise keeps or settles it (`outcomes`);
- the rep's fallback ("I'll call you Thursday at 8:15 if I haven't heard back") is held on the calendar
  at once (`tracker.hold_fallbacks`), and the hold is confirmed when the silence passes;
- a target that passed makes the rep's promise due and the buyer's broken; a follow-up is suggested,
  unless the target is more than `tracker.history_days` old (the backlog: history is not a to-do
  list), or the buyer is to be chased while the rep owes them an overdue deliverable on the thread
  (the rep's own task comes first: the chase waits);
- an out-of-office return date moves a follow-up after the return; a snooze that ended re-suggests it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from assistant.config import Config
from assistant.models import StepState, Suggestion, content_id
from assistant.store import Store
from assistant.tracker import repository as repo
from assistant.tracker import states
from assistant.tracker.business import business_hours
from assistant.tracker.counterparts import counterpart
from assistant.tracker.dedupe import Promises
from assistant.tracker.outcomes import ooo_until, outcome
from assistant.tracker.repository import Candidate, Mail, NewStep, StepKey
from assistant.tracker.slots import Slots
from assistant.tracker.states import Change
from assistant.tracker.wording import OUT_OF_OFFICE_REASON, SILENCE_REASON, message_link, suggestion_texts

S = StepState
CHUNK = 4000  # staged steps read per round (bounds memory: the rows and the mail of their threads)
BULK = 20_000  # new steps from which a pass rebuilds the tracker tables' indexes instead of updating them
# the states the pass's loop compares with, as plain module constants (an enum member lookup costs more)
_BACKLOG = S.BACKLOG
_BOOKED = S.BOOKED
_BROKEN = S.BROKEN
_DUE = S.DUE
_HELD = S.HELD
_KEPT = S.KEPT
_MERGED = S.MERGED
_PENDING = S.PENDING
_SNOOZED = S.SNOOZED
_SUGGESTED = S.SUGGESTED


@dataclass(frozen=True)
class TrackResult:
    new_steps: int = 0
    transitions: dict[str, int] = field(default_factory=dict)  # "pending->due" -> count
    suggestions: tuple[str, ...] = ()  # ids of suggestions made in this pass
    moved: tuple[str, ...] = ()  # suggestions moved after an out-of-office return date
    backlog: int = 0  # steps sent to the backlog in this pass

    def summary(self) -> list[str]:
        """What a rep's log says about the pass: nothing when nothing new happened (an idle pass is silent);
        the state hops ("pending->due") are `hops()`, for the debug log."""
        if not (self.new_steps or self.suggestions or self.moved or self.backlog):
            return []
        return [line for line in self.lines() if not line.startswith("  ") or "->" not in line]

    def hops(self) -> list[str]:
        return [f"{hop}: {n}" for hop, n in sorted(self.transitions.items())]

    def lines(self) -> list[str]:
        out = [f"tracker: {self.new_steps} new step(s), {len(self.suggestions)} new suggestion(s)"]
        out += [f"  {hop}: {n}" for hop, n in sorted(self.transitions.items())]
        if self.moved:
            out.append(f"  {len(self.moved)} suggestion(s) moved after an out-of-office return date")
        if self.backlog:
            out.append(f"  {self.backlog} promise(s) from the history went to the backlog (`assistant backlog`)")
        return out


@dataclass
class _Step:
    """A candidate as the pass sees it: its (maybe new) target and counterpart, and its current state."""

    c: Candidate
    promise: Mail
    state: StepState | None
    target: datetime
    target_is_default: bool
    email: str
    name: str
    company: str


class _Pass:
    """One tracker pass's running state: its clock, slots and what the current chunk writes."""

    def __init__(self, store: Store, config: Config, now: datetime) -> None:
        self.store, self.config, self.now = store, config, now
        self.hours = business_hours(config)
        self.zone = self.hours.zone
        self.event = timedelta(minutes=config.tracker.event_minutes)
        self.grace = self.event
        self.history = timedelta(days=config.tracker.history_days)
        self.hold = config.tracker.hold_fallbacks
        self.mine = config.rep.addresses
        self.book_accounts = {a.name for a in config.accounts if a.mode == "book"}
        self.orgs = store.organisations()  # how each company's people write its name (titles use it)
        self.slots = Slots(lambda: repo.taken_starts(store, states.TAKES_SLOT, now - self.grace), self.hours)
        self.hops: dict[tuple[StepState | None, StepState], int] = defaultdict(int)
        self.made: list[str] = []
        self.moved: list[str] = []
        self.new_steps = 0
        self._correspondents: list[tuple[str, str]] | None = None
        self._owing: dict[str, set[str]] | None = None
        self._promises: Promises | None = None
        self._had_steps = False
        self._asked_parties: set[str] = set()
        self._asked_messages: set[str] = set()
        self._made_here: set[str] = set()  # steps this pass made (already in `_promises`)

    # -- lazily loaded context -----------------------------------------------------------------
    def correspondents(self) -> list[tuple[str, str]]:
        if self._correspondents is None:
            self._correspondents = repo.correspondents(self.store)
        return self._correspondents

    def promises(self, fresh: list[_Step]) -> Promises:
        """The steps the chunk's new ones may repeat (same counterpart, or the same message): the pass's
        own new steps are added as they are made; steps from before the pass are loaded the first time
        their counterpart or message comes up."""
        if self._promises is None:
            self._promises = Promises(self.zone)
            self._had_steps = self.store.db.execute("SELECT 1 FROM steps LIMIT 1").fetchone() is not None
        parties = {p for s in fresh for p in (s.email, s.company) if p} - self._asked_parties
        messages = {s.c.message_id for s in fresh} - self._asked_messages
        if self._had_steps and (parties or messages):
            live = frozenset(states.TRANSITIONS) - {S.MERGED}
            self._promises.load(k for k in repo.step_keys(self.store, live, parties, messages)
                                if k.commitment_id not in self._made_here)
        self._asked_parties |= parties
        self._asked_messages |= messages
        return self._promises

    def owing(self) -> dict[str, set[str]]:
        """Thread -> the rep's overdue undelivered promises on it."""
        if self._owing is None:
            self._owing = defaultdict(set)
            for thread, cid in repo.owing_threads(self.store, states.OWED_BY_REP, self.now):
                self._owing[thread].add(cid)
        return self._owing

    # -- the pass ----------------------------------------------------------------------------------
    def run(self) -> None:
        store = self.store
        mark = repo.mark(store)
        if mark is not None and mark.now > self.now:
            mark = None  # the clock was replayed backwards: look at everything
        total = repo.stage(store, states.OPEN, self.now, mark, states.OWED_BY_REP, self.now - self.history)
        bulk: AbstractContextManager[None] = (repo.bulk_load(store) if repo.staged_new_steps(store) >= BULK
                                      else nullcontext())
        with bulk:
            for first in range(1, total + 1, CHUNK):
                last = min(total, first + CHUNK - 1)
                threads: dict[str, list[Mail]] = defaultdict(list)
                by_id: dict[str, Mail] = {}
                for mail in repo.thread_mail(store, first, last, self.now):
                    by_id[mail.id] = mail
                    threads[mail.thread_id].append(mail)
                self.chunk(repo.candidates(store, first, last), threads, by_id)
        repo.drop_stage(store)
        repo.set_mark(store, self.now)

    def _steps(self, rows: list[Candidate], threads: dict[str, list[Mail]], by_id: dict[str, Mail]) -> Iterator[_Step]:
        parties: dict[str, tuple[str, str, str]] = {}  # promise message id -> counterpart (several promises a mail)
        for c in rows:
            promise = by_id.get(c.message_id)
            if promise is None:
                continue
            if c.state is None or c.target is None:
                target, is_default = self.hours.target(c.who, c.due, c.due_has_time, c.sent_at)
                party = parties.get(c.message_id)
                if party is None:
                    party = parties[c.message_id] = counterpart(promise, threads[c.thread_id], self.mine,
                                                                self.correspondents)
                yield _Step(c, promise, None, target, is_default, *party)
            else:
                yield _Step(c, promise, c.state, c.target, c.target_is_default, c.counterpart_email,
                            c.counterpart_name, c.company)

    def chunk(self, rows: list[Candidate], threads: dict[str, list[Mail]], by_id: dict[str, Mail]) -> None:
        steps = list(self._steps(rows, threads, by_id))
        if not steps:
            return
        earliest = min(s.c.sent_at for s in steps)
        contact: dict[str, list[Mail]] = defaultdict(list)
        notes: list[Mail] = []
        for mail in repo.contact_mail(self.store, {s.email for s in steps}, earliest, self.now):
            if mail.direction == "note":
                notes.append(mail)
            else:
                contact[mail.sender_email].append(mail)
        note_party: dict[str, tuple[str, str, str]] = {}

        def about(email: str, company: str, name: str) -> Callable[[Mail], bool]:
            def check(mail: Mail) -> bool:
                party = note_party.get(mail.id)
                if party is None:
                    party = note_party[mail.id] = counterpart(mail, (), self.mine, self.correspondents)
                if email and party[0]:
                    return party[0] == email
                return party[2] == company or (bool(name) and party[1] == name)
            return check

        new_steps: list[NewStep] = []
        changes: list[Change] = []
        suggestions: list[Suggestion] = []
        moves: list[tuple[str, datetime, datetime, str]] = []
        promises = self.promises([s for s in steps if s.state is None])
        owing = self.owing()
        # Slots are handed out after every step was looked at, in the steps' order (oldest promise first):
        # by then `owing` is final, so a chase waits exactly while the rep's own task on its thread is open.
        todo: list[tuple[_Step, StepState, bool, datetime | None] | tuple[str, datetime]] = []
        for s in steps:  # the rep's new promises already overdue: a chase on their thread waits for them
            if s.state is None and s.c.who == "me" and s.target <= self.now:
                owing[s.c.thread_id].add(s.c.commitment_id)
        for s in steps:
            c = s.c
            here: list[Change] = []
            state = s.state
            if state is None:
                self.new_steps += 1
                new_steps.append(NewStep(c.commitment_id, c.who, c.action, s.email, s.name, s.company, c.thread_id,
                                         s.target, s.target_is_default))
                here.append(Change(c.commitment_id, None, _PENDING, "tracked"))
                state = _PENDING
                key = StepKey(c.commitment_id, c.message_id, c.who, c.action, s.email, s.company, s.target,
                              c.due_has_time and not s.target_is_default, c.thread_id,
                              s.promise.direction == "note", c.text, s.target_is_default)
                same = promises.repeat(key)
                if same is not None:
                    here.append(Change(c.commitment_id, _PENDING, _MERGED, f"the same promise as step {same}"))
                    owing[c.thread_id].discard(c.commitment_id)
                    changes += here
                    continue
                promises.add(key)
                self._made_here.add(c.commitment_id)
            seen = threads[c.thread_id]  # by time already; contact elsewhere is merged in when there is some
            elsewhere = [m for m in (*contact.get(s.email, ()), *notes) if m.thread_id != c.thread_id]
            if elsewhere:
                seen = sorted([*seen, *elsewhere], key=lambda m: (m.sent_at, m.id))
            done = outcome(c.who, c.action, c.conditional, s.promise, seen, self.mine,
                           about(s.email, s.company, s.name))
            if done is not None:
                to, msg = done
                why = "delivered" if to == _KEPT else "real contact"
                when = "before" if msg.sent_at < s.target else "after"
                here.append(Change(c.commitment_id, state, to, f"{why} {when} the target ({msg.direction} {msg.id})"))
                if c.who == "me":
                    owing[c.thread_id].discard(c.commitment_id)
                changes += here
                continue
            ooo = ooo_until(seen, s.promise)
            too_old = s.target < self.now - self.history
            if state == _PENDING:
                timed = c.due_has_time and not s.target_is_default
                if self.hold and c.who == "me" and c.conditional and timed and s.target > self.now:
                    todo.append((s, state, True, ooo))
                    changes += here
                    continue
                if s.target <= self.now:
                    if too_old:
                        here.append(Change(c.commitment_id, state, _BACKLOG, self._history_note(s.target)))
                        owing[c.thread_id].discard(c.commitment_id)
                        state = _BACKLOG
                    else:
                        first = _DUE if c.who == "me" else _BROKEN
                        here.append(Change(c.commitment_id, state, first, "target passed unsettled"
                                           if first == _DUE else "target passed with no delivery"))
                        state = first
                        if first == _DUE:
                            owing[c.thread_id].add(c.commitment_id)
            if state == _HELD and c.suggestion_id is not None:
                start = c.suggestion_start or s.target
                if ooo is not None and start < ooo:
                    todo.append((c.suggestion_id, ooo))
                elif start <= self.now:
                    here.append(Change(c.commitment_id, state, _BOOKED, f"{SILENCE_REASON}: the hold is confirmed"))
            elif state in (_DUE, _BROKEN) and c.suggestion_id is None:
                if too_old:
                    here.append(Change(c.commitment_id, state, _BACKLOG, self._history_note(s.target)))
                    owing[c.thread_id].discard(c.commitment_id)
                else:
                    todo.append((s, state, False, ooo))
            elif state == _SNOOZED:
                if c.snoozed_until is None or c.snoozed_until <= self.now:
                    here.append(Change(c.commitment_id, state, _SUGGESTED, "snooze ended"))
            elif state == _SUGGESTED and c.suggestion_start is not None and c.suggestion_id is not None:
                if ooo is not None and c.suggestion_start < ooo:
                    todo.append((c.suggestion_id, ooo))
            changes += here
        for item in todo:
            if len(item) == 2:
                moves.append(self._move(*item))
                continue
            step, state, held, ooo = item
            if state == _BROKEN and owing.get(step.c.thread_id):
                continue  # the rep's own overdue task on this thread comes first: the chase waits (looked at again)
            suggestion, note = self.suggest(step, held=held, ooo=ooo)
            suggestions.append(suggestion)
            changes.append(Change(step.c.commitment_id, state, _HELD if held else _SUGGESTED, note))
        repo.insert_suggestions(self.store, suggestions, self.now)
        repo.move_suggestions(self.store, moves, self.now)
        states.apply(self.store, changes, self.now, new_steps)
        for ch in changes:
            self.hops[ch.from_state, ch.to_state] += 1

    def _history_note(self, target: datetime) -> str:
        return (f"history: due {target.astimezone(self.zone):%a %d %b %Y}, more than "
                f"{self.config.tracker.history_days} days before now; not booked")

    def _move(self, suggestion_id: str, until: datetime) -> tuple[str, datetime, datetime, str]:
        ts = self.slots.claim(until)
        start = self.slots.at[ts]
        self.moved.append(suggestion_id)
        return suggestion_id, start, start + self.event, f"{OUT_OF_OFFICE_REASON} {until.astimezone(self.zone):%a %d %b}"

    def suggest(self, s: _Step, *, held: bool, ooo: datetime | None) -> tuple[Suggestion, str]:
        """The follow-up of a step, and the note of its transition. A hold, and a timed promise of the
        rep's that is still current, keep their moment; anything else takes the next free business
        slot; an out-of-office return date pushes it after the return."""
        c = s.c
        reason = ""
        timed = c.due_has_time and not s.target_is_default and c.who == "me"
        current = timed and s.target >= self.now - self.grace  # the promised moment is still ahead, or just passed
        if current and (ooo is None or ooo <= s.target):
            start = s.target.astimezone(self.zone)
            self.slots.reserve(start)  # untimed follow-ups made later in this pass keep off it
        else:
            wanted = max(s.target, self.now)
            if ooo is not None and ooo > (s.target if current else wanted):
                wanted = max(ooo, wanted)
                reason = f"{OUT_OF_OFFICE_REASON} {ooo.astimezone(self.zone):%a %d %b}"
            start = self.slots.at[self.slots.claim(wanted)]
        link = c.link or message_link(c.rfc_message_id, c.source_id)
        promised = f" on {c.sent_at.astimezone(self.zone):%a %d %b %Y %H:%M}"
        title, body, reason = suggestion_texts(c.who, c.action, c.text, s.name, s.email, s.company, c.subject, None,
                                               self.zone, link, conditional=c.conditional, reason=reason,
                                               promised=promised, org=self.orgs.get(s.company, ""))
        sid = content_id(c.commitment_id, prefix="ft")
        self.made.append(sid)
        if held:
            note = f"held on the calendar (tentative) for {start.isoformat()}"
        else:
            note = f"follow-up suggested for {start.isoformat()}"
            if c.account in self.book_accounts:
                note += f" (account {c.account} books automatically)"
        return Suggestion(id=sid, commitment_id=c.commitment_id, title=title, body=body, start=start,
                          end=start + self.event, reason=reason, state=S.HELD if held else S.SUGGESTED,
                          link=link), note


def track(store: Store, config: Config, now: datetime) -> TrackResult:
    """One tracker pass in one write transaction: the steps that may move are staged by one query and
    read back in chunks with their threads' mail; the changes are written in bulk. Idempotent: a second
    pass at the same `now` changes nothing."""
    run = _Pass(store, config, now)
    with store.transaction():
        run.run()
    hops = {(a.value if a is not None else "new") + "->" + b.value: n for (a, b), n in run.hops.items()}
    backlog = sum(n for (a, b), n in run.hops.items() if b == S.BACKLOG)
    return TrackResult(new_steps=run.new_steps, transitions=hops, suggestions=tuple(run.made),
                       moved=tuple(run.moved), backlog=backlog)

