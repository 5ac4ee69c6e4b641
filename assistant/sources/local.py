"""The local source: Maildir and mbox folders of sent and received mail, plus a folder of voicemail notes.
No account, no network: the embedded default and what the demo reads.

Config (an `[[accounts]]` table with `kind = "local"`; paths relative to the config file):

    mail = ["~/Mail/work"]     # Maildirs, mbox files, or folders holding them (searched 3 levels deep)
    notes = "~/Notes/calls"    # voicemail notes (optional)
    sent_folders = ["sent"]    # folder names (case-insensitive substrings) read as sent mail
    batch_size = 200

Direction: a message from one of the rep's addresses is "sent"; otherwise a message in a folder whose
name contains one of `sent_folders` is "sent"; everything else is "received"; notes are "note".

Voicemail notes: one `.txt` or `.md` file per call. The time of the call comes from, in order:
1. a front-matter line `date: 2026-11-12 14:05` - either in a YAML-style block between two `---` lines at
   the top of the file, or as plain `key: value` lines at the top followed by a blank line;
2. the file name: `2026-11-12T1405 Ed Park.md`, `2026-11-12 14.05 call.txt` or `2026-11-12 call.txt`
   (a date without a time means noon);
3. the file's modification time.
Times are wall time in the rep's zone unless they carry an offset (`2026-11-12 14:05 -05:00`). Other
keys: `with:` (or `contact:`) - who the call was with, `Name <email>`, several separated by `;`;
`subject:` (or `title:`); else the first Markdown heading or the file name is the subject. Everything
after the front matter is the note's text. A note is read once: later edits to the file are not re-read.

Incremental, without touching every file on every pass:
- Maildir: the cursor keeps, per `new/` and `cur/` folder, only the folder's modification time; the unique
  names (the part before `:2,flags`) already read are kept by the store, one row each, written in the
  transaction of the batch that read them (`Batch.read_names`, looked up through `ReadNames`), so a
  batch's writes grow with the batch and not with the mailbox. A folder whose mtime is unchanged is not
  even listed. A changed one is listed by name only (os.scandir, no per-file stat): a name read from
  either folder is not new, so a message moved new/ -> cur/ or renamed with flags by a mail client is not
  read again (names are never reused, so those of deleted messages are simply kept). An mtime within two
  seconds of the listing may hide a later change in the same timestamp tick, so such a folder is listed
  again next pass (git's "racily clean" rule). Messages are read in the order of their names (Maildir
  names start with the delivery time). A batch moves a folder's mtime only once all of its new messages
  are read, so a crash re-lists the folder and skips what was stored. A cursor from before the names
  moved to the store hands its names over with its next pass's first batch. Memory stays flat with the
  mailbox: a listing is looked up a thousand names at a time and keeps only the new file names; a
  message's item is built when its batch is read.
- mbox: the byte offset read so far, with a fingerprint of the file's start (a rewritten mbox is read
  again).
- notes: the newest change time (ctime) already read; files changed within two seconds of it are offered
  again and the watcher skips those already stored."""

from __future__ import annotations

import hashlib
import heapq
import io
import itertools
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses
from pathlib import Path
from typing import Any, BinaryIO, cast
from zoneinfo import ZoneInfo

from assistant.config import AccountConfig, Config
from assistant.errors import ConfigError
from assistant.mailparse import SLIM_THRESHOLD, slim
from assistant.models import Direction, RawMessage
from assistant.sources.base import Batch, NothingRead, ReadNames
from assistant.sources.links import file_url

WINDOW_NS = 2_000_000_000  # files changed this close to the cursor are offered again (the watcher dedups)
NOTE_SUFFIXES = (".txt", ".md", ".markdown")
MAILDIR_SUBDIRS = ("new", "cur")
_MAX_DEPTH = 3


@dataclass(frozen=True, slots=True)
class _Item:
    """One thing to read: a Maildir file, an mbox message (byte range), or a note. Small (a first sync
    holds one per new message): the path is its folder (shared) and its name."""

    kind: str  # "maildir" | "mbox" | "note"
    key: str  # cursor key of its folder / file
    sid: str  # source id ("" for mbox messages: named by their content once read; Maildir: built from unique)
    parent: Path
    name: str
    stamp: int  # ctime_ns for files; end offset for mbox messages
    folder: str
    start: int = 0
    end: int = 0
    sub: str = ""  # Maildir: "new" or "cur"
    unique: str = ""  # Maildir: the unique part of the file name

    @property
    def path(self) -> Path:
        return self.parent / self.name

    @property
    def source_id(self) -> str:
        return f"maildir:{self.key}/{self.unique}" if self.kind == "maildir" else self.sid


@dataclass
class _MaildirListing:
    """What one pass found in a Maildir, and the cursor state it leads to as its messages are read.
    The new messages are kept as bare file names (a first sync holds one per message) and become items
    only as they are read."""

    key: str
    path: Path
    fresh: dict[str, list[str]] = field(default_factory=dict)  # per subfolder: new file names, newest first
    old_mtime: dict[str, int] = field(default_factory=dict)
    new_mtime: dict[str, int] = field(default_factory=dict)
    handed_over: list[str] = field(default_factory=list)  # names an older cursor knew, for the store

    def state(self, pending: dict[tuple[str, str], int]) -> dict[str, Any]:
        """The cursor for this Maildir: a subfolder's new mtime only once none of its messages is pending."""
        return {sub: {"mtime": self.old_mtime[sub] if pending.get((self.key, sub)) else self.new_mtime[sub]}
                for sub in MAILDIR_SUBDIRS}

    def items(self, sub: str) -> Iterator[_Item]:
        """The new messages of one subfolder, oldest first, each let go of once handed out."""
        names = self.fresh.get(sub, [])
        d, folder = self.path / sub, _folder_name(self.path)
        while names:
            name = names.pop()
            unique = _unique(name)
            yield _Item("maildir", self.key, "", d, name, _name_time(unique), folder, sub=sub, unique=unique)


def _in_time(item: _Item) -> tuple[int, str, int, str]:
    """The order Maildir messages and notes are read in: by time, then folder and name."""
    return (item.stamp, item.key, item.start, item.name)


def _unique(name: str) -> str:
    """The unique part of a Maildir file name (flags after ':2,' - or '!' / ';' on some file systems)."""
    if ":" not in name and "!" not in name and ";" not in name:
        return name
    return name.split(":")[0].split("!")[0].split(";")[0]


def _name_time(unique: str) -> int:
    """The delivery time a Maildir name starts with (seconds), in ns; 0 when it has none."""
    head = unique.split(".", 1)[0]
    return int(head) * 1_000_000_000 if head.isdigit() and len(head) < 12 else 0


def _unread_files(names: list[str], key: str, read: ReadNames, known: set[str]) -> list[str]:
    """Those of a Maildir subfolder's file `names` whose unique name is neither in `known` nor read before
    (one file per unique name). The names are put in the order of their unique names, which the store
    walks beside its own (`ReadNames.unread`), and the answer is walked beside them in turn."""
    names.sort(key=_unique)
    uniques = [u for u in map(_unique, names) if u not in known] if known else list(map(_unique, names))
    unread = iter(read.unread(key, uniques))
    del uniques
    out: list[str] = []
    want, last = next(unread, None), None
    for name in names:
        if want is None:
            break
        u = _unique(name)
        while want is not None and want < u:  # (not expected: the answer is a part of what was asked)
            want = next(unread, None)
        if u == want:
            if u != last:
                out.append(name)
                last = u
            while want == u:
                want = next(unread, None)
    return out


def _split_by_ctime(d: Path, fresh: list[str], since: int) -> tuple[list[str], set[str]]:
    """(file names still new, unique names already read) by the ctime a cursor from before names were kept
    recorded."""
    new, done = [], set()
    for name in fresh:
        try:
            ctime = os.stat(d / name).st_ctime_ns
        except FileNotFoundError:
            continue
        if ctime > since - WINDOW_NS:
            new.append(name)
        else:
            done.add(_unique(name))
    return new, done


def _as_list(value: Any, key: str, account: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"account {account!r}: {key} must be a path or a list of paths, like {key} = [\"~/Mail\"]")


def _is_maildir(p: Path) -> bool:
    return (p / "cur").is_dir() or (p / "new").is_dir()


def _is_mbox(p: Path) -> bool:
    if not p.is_file():
        return False
    try:
        with p.open("rb") as f:
            return f.read(5) == b"From "
    except OSError:
        return False


def _folder_name(p: Path) -> str:
    return p.name.lstrip(".") or p.name


class LocalSource:
    kind = "local"

    def __init__(self, account: AccountConfig, config: Config) -> None:
        self.account = account.name
        opts = account.options
        self.config = config
        self.zone = ZoneInfo(config.rep.timezone)
        self.mail_roots = [config.resolve_path(p) for p in _as_list(opts.get("mail"), "mail", account.name)]
        self.note_roots = [config.resolve_path(p) for p in _as_list(opts.get("notes"), "notes", account.name)]
        self.sent_names = [s.lower() for s in _as_list(opts.get("sent_folders", ["sent"]), "sent_folders",
                                                       account.name)]
        try:
            self.batch_size = max(1, int(opts.get("batch_size", 200)))
        except (TypeError, ValueError):
            raise ConfigError(f"account {account.name!r}: batch_size must be a whole number") from None
        if not self.mail_roots and not self.note_roots:
            raise ConfigError(
                f"account {account.name!r} (local) reads nothing: add mail = [\"path/to/Maildir\"] and/or "
                "notes = \"path/to/notes\""
            )
        for root in (*self.mail_roots, *self.note_roots):
            if not root.exists():
                raise ConfigError(f"account {account.name!r}: {root} does not exist: fix the path in the config")
        self._last_seen: dict[str, int] = {}

    # -- discovery ------------------------------------------------------------------------------
    def _mailboxes(self) -> list[tuple[str, Path, str]]:
        """(kind, path, cursor key) of every Maildir and mbox under the configured roots."""
        found: list[tuple[str, Path, str]] = []

        def visit(p: Path, root: Path, depth: int) -> None:
            rel = p.relative_to(root.parent).as_posix()
            if _is_maildir(p):
                found.append(("maildir", p, rel))
            elif _is_mbox(p):
                found.append(("mbox", p, rel))
                return
            if p.is_dir() and depth < _MAX_DEPTH:
                for child in sorted(p.iterdir()):
                    if child.name in ("cur", "new", "tmp") and _is_maildir(p):
                        continue
                    if child.is_dir() or child.is_file():
                        visit(child, root, depth + 1)

        for root in self.mail_roots:
            visit(root, root, 0)
        return found

    def _direction(self, folder: str) -> Direction:
        name = folder.lower()
        return "sent" if any(s in name for s in self.sent_names) else "received"

    # -- listing --------------------------------------------------------------------------------
    def _maildir_listing(self, path: Path, key: str, state: dict[str, Any], legacy_since: int | None,
                         read: ReadNames) -> _MaildirListing:
        """The new messages of one Maildir: its changed subfolders listed by name, minus the names read."""
        old = {sub: state.get(sub, {}) for sub in MAILDIR_SUBDIRS}
        listing = _MaildirListing(key, path)
        # a cursor from before the store kept the names: they go to the store with the next batch
        listing.handed_over = sorted({n for sub in MAILDIR_SUBDIRS for n in old[sub].get("names", ())})
        handed = set(listing.handed_over)
        offered: set[str] = set()  # (a message moved new/ -> cur/ between the two listings is read once)
        for sub in MAILDIR_SUBDIRS:
            d = path / sub
            before = old[sub]
            listing.old_mtime[sub] = int(before.get("mtime", -1))
            listing.new_mtime[sub] = listing.old_mtime[sub]
            try:
                mtime = os.stat(d).st_mtime_ns  # before listing: a file added meanwhile forces a re-list
            except FileNotFoundError:
                listing.new_mtime[sub] = -1
                continue
            if mtime == listing.old_mtime[sub]:
                continue  # unchanged since the last complete listing: nothing arrived, nothing left
            started = time.time_ns()
            known = handed | offered if offered else handed
            try:
                names = [e.name for e in os.scandir(d) if not e.name.startswith(".")]
            except FileNotFoundError:
                continue
            fresh = _unread_files(names, key, read, known)  # (file names only: no item per message yet)
            del names
            listing.new_mtime[sub] = mtime if started - mtime >= WINDOW_NS else -1  # racy: list again
            if legacy_since is not None and fresh:  # a cursor from before names were kept: trust its ctime
                fresh, done = _split_by_ctime(d, fresh, legacy_since)
                listing.handed_over.extend(sorted(done))
            if sub == "new":
                offered.update(_unique(n) for n in fresh)
            fresh.sort()
            fresh.sort(key=lambda n: _name_time(_unique(n)))  # by delivery time, then name
            fresh.reverse()  # (handed out from the end)
            listing.fresh[sub] = fresh
        return listing

    def _mbox_items(self, path: Path, key: str, state: dict[str, Any]) -> tuple[list[_Item], dict[str, Any]]:
        """Messages of an mbox after the offset already read (all of them when the file was rewritten)."""
        size = path.stat().st_size
        with path.open("rb") as f:
            offset = int(state.get("offset", 0))
            if offset:  # the start of the file as last read must be unchanged, else it was rewritten
                same = hashlib.sha1(f.read(int(state.get("head_len", 0)))).hexdigest() == state.get("head")
                if not same or offset > size:
                    offset = 0
            f.seek(offset)
            starts: list[int] = []
            pos = offset
            prev_blank = True
            while True:
                line = f.readline(65536)
                if not line:
                    break
                if line.startswith(b"From ") and (prev_blank or pos == 0):
                    starts.append(pos)
                prev_blank = line in (b"\n", b"\r\n")
                pos += len(line)
            end_of_file = pos
            head_len = min(4096, end_of_file)
            f.seek(0)
            head = hashlib.sha1(f.read(head_len)).hexdigest()
        items = []
        bounds = [*starts, end_of_file]
        for i, start in enumerate(starts):
            end = bounds[i + 1]
            items.append(_Item("mbox", key, "", path.parent, path.name, end, _folder_name(path), start, end))
        return items, {"offset": end_of_file, "head": head, "head_len": head_len}

    def _note_items(self, root: Path, since: int) -> list[_Item]:
        items = []
        key = f"notes:{root.name}"
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if name.startswith(".") or not name.lower().endswith(NOTE_SUFFIXES):
                    continue
                p = Path(dirpath) / name
                try:
                    stamp = p.stat().st_ctime_ns
                except FileNotFoundError:
                    continue
                if stamp > since - WINDOW_NS:
                    rel = p.relative_to(root).as_posix()
                    items.append(_Item("note", key, f"note:{root.name}/{rel}", p.parent, p.name, stamp, "notes"))
        return items

    # -- reading --------------------------------------------------------------------------------
    def _read_file(self, path: Path) -> bytes:
        with path.open("rb") as f:
            if os.fstat(f.fileno()).st_size > SLIM_THRESHOLD:
                return slim(f)[0]
            return f.read()

    def _read_mbox(self, item: _Item) -> bytes:
        with item.path.open("rb") as f:
            f.seek(item.start)
            first = f.readline()  # the "From " separator line is not part of the message
            length = item.end - item.start - len(first)
            if length > SLIM_THRESHOLD:
                data = slim(cast(BinaryIO, _Bounded(f, length)))[0]  # (slim reads lines only)
            else:
                data = f.read(length)
        # mboxrd/mboxo: ">From " at a line start was escaped on write
        return re.sub(rb"(?m)^>(>*From )", rb"\1", data)

    def _raw(self, item: _Item) -> RawMessage | str:
        """The item's message, or one line saying why it cannot be read (no permission, vanished)."""
        try:
            if item.kind == "note":
                return RawMessage(self.account, item.source_id, self.note_message(item.path), folder="notes",
                                  direction_hint="note", link=file_url(str(item.path.absolute())))
            mtime = datetime.fromtimestamp(item.path.stat().st_mtime, UTC)
            if item.kind == "mbox":
                data = self._read_mbox(item)
                sid = f"mbox:{item.key}#{hashlib.sha1(data).hexdigest()[:20]}"
            else:
                data = self._read_file(item.path)
                sid = item.source_id
        except FileNotFoundError:
            if item.kind == "maildir":  # moved new/ -> cur/ (or flags changed) between listing and reading
                uniq = item.path.name.split(":")[0]
                for sub in ("cur", "new"):
                    for cand in (item.path.parent.parent / sub).glob(f"{glob_escape(uniq)}*"):
                        if cand != item.path:
                            return self._raw(replace(item, parent=cand.parent, name=cand.name))
            return f"cannot read {item.path}: it vanished while being read"
        except OSError as e:
            return f"cannot read {item.path}: {e.strerror or e}: check its permissions"
        return RawMessage(self.account, sid, data, folder=item.folder, direction_hint=self._direction(item.folder),
                          received_at=mtime)

    # -- notes ----------------------------------------------------------------------------------
    def note_message(self, path: Path) -> bytes:
        """A voicemail note as an RFC 822 message (From: the rep, To: the contact), so it is parsed,
        stored and retried like any mail."""
        text = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n").lstrip("\ufeff")
        meta, body = split_front_matter(text)
        when = self._note_time(meta.get("date") or meta.get("time") or "", path)
        contacts = getaddresses([meta.get("with") or meta.get("contact") or meta.get("to") or ""])
        subject = meta.get("subject") or meta.get("title") or ""
        if not subject:
            heading = re.search(r"(?m)^#\s+(.+)$", body)
            subject = heading.group(1).strip() if heading else _NAME_DATE.sub("", path.stem).strip(" -_") or path.stem
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = formataddr((self.config.rep.name, self.config.rep.email or "rep@localhost"))
        to = [formataddr((n, e)) for n, e in contacts if "@" in e]
        if to:
            msg["To"] = ", ".join(to)
        names = [n or e for n, e in contacts if (n or e) and "@" not in e]
        if names:
            msg["X-Note-With"] = "; ".join(names)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when)
        msg["X-Follow-Through-Note"] = path.name
        msg.set_content(body.strip() + "\n")
        return msg.as_bytes()

    def _note_time(self, value: str, path: Path) -> datetime:
        if value:
            moment = parse_local_time(value, self.zone)
            if moment:
                return moment
        m = _NAME_DATE.match(path.name)
        if m:
            y, mo, d, hh, mm = m.group("y", "mo", "d", "h", "mi")
            try:
                return datetime(int(y), int(mo), int(d), int(hh) if hh else 12, int(mm) if mm else 0,
                                tzinfo=self.zone)
            except ValueError:
                pass
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)

    # -- the protocol ---------------------------------------------------------------------------
    def fetch(self, cursor: dict[str, Any], read: ReadNames | None = None) -> Iterator[Batch]:
        read = read if read is not None else NothingRead()
        stamps: dict[str, int] = dict(cursor.get("stamps", {}))
        maildirs: dict[str, dict[str, Any]] = dict(cursor.get("maildir", {}))
        mboxes: dict[str, dict[str, Any]] = {k: dict(v) for k, v in cursor.get("mbox", {}).items()}
        mbox_items: list[_Item] = []
        notes: list[_Item] = []
        listings: dict[str, _MaildirListing] = {}
        mbox_final: dict[str, dict[str, Any]] = {}
        for kind, path, key in self._mailboxes():
            if kind == "maildir":
                legacy = stamps.get(key) if key not in maildirs else None
                listings[key] = self._maildir_listing(path, key, maildirs.get(key, {}), legacy, read)
            else:
                found, final = self._mbox_items(path, key, mboxes.get(key, {}))
                mbox_items.extend(found)
                mbox_final[key] = final
        for root in self.note_roots:
            notes.extend(self._note_items(root, stamps.get(f"notes:{root.name}", 0)))
        for key in listings:
            stamps.pop(key, None)  # (pre-names cursors kept a ctime per Maildir)
        pending: dict[tuple[str, str], int] = {(key, sub): len(names) for key, listing in listings.items()
                                               for sub, names in listing.fresh.items() if names}
        total = sum(pending.values()) + len(notes) + len(mbox_items)
        # oldest first (Maildir names and notes by time), merged as they are read; then mbox messages in
        # their order in the file
        notes.sort(key=_in_time)
        mbox_items.sort(key=lambda it: (it.key, it.start))
        items = itertools.chain(
            heapq.merge(iter(notes), *(listing.items(sub) for listing in listings.values()
                                       for sub in MAILDIR_SUBDIRS), key=_in_time),
            mbox_items)

        def snapshot() -> dict[str, Any]:
            return {"stamps": dict(stamps), "mbox": {k: dict(v) for k, v in mboxes.items()},
                    "maildir": {**maildirs, **{k: v.state(pending) for k, v in listings.items()}}}

        # names an older cursor held go to the store with the first batch (its cursor no longer has them)
        handed_over = [(k, n) for k, listing in listings.items() for n in listing.handed_over]
        for listing in listings.values():
            listing.handed_over = []
        if not total:
            final = snapshot()
            final["mbox"].update(mbox_final)
            if final != cursor or handed_over:  # (folders listed again, a rewritten mbox's fingerprint)
                yield Batch((), final, total=0, read_names=tuple(handed_over))
            return
        while chunk := list(itertools.islice(items, self.batch_size)):
            raws: list[RawMessage] = []
            unreadable: list[tuple[str, str]] = []
            read_now: list[tuple[str, str]] = handed_over
            handed_over = []
            for it in chunk:
                got = self._raw(it)
                if isinstance(got, str):  # not marked read: its folder is listed and the entry offered again
                    unreadable.append((it.source_id or f"mbox:{it.key}@{it.start}", got))
                    continue
                raws.append(got)
                if it.kind == "mbox":
                    mboxes[it.key] = {**mbox_final[it.key], "offset": it.end}
                elif it.kind == "maildir":
                    read_now.append((it.key, it.unique))
                    pending[(it.key, it.sub)] -= 1
                else:
                    stamps[it.key] = max(stamps.get(it.key, 0), it.stamp)
            yield Batch(tuple(raws), snapshot(), total=total, unreadable=tuple(unreadable),
                        read_names=tuple(read_now))

    def _fingerprint(self) -> dict[str, int]:
        marks: dict[str, int] = {}
        for kind, path, _key in self._mailboxes():
            for p in ((path / "new", path / "cur") if kind == "maildir" else (path,)):
                try:
                    st = p.stat()
                    marks[str(p)] = st.st_mtime_ns + st.st_size
                except FileNotFoundError:
                    pass
        for root in self.note_roots:
            for dirpath, _dirs, _files in os.walk(root):
                try:
                    marks[dirpath] = os.stat(dirpath).st_mtime_ns
                except FileNotFoundError:
                    pass
        return marks

    def wait(self, timeout: float) -> bool:
        """Poll the folders' modification times once a second until something changes or `timeout`."""
        if not self._last_seen:
            self._last_seen = self._fingerprint()
        deadline = time.monotonic() + timeout
        while True:
            marks = self._fingerprint()
            if marks != self._last_seen:
                self._last_seen = marks
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(1.0, left))

    def close(self) -> None:
        pass


class _Bounded(io.RawIOBase):
    """A read-only view of the next `length` bytes of a file (one mbox message)."""

    def __init__(self, f: Any, length: int) -> None:
        self.f = f
        self.left = length

    def readable(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> bytes:
        if self.left <= 0:
            return b""
        limit = self.left if size is None or size < 0 else min(size, self.left)
        line: bytes = self.f.readline(limit)
        self.left -= len(line)
        return line


_NAME_DATE = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?:[T _](?P<h>\d{2})[:.h]?(?P<mi>\d{2}))?"
)
_FRONT_KEY = re.compile(r"^([A-Za-z][\w-]{0,30})\s*:\s*(.*)$")


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """`---` YAML-style block or leading `key: value` lines (ended by a blank line) -> (keys, rest)."""
    lines = text.split("\n")
    meta: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        for i, line in enumerate(lines[1:], start=1):
            if line.strip() in ("---", "..."):
                return meta, "\n".join(lines[i + 1:])
            m = _FRONT_KEY.match(line.strip())
            if m:
                meta[m.group(1).lower()] = m.group(2).strip().strip("\"'")
        return {}, text  # no closing line: not front matter
    known = {"date", "time", "with", "contact", "to", "subject", "title", "phone", "from"}
    for i, line in enumerate(lines):
        if not line.strip():
            return (meta, "\n".join(lines[i + 1:])) if meta else ({}, text)
        m = _FRONT_KEY.match(line.strip())
        if not m or m.group(1).lower() not in known:
            return ({}, text) if not meta else (meta, "\n".join(lines[i:]))
        meta[m.group(1).lower()] = m.group(2).strip().strip("\"'")
    return meta, ""


def parse_local_time(value: str, zone: ZoneInfo) -> datetime | None:
    """`2026-11-12 14:05`, `2026-11-12T14:05-05:00`, `Nov 12 2026 2:05pm`: wall time in `zone` unless
    an offset is given."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        value += "T12:00"  # a day without a time: noon
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T", 1) if re.match(r"\d{4}-\d\d-\d\d \d", value)
                                        else value)
    except ValueError:
        from dateutil import parser as dateparser

        try:
            moment = dateparser.parse(value)
        except (ValueError, OverflowError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment
