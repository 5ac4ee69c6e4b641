"""Every query of the tracker, in one place, over the store's connection (SQL both adapters run; the
few fragments that differ by dialect come from the store: `create_temp_table`, `json_pair_firsts`,
`secondary_indexes`). Rows come back as frozen
dataclasses with aware datetimes (the store keeps UTC ISO text; it is parsed here, once, and never
compared as text by the callers).

The pass works over sets: the commitments that may move are staged in a temp table by one query
(`stage`), read back in chunks (`candidates`) with the mail of their threads (`thread_mail`) and the
counterparts' mail on other threads (`contact_mail`), and the chunk's changes are written in bulk."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from assistant.models import StepState, Suggestion
from assistant.store import Store, utc_iso

if TYPE_CHECKING:
    from assistant.tracker.states import Change

TRACKER_MARK = "follow-through:tracker-pass"
_TYPED_COLUMNS = (
    ("cid", "TEXT"), ("who", "TEXT"), ("action", "TEXT"), ("due", "TEXT"), ("due_has_time", "BOOLEAN"),
    ("conditional", "BOOLEAN"), ("vague", "BOOLEAN"), ("text", "TEXT"), ("message_id", "TEXT"),
    ("rfc_message_id", "TEXT"), ("account", "TEXT"), ("source_id", "TEXT"), ("thread_id", "TEXT"),
    ("sent_at", "TEXT"), ("subject", "TEXT"), ("state", "TEXT"), ("target", "TEXT"), ("target_is_default", "BOOLEAN"),
    ("counterpart_email", "TEXT"), ("counterpart_name", "TEXT"), ("company", "TEXT"), ("suggestion_id", "TEXT"),
    ("suggestion_start", "TEXT"), ("snoozed_until", "TEXT"), ("link", "TEXT"))
_COLUMNS = tuple(c for c, _ in _TYPED_COLUMNS)


@dataclass(frozen=True, slots=True)
class Mail:
    """A stored message as the pass reads it."""

    thread_id: str
    id: str
    direction: str  # sent | received | note
    sender_email: str
    sender_name: str
    recipients: tuple[tuple[str, str], ...]  # (email, name)
    sent_at: datetime
    body: str
    is_auto_reply: bool
    auto_reply_until: datetime | None
    subject: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A commitment the pass must look at, with its step and suggestion when it has them."""

    commitment_id: str
    who: str
    action: str
    due: datetime | None
    due_has_time: bool
    conditional: bool
    vague: bool
    text: str
    message_id: str
    rfc_message_id: str
    account: str
    source_id: str
    thread_id: str
    sent_at: datetime
    subject: str
    state: StepState | None  # None: not tracked yet
    target: datetime | None
    target_is_default: bool
    counterpart_email: str
    counterpart_name: str
    company: str
    suggestion_id: str | None
    suggestion_start: datetime | None
    snoozed_until: datetime | None
    link: str = ""  # the message's link back to the client it came from ("" for rows stored before it was kept)


@dataclass(frozen=True, slots=True)
class NewStep:
    commitment_id: str
    owner: str
    action: str
    email: str
    name: str
    company: str
    thread_id: str
    target: datetime
    target_is_default: bool


@dataclass(frozen=True, slots=True)
class StepKey:
    """What tells one promise from another (see `assistant.tracker.dedupe`)."""

    commitment_id: str
    message_id: str
    owner: str
    action: str
    email: str
    company: str
    target: datetime
    timed: bool
    thread_id: str = ""
    from_note: bool = False  # the promise was written in a call note
    text: str = ""
    default_target: bool = False  # the promise named no time: its target is only the config default


@dataclass(frozen=True, slots=True)
class BacklogItem:
    """A promise from the history: it fell due too long ago to book."""

    commitment_id: str
    owner: str
    action: str
    text: str
    email: str
    name: str
    company: str
    target: datetime
    subject: str
    sent_at: datetime


# -- the pass's mark ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mark:
    """Where the previous pass stopped: the last message and commitment rowids, and its `now`."""

    message_rowid: int
    commitment_rowid: int
    now: datetime


def mark(store: Store) -> Mark | None:
    c = store.cursor(TRACKER_MARK)
    if not c or "crowid" not in c:
        return None
    return Mark(int(c["rowid"]), int(c["crowid"]), datetime.fromisoformat(c["now"]))


def set_mark(store: Store, now: datetime) -> None:
    rowid = store.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM messages").fetchone()[0]  # (a column in PostgreSQL)
    crowid = store.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM commitments").fetchone()[0]
    store.set_cursor(TRACKER_MARK, {"rowid": int(rowid), "crowid": int(crowid), "now": utc_iso(now)}, now)


# -- staging the candidates --------------------------------------------------------------------
def stage(store: Store, open_states: Iterable[StepState], now: datetime, since: Mark | None,
          owed: Iterable[StepState] = (), history: datetime | None = None) -> int:
    """Stage (in the temp table track_cand, oldest promise first) every commitment the pass must look at:
    untracked ones from messages sent by `now`, and open steps that may move. Without a mark (first
    pass, or a clock replayed backwards) every open step; with one only those on threads with mail
    stored or sent since, those whose counterpart wrote or was called since, pending and held ones
    whose target passed, due ones, broken ones that no overdue promise of the rep's on their thread holds
    back (`owed`: the states of such a promise) or that are older than `history` (to the backlog), and
    snoozes that ended. Returns how many were staged."""
    wanted = [StepState(s).value for s in open_states]
    owed_v = [StepState(s).value for s in owed] or ["-"]
    stamp = utc_iso(now)
    db = store.db
    store.create_temp_table("track_cand", _TYPED_COLUMNS)
    note_from, note_email = store.json_pair_firsts("m6.recipients", "j")
    select = (
        "SELECT c.id, c.who, c.action, c.due, c.due_has_time, c.conditional, c.vague, c.text, m.id, m.message_id,"
        " m.account, m.source_id, m.thread_id, m.sent_at, m.subject, s.state, s.target, s.target_is_default,"
        " s.counterpart_email, s.counterpart_name, s.company, g.id, g.start, g.snoozed_until, m.link"
        " FROM commitments c JOIN messages m ON m.id = c.message_id"
        " LEFT JOIN steps s ON s.commitment_id = c.id LEFT JOIN suggestions g ON g.commitment_id = c.id"
        f" WHERE m.sent_at <= ? AND NOT m.is_auto_reply"  # an auto-reply's "I will reply soon" is no promise
        f" AND (s.commitment_id IS NULL OR s.state IN ({','.join('?' * len(wanted))}))")
    args: list[Any] = [stamp, *wanted]
    select_more = ""
    if since is not None:
        then = utc_iso(since.now)
        fresh = ("SELECT rowid FROM messages WHERE rowid > ?"
                 " UNION SELECT rowid FROM messages WHERE sent_at > ? AND sent_at <= ?")
        select += " AND "
        select_more = (
            "c.id IN (SELECT id FROM commitments WHERE rowid > ?"
            " UNION SELECT c2.id FROM messages m2 JOIN commitments c2 ON c2.message_id = m2.id"
            "  WHERE m2.sent_at > ? AND m2.sent_at <= ?"
            " UNION SELECT commitment_id FROM steps WHERE state IN ('pending', 'held') AND target <= ?"
            " UNION SELECT commitment_id FROM steps WHERE state = 'due'"
            " UNION SELECT b.commitment_id FROM steps b WHERE b.state = 'broken' AND (b.target < ? OR NOT EXISTS"
            "  (SELECT 1 FROM steps o"
            "  WHERE o.thread_id = b.thread_id AND o.owner = 'me' AND (o.state IN"
            f"  ({','.join('?' * len(owed_v))}) OR (o.state IN ('pending', 'held') AND o.target <= ?))))"
            " UNION SELECT s3.commitment_id FROM steps s3 JOIN suggestions g3 ON g3.commitment_id = s3.commitment_id"
            "  WHERE s3.state = 'snoozed' AND (g3.snoozed_until IS NULL OR g3.snoozed_until <= ?)"
            " UNION SELECT s4.commitment_id FROM steps s4 WHERE s4.thread_id IN (SELECT thread_id FROM messages"
            f"  WHERE rowid IN ({fresh}))"
            " UNION SELECT s5.commitment_id FROM steps s5 WHERE s5.counterpart_email IN (SELECT sender_email FROM"
            f"  messages WHERE direction = 'received' AND rowid IN ({fresh}))"
            " UNION SELECT s6.commitment_id FROM steps s6 WHERE s6.counterpart_email IN (SELECT"
            f"  {note_email} FROM messages m6, {note_from} WHERE m6.direction = 'note'"
            f"  AND m6.rowid IN ({fresh}))"
            " UNION SELECT s7.commitment_id FROM steps s7 WHERE s7.counterpart_email = '' AND EXISTS (SELECT 1 FROM"
            f"  messages m7 WHERE m7.direction = 'note' AND m7.rowid IN ({fresh}))")
        fresh_args = [since.message_rowid, then, stamp]
        args += [since.commitment_rowid, then, stamp, stamp, utc_iso(history or now), *owed_v, stamp, stamp,
                 *fresh_args, *fresh_args,
                 *fresh_args, *fresh_args]
    base = select
    if since is not None:
        select += select_more + ")"
    db.execute("INSERT INTO track_cand(" + ", ".join(_COLUMNS) + ") " + select
               + " ORDER BY m.sent_at, c.rowid", args)  # oldest promise first: it gets the first free slot
    if since is not None:  # a chase held back by a promise of the rep's that this pass may resolve
        db.execute("INSERT INTO track_cand(" + ", ".join(_COLUMNS) + ") " + base
                   + " c.id IN (SELECT commitment_id FROM steps WHERE state = 'broken' AND thread_id IN"
                   " (SELECT thread_id FROM track_cand)) AND c.id NOT IN (SELECT cid FROM track_cand)"
                   " ORDER BY m.sent_at, c.rowid", args[:1 + len(wanted)])
    return int(db.execute("SELECT COUNT(*) FROM track_cand").fetchone()[0])


def staged_new_steps(store: Store) -> int:
    """How many staged rows have no step yet (a first pass over a big mailbox stages them all)."""
    return int(store.db.execute("SELECT COUNT(*) FROM track_cand WHERE state IS NULL").fetchone()[0])


def drop_stage(store: Store) -> None:
    store.db.execute("DROP TABLE IF EXISTS track_cand")


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


_STATE = {s.value: s for s in StepState}


def candidates(store: Store, first: int, last: int) -> list[Candidate]:
    """Staged rows `first`..`last` (1-based, inclusive)."""
    rows = store.tuples("SELECT " + ", ".join(_COLUMNS) + " FROM track_cand WHERE seq BETWEEN ? AND ?"
                        " ORDER BY seq", (first, last))
    return [Candidate(
        commitment_id=r[0], who=r[1], action=r[2], due=_dt(r[3]), due_has_time=bool(r[4]), conditional=bool(r[5]),
        vague=bool(r[6]), text=r[7], message_id=r[8], rfc_message_id=r[9], account=r[10], source_id=r[11],
        thread_id=r[12], sent_at=datetime.fromisoformat(r[13]), subject=r[14],
        state=_STATE[r[15]] if r[15] else None, target=_dt(r[16]), target_is_default=bool(r[17]),
        counterpart_email=r[18] or "", counterpart_name=r[19] or "", company=r[20] or "", suggestion_id=r[21],
        suggestion_start=_dt(r[22]), snoozed_until=_dt(r[23]), link=r[24] or "") for r in rows]


_MAIL = ("thread_id, id, direction, sender_email, sender_name, recipients, sent_at, body, is_auto_reply,"
         " auto_reply_until, subject")


def _mail(rows: Iterable[Sequence[Any]]) -> list[Mail]:
    return [Mail(thread_id=r[0], id=r[1], direction=r[2], sender_email=r[3].lower(), sender_name=r[4],
                 recipients=tuple((str(e).lower(), str(n)) for e, n in json.loads(r[5])),
                 sent_at=datetime.fromisoformat(r[6]), body=r[7], is_auto_reply=bool(r[8]),
                 auto_reply_until=_dt(r[9]), subject=r[10]) for r in rows]


def thread_mail(store: Store, first: int, last: int, now: datetime) -> list[Mail]:
    """The mail of the threads of staged rows `first`..`last`, sent by `now`, by thread then time."""
    return _mail(store.tuples(
        f"SELECT {_MAIL} FROM messages WHERE thread_id IN"
        " (SELECT thread_id FROM track_cand WHERE seq BETWEEN ? AND ?) AND sent_at <= ?"
        " ORDER BY thread_id, sent_at, id", (first, last, utc_iso(now))))


def contact_mail(store: Store, emails: Iterable[str], since: datetime, now: datetime) -> list[Mail]:
    """Contact with these people on any thread from `since` to `now`: the mail they sent, and every
    call note (notes are few; the caller matches a note to a person), by time."""
    wanted = sorted({e.lower() for e in emails if e})
    out: list[Any] = []
    args = (utc_iso(since), utc_iso(now))
    for i in range(0, len(wanted), 500):
        part = wanted[i:i + 500]
        out += store.tuples(
            f"SELECT {_MAIL} FROM messages WHERE direction = 'received' AND sender_email IN"
            f" ({','.join('?' * len(part))}) AND sent_at >= ? AND sent_at <= ?", (*part, *args))
    out += store.tuples(f"SELECT {_MAIL} FROM messages WHERE direction = 'note' AND sent_at >= ? AND sent_at <= ?",
                        args)
    return sorted(_mail(out), key=lambda m: (m.sent_at, m.id))


def correspondents(store: Store) -> list[tuple[str, str]]:
    """Distinct (email, name) of everyone who wrote to the rep (matches a note's "Kim at Contoso")."""
    return [(r[0], r[1]) for r in store.db.execute(
        "SELECT sender_email, MAX(sender_name) FROM messages WHERE direction = 'received' AND NOT is_auto_reply"
        " GROUP BY sender_email ORDER BY sender_email")]


def taken_starts(store: Store, states: Iterable[StepState], since: datetime) -> list[datetime]:
    """Starts of live follow-ups from `since` on (new untimed follow-ups keep off them)."""
    wanted = [s.value for s in states]
    return [datetime.fromisoformat(r[0]) for r in store.db.execute(
        "SELECT g.start FROM suggestions g JOIN steps s ON s.commitment_id = g.commitment_id"
        f" WHERE s.state IN ({','.join('?' * len(wanted))}) AND g.start >= ?", (*wanted, utc_iso(since)))]


def owing_threads(store: Store, owed: Iterable[StepState], now: datetime) -> list[tuple[str, str]]:
    """(thread, commitment id) of the rep's own promises past their target and not delivered."""
    wanted = [s.value for s in owed]
    return [(r[0], r[1]) for r in store.db.execute(
        "SELECT thread_id, commitment_id FROM steps WHERE owner = 'me' AND (state IN"
        f" ({','.join('?' * len(wanted))}) OR (state IN ('pending', 'held') AND target <= ?))",
        (*wanted, utc_iso(now)))]


def step_keys(store: Store, states: Iterable[StepState], parties: Iterable[str],
              message_ids: Iterable[str]) -> list[StepKey]:
    """The steps a new one may repeat: those in `states` with one of these counterparts (email or
    company) or from one of these messages."""
    wanted = [s.value for s in states]
    marks = ",".join("?" * len(wanted))
    select = (
        "SELECT s.commitment_id, c.message_id, s.owner, s.action, s.counterpart_email, s.company, s.target,"
        " c.due_has_time AND NOT s.target_is_default, s.thread_id, m.direction, c.text, s.target_is_default"
        " FROM steps s JOIN commitments c ON c.id = s.commitment_id JOIN messages m ON m.id = c.message_id"
        f" WHERE s.state IN ({marks}) AND ")
    rows: dict[str, Any] = {}
    for column, values in (("s.counterpart_email", sorted({p for p in parties if p})),
                           ("s.company", sorted({p for p in parties if p})),
                           ("c.message_id", sorted(set(message_ids)))):
        for i in range(0, len(values), 500):
            part = values[i:i + 500]
            for r in store.db.execute(select + f"{column} IN ({','.join('?' * len(part))})", (*wanted, *part)):
                rows[r[0]] = r
    return [StepKey(commitment_id=r[0], message_id=r[1], owner=r[2], action=r[3], email=r[4], company=r[5],
                    target=datetime.fromisoformat(r[6]), timed=bool(r[7]), thread_id=r[8], from_note=r[9] == "note",
                    text=r[10], default_target=bool(r[11])) for r in rows.values()]


# -- writes ---------------------------------------------------------------------------------------
def write_state_changes(store: Store, changes: Sequence[Change], at: datetime,
                        new: Sequence[NewStep] = ()) -> int:
    """The writes behind `states.apply` (checked there). `new` steps are inserted in the state their
    changes end in; every other change moves its step if it is still in `from_state`; each hop is
    recorded. Returns how many changes were made.

    Many changes at once (a tracker pass, inside its write transaction) go in bulk; if any step was
    not in the state its change expects, nothing is kept (the caller's transaction rolls back)."""
    stamp = utc_iso(at)
    db = store.db
    record = ("INSERT INTO step_transitions(commitment_id, from_state, to_state, at, note) VALUES (?,?,?,?,?)")
    move = "UPDATE steps SET state = ?, updated_at = ? WHERE commitment_id = ? AND state = ?"
    made = 0
    with store.transaction():
        if new:
            final = {c.commitment_id: c.to_state.value for c in changes}
            db.executemany(
                "INSERT INTO steps(commitment_id, owner, action, counterpart_email, counterpart_name, company,"
                " thread_id, target, target_is_default, state, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT DO NOTHING",
                [(n.commitment_id, n.owner, n.action, n.email, n.name, n.company, n.thread_id, utc_iso(n.target),
                  bool(n.target_is_default), final[n.commitment_id], stamp) for n in new])
        written = {n.commitment_id for n in new}
        if len(changes) > BULK_CHANGES:
            moves = [(c.to_state.value, stamp, c.commitment_id, c.from_state.value) for c in changes
                     if c.from_state is not None and c.commitment_id not in written]
            moved = db.executemany(move, moves).rowcount if moves else 0
            if moved != len(moves):
                from assistant.tracker.states import TransitionError

                raise TransitionError("steps changed while the tracker was moving them: run it again")
            db.executemany(record, [(c.commitment_id, c.from_state.value if c.from_state else None, c.to_state.value,
                                     stamp, c.note) for c in changes])
            return len(changes)
        for c in changes:
            if c.from_state is not None and c.commitment_id not in written:
                cur = db.execute(move, (c.to_state.value, stamp, c.commitment_id, c.from_state.value))
                if not cur.rowcount:
                    continue
            db.execute(record, (c.commitment_id, c.from_state.value if c.from_state else None, c.to_state.value,
                                stamp, c.note))
            made += 1
    return made


BULK_CHANGES = 32  # from this many changes at once, `write_state_changes` writes them in bulk


def insert_suggestions(store: Store, suggestions: Sequence[Suggestion], at: datetime) -> None:
    """New follow-ups (their state is their step's)."""
    if suggestions:
        stamp = utc_iso(at)
        store.db.executemany(
            'INSERT INTO suggestions(id, commitment_id, title, body, start, "end", reason, link,'
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [(s.id, s.commitment_id, s.title, s.body, utc_iso(s.start), utc_iso(s.end), s.reason, s.link, stamp, stamp)
             for s in suggestions])


def move_suggestions(store: Store, moves: Sequence[tuple[str, datetime, datetime, str]], at: datetime) -> None:
    """(suggestion id, start, end, reason) - an out-of-office moved them."""
    if moves:
        stamp = utc_iso(at)
        store.db.executemany('UPDATE suggestions SET start = ?, "end" = ?, reason = ?, updated_at = ? WHERE id = ?',
                             [(utc_iso(a), utc_iso(b), why, stamp, sid) for sid, a, b, why in moves])


TRACKER_TABLES = ("steps", "step_transitions", "suggestions")


@contextmanager
def bulk_load(store: Store) -> Iterator[None]:
    """A bulk load into the tracker's tables (inside a transaction): their secondary indexes are dropped
    and built again at the end - one sort instead of a random b-tree insert per row. Unique and
    primary-key indexes stay."""
    indexes = store.secondary_indexes(TRACKER_TABLES)
    with store.transaction():
        for name, _ in indexes:
            store.db.execute(f'DROP INDEX "{name}"')
        yield
        for _, sql in indexes:
            store.db.execute(sql)


# -- the backlog ----------------------------------------------------------------------------------
def backlog(store: Store) -> list[BacklogItem]:
    """Every promise on the backlog, by counterpart then target."""
    return [BacklogItem(commitment_id=r[0], owner=r[1], action=r[2], text=r[3], email=r[4], name=r[5], company=r[6],
                        target=datetime.fromisoformat(r[7]), subject=r[8], sent_at=datetime.fromisoformat(r[9]))
            for r in store.db.execute(
                "SELECT s.commitment_id, s.owner, s.action, c.text, s.counterpart_email, s.counterpart_name,"
                " s.company, s.target, m.subject, m.sent_at FROM steps s JOIN commitments c ON c.id = s.commitment_id"
                " JOIN messages m ON m.id = c.message_id WHERE s.state = 'backlog'"
                " ORDER BY s.company, s.counterpart_name, s.target, s.commitment_id")]


def event_starts(store: Store, states: Iterable[StepState], since: datetime) -> list[tuple[str, datetime]]:
    """(suggestion id, start) of the follow-ups with a live event on the calendar from `since` on."""
    wanted = [s.value for s in states]
    return [(r[0], datetime.fromisoformat(r[1])) for r in store.db.execute(
        "SELECT g.id, g.start FROM suggestions g JOIN steps s ON s.commitment_id = g.commitment_id"
        " JOIN bookings b ON b.suggestion_id = g.id"
        f" WHERE b.state = 'booked' AND s.state IN ({','.join('?' * len(wanted))}) AND g.start >= ?",
        (*wanted, utc_iso(since)))]



