"""The watcher: read every configured account incrementally, parse, strip quotes, extract commitments and
store them - each batch with its cursor in ONE transaction, so a crash repeats nothing and loses nothing.

- `sync_account` runs one account's pass. Messages already stored are skipped (by source id and by
  content id), so re-offered messages after a crash are stored exactly once. A message that cannot be
  parsed is recorded with its raw bytes in `failed_messages` and retried at the start of later passes.
- TransientError (network faults, 5xx, 429) is retried with exponential backoff (tenacity), honouring a
  server's Retry-After; the fetch restarts from the last committed cursor, so nothing is lost.
- AuthError stops that account only (its message names `assistant login ...`); the others go on. The
  account resumes by itself once that sign-in is fixed: each pass compares the account's entry in the
  token store with the one it stopped on, and a new one (`assistant login` wrote it) clears the stop.
  A token endpoint that fails for now (5xx, server_error) is a TransientError, retried, never a stop.
- A stop request (Ctrl-C, SIGTERM) is honoured between messages: what was processed is committed
  (without moving the cursor past unprocessed messages) and the pass ends.
- A large sync (a first sync: `PARALLEL_MIN` messages or more) runs the extractor in one worker process
  (multiprocessing, spawn context): the watcher reads, parses and strips batch k+1 and stores batch k while
  the worker extracts, so two cores are used. Batches are still stored in order, each with its cursor
  in one transaction; a worker that dies or fails hands its batch back to in-process extraction, and
  the worker exits when the watcher dies (it watches its parent's sentinel).
- `watch` runs passes forever (or once) and calls `assistant.pipeline.after_sync` after each."""

from __future__ import annotations

import importlib
import json
import logging
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_ready
from typing import Any, cast

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from assistant.clock import Clock
from assistant.config import AccountConfig, Config
from assistant.errors import (
    AssistantError,
    AuthError,
    ConfigError,
    MailParseError,
    SourceError,
    StoreError,
    TransientError,
    worth_retrying,
)
from assistant.mailparse import parse
from assistant.models import Commitment, Message, RawMessage, Who, content_id
from assistant.sources.base import Batch, MailSource
from assistant.sources.links import message_link
from assistant.store import Store, safe_url, store_for
from assistant.tracker.counterparts import organisation_of

log = logging.getLogger("assistant.watcher")

ADAPTERS = {
    "imap": "assistant.sources.imap:ImapSource",
    "gmail": "assistant.sources.gmail:GmailSource",
    "outlook": "assistant.sources.outlook:OutlookSource",
    "local": "assistant.sources.local:LocalSource",
}


def open_source(account: AccountConfig, config: Config) -> MailSource:
    """The adapter for an account's kind, imported by name (network adapters load only when used)."""
    target = ADAPTERS.get(account.kind)
    if target is None:
        raise ConfigError(f"account {account.name!r}: kind = {account.kind!r}; use one of {', '.join(ADAPTERS)}")
    module_name, cls_name = target.split(":")
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"account {account.name!r}: the {account.kind} adapter is not available ({e})") from None
    source: MailSource = cls(account, config)
    return source


# -- stopping ---------------------------------------------------------------------------------------


class StopFlag:
    """Set by a signal handler; checked between messages."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def set(self) -> None:
        self.event.set()

    def __bool__(self) -> bool:
        return self.event.is_set()

    def sleep(self, seconds: float) -> bool:
        """Sleep unless stopped; True when stopped."""
        return self.event.wait(seconds)


# -- extraction (nlp.extract by its own helper; loaded lazily) --------------------------------------

Extractor = Callable[[Sequence[Message]], list[list[Commitment]]]


def _strip(text: str) -> str:
    try:
        from nlp.quotes import strip_quotes
    except ImportError:  # pragma: no cover - nlp.quotes ships with the package
        return text
    try:
        return strip_quotes(text)
    except Exception:  # a stripping bug must not lose the message
        log.warning("quote stripping failed; keeping the whole text", exc_info=True)
        return text


def nlp_extractor(messages: Sequence[Message]) -> list[list[Commitment]]:
    """Commitments of each message with nlp.extract.pipe (one batch call, so spaCy runs batched)."""
    try:
        from nlp.extract import MessageInput, pipe
    except ImportError:
        if not getattr(nlp_extractor, "_warned", False):
            log.warning("nlp.extract is not available: messages are stored without commitments")
            nlp_extractor._warned = True  # type: ignore[attr-defined]
        return [[] for _ in messages]
    inputs = [MessageInput(text=m.body, sent_at=m.sent_at, timezone=m.timezone, direction=m.direction)
              for m in messages]
    out: list[list[Commitment]] = []
    for m, found in zip(messages, pipe(inputs), strict=True):
        out.append([
            Commitment(
                id=content_id(m.id, c.who, c.action, c.text, c.start, prefix="c"), message_id=m.id,
                who=cast(Who, c.who),  # (nlp.extract says "me" or "them"; its model types it as str)
                action=c.action, due=c.due, due_has_time=c.due_has_time, conditional=c.conditional, vague=c.vague,
                text=c.text,
            )
            for c in found
        ])
    return out


# -- extraction in a worker process ----------------------------------------------------------------

PARALLEL_MIN = 1000  # a sync this large pays for the worker's start-up (a second or two) many times over


def _worker_main(conn: Connection, extractor: Extractor) -> None:
    """The worker: extract each batch it is sent until told to stop, or until the watcher is gone."""
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C / a service stop reach the whole group: the
        signal.signal(signum, signal.SIG_IGN)  # watcher stops between messages, then tells this worker to end
    parent = multiprocessing.parent_process()
    watched: list[Any] = [conn] + ([parent.sentinel] if parent is not None else [])
    while True:
        if conn not in wait_ready(watched):
            return  # the watcher died (SIGKILL): do not linger
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        job_id, messages = job
        try:
            answer: tuple[int, bool, Any] = (job_id, True, extractor(messages))
        except Exception as e:  # the watcher extracts this batch in-process; a bug here loses nothing
            answer = (job_id, False, f"{type(e).__name__}: {e}")
        if parent is not None and not parent.is_alive():
            return  # the watcher died while this batch was extracted: nobody to answer
        try:
            conn.send(answer)
        except (OSError, EOFError, ValueError):  # (BrokenPipeError: the watcher died just now) end quietly
            return


class _Job:
    """Commitments for one batch of messages: computed in the worker, or in-process on demand."""

    def __init__(self, runner: ExtractRunner, job_id: int, messages: list[Message], sent: bool) -> None:
        self.runner, self.id, self.messages, self.sent = runner, job_id, messages, sent

    def result(self) -> list[list[Commitment]]:
        if not self.messages:
            return []
        if self.sent:
            found = self.runner.receive(self.id)
            if found is not None:
                return found
        return self.runner.extractor(self.messages)


class ExtractRunner:
    """Runs the extractor in-process, or in one worker process when `parallel` (see the module doc)."""

    def __init__(self, extractor: Extractor, parallel: bool) -> None:
        self.extractor = extractor
        self.next_id = 0
        self.conn: Connection | None = None
        self.process: multiprocessing.process.BaseProcess | None = None
        if parallel:
            ctx = multiprocessing.get_context("spawn")
            here, there = ctx.Pipe()
            self.process = ctx.Process(target=_worker_main, args=(there, extractor), daemon=True,
                                       name="assistant-extract")
            self.process.start()
            there.close()
            self.conn = here

    def submit(self, messages: list[Message]) -> _Job:
        self.next_id += 1
        sent = False
        if self.conn is not None and messages:
            try:
                self.conn.send((self.next_id, messages))
                sent = True
            except (OSError, ValueError) as e:
                self._broken(f"the extraction worker cannot be reached ({e})")
        return _Job(self, self.next_id, messages, sent)

    def receive(self, job_id: int) -> list[list[Commitment]] | None:
        """The worker's answer for `job_id`, or None when it failed (the caller extracts in-process)."""
        while self.conn is not None and self.process is not None:
            ready = wait_ready([self.conn, self.process.sentinel])
            try:
                if self.conn not in ready:
                    raise EOFError
                got_id, ok, payload = self.conn.recv()
            except (EOFError, OSError):
                self.process.join(timeout=5)
                self._broken(f"the extraction worker stopped (exit code {self.process.exitcode})")
                return None
            if got_id != job_id:
                continue  # the answer to a batch abandoned by an earlier, interrupted fetch
            if ok:
                found: list[list[Commitment]] = payload
                return found
            log.warning("extraction worker: %s; extracting this batch in-process", payload)
            return None
        return None

    def _broken(self, why: str) -> None:
        log.warning("%s; extracting in-process from now on", why)
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
            self.conn.close()
            self.conn = None
        if self.process is not None:
            self.process.join(timeout=10)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
            self.process = None


def _wants_worker(parallel: bool | None, total: int | None, extractor: Extractor) -> bool:
    if parallel is False:
        return False
    if parallel is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if cores < 2 or total is None or total < PARALLEL_MIN:
            return False
    try:  # the worker imports the extractor by name: a lambda or local function stays in-process
        pickle.dumps(extractor)
    except Exception:
        if parallel:
            log.warning("the extractor cannot be sent to a worker process; extracting in-process")
        return False
    return True


# -- one account ------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    account: str
    fetched: int = 0  # offered by the source
    stored: int = 0  # new messages stored
    duplicates: int = 0  # already stored (re-offered after a crash, or the same mail in two places)
    failed: int = 0  # could not be parsed (kept for retry)
    retried: int = 0  # earlier failures that parsed this time
    commitments: int = 0
    stopped: bool = False
    error: str = ""


Progress = Callable[[int, int | None], None]  # (messages done in this step, total expected or None)
BookingProgress = Callable[[int, int], None]  # (events handled so far, events in this booking pass)


def _process(store: Store, config: Config, raws: Iterable[RawMessage], now: datetime, extractor: Extractor,
             result: SyncResult, stop: StopFlag | None) -> tuple[list[tuple[Message, list[Commitment]]],
                                                                  list[tuple[RawMessage, str]], bool]:
    """Parse, strip and extract (no writes). Returns (parsed, failures, stopped early)."""
    parsed, failures, stopped = _parse_all(config, raws, now, stop)
    return _with_commitments(parsed, ExtractRunner(extractor, False).submit(_extractable(parsed))), failures, stopped


def _extractable(parsed: list[Message]) -> list[Message]:
    return [m for m in parsed if not m.is_auto_reply and m.body.strip()]


def _with_commitments(parsed: list[Message], job: _Job | _Done) -> list[tuple[Message, list[Commitment]]]:
    """Each parsed message with its own commitments, matched by the message object and not by its id:
    two entries of one batch may share an id (the same mail in two folders) and must not swap results."""
    found: dict[int, list[Commitment]] = {}
    for m, cs in zip(job.messages, job.result(), strict=True):
        found[id(m)] = cs
    # nlp saw the whole body (it owns what is quoted, forwarded or signature, and reads the signature to tell
    # whose side a named company is on); the store keeps only the author's own text, as nlp.quotes decides it.
    return [(replace(m, body=_strip(m.body)), found.get(id(m), [])) for m in parsed]


def _parse_all(config: Config, raws: Iterable[RawMessage], now: datetime,
               stop: StopFlag | None) -> tuple[list[Message], list[tuple[RawMessage, str]], bool]:
    """Parse (no writes). Returns (parsed, failures, stopped early); the body is whole until extracted."""
    parsed: list[Message] = []
    failures: list[tuple[RawMessage, str]] = []
    stopped = False
    kinds = {a.name: a.kind for a in config.accounts}
    mine = config.rep.addresses
    for raw in raws:
        if stop:
            stopped = True
            break
        try:
            msg = parse(raw, config.rep, now=now)
            msg = replace(msg, link=message_link(kinds.get(raw.account, ""), raw, msg.message_id),
                          org=organisation_of(msg, mine))
        except MailParseError as e:
            failures.append((raw, str(e)))
            continue
        except Exception as e:  # a parser bug: keep the message for a later retry, go on
            failures.append((raw, f"{raw.source_id}: unexpected {type(e).__name__}: {e}"))
            log.debug("parse crashed on %s", raw.source_id, exc_info=True)
            continue
        parsed.append(msg)  # stripped after extraction (_with_commitments)
    return parsed, failures, stopped


def _write(store: Store, parsed: list[tuple[Message, list[Commitment]]], failures: list[tuple[RawMessage, str]],
           now: datetime, result: SyncResult) -> None:
    """Store messages with their commitments and record failures (inside the caller's transaction)."""
    failed_before = store.failed_source_ids(parsed[0][0].account) if parsed else set()
    added = store.add_messages(parsed)
    result.stored += len(added.stored)
    result.duplicates += added.duplicates
    result.commitments += added.commitments
    for msg in added.stored:
        if msg.source_id in failed_before:
            store.clear_failure(msg.account, msg.source_id)
    for raw, error in failures:
        log.warning("could not parse %s (kept for retry): %s", raw.source_id, error)
        store.record_failure(raw.account, raw.source_id, error, raw.raw, now)
        result.failed += 1


def _record_unreadable(store: Store, account: str, entries: Sequence[tuple[str, str]], now: datetime,
                       result: SyncResult) -> None:
    """Entries the source could not read: recorded as failed (no bytes to keep; the source offers them
    again), one log line each the first time; the rest of the account goes on."""
    if not entries:
        return
    known = store.failed_source_ids(account)
    for source_id, error in entries:
        if source_id not in known:
            log.warning("%s: %s (recorded as failed; tried again next pass)", account, error)
        store.record_failure(account, source_id, error, None, now)
        result.failed += 1


def retry_failures(store: Store, config: Config, account: str, now: datetime, extractor: Extractor,
                   result: SyncResult, max_attempts: int = 50) -> None:
    """Parse earlier failures again (a fixed parser or a changed config may read them now)."""
    rows = [r for r in store.failures(account) if r["raw"] is not None and r["attempts"] < max_attempts]
    if not rows:
        return
    raws = [RawMessage(account, r["source_id"], bytes(r["raw"])) for r in rows]
    parsed, failures, _ = _process(store, config, raws, now, extractor, result, None)
    with store.transaction():
        before = result.stored + result.duplicates
        _write(store, parsed, [], now, result)
        for msg, _ in parsed:
            store.clear_failure(account, msg.source_id)
        for raw, error in failures:
            store.record_failure(raw.account, raw.source_id, error, None, now)  # attempts + 1, raw kept
        result.retried += result.stored + result.duplicates - before


def _wait_for_retry(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    base = float(wait_exponential(multiplier=0.5, min=0.5, max=30)(state))
    if isinstance(exc, TransientError) and exc.retry_after:
        return max(base, min(float(exc.retry_after), 300.0))
    return base


@dataclass
class _Prepared:
    """A batch read, parsed and stripped, waiting for its commitments before it is stored."""

    batch: Batch
    parsed: list[Message]
    failures: list[tuple[RawMessage, str]]
    stopped: bool
    now: datetime
    job: _Job | None = None


def sync_account(store: Store, source: MailSource, config: Config, clock: Clock, *,
                 stop: StopFlag | None = None, progress: Progress | None = None,
                 extractor: Extractor | None = None, retry_attempts: int = 6,
                 retry_wait: Callable[[RetryCallState], float] | None = None,
                 parallel: bool | None = None) -> SyncResult:
    """One pass over one account. Raises AuthError/SourceError/ConfigError for the caller to report;
    TransientError only once the retries are spent. `parallel`: extract in a worker process (None: when
    the sync is large and there are two cores; see the module doc)."""
    account = source.account
    extractor = extractor or nlp_extractor
    result = SyncResult(account)
    retry_failures(store, config, account, clock(), extractor, result)
    runner: ExtractRunner | None = None

    def finish(ready: _Prepared, commitments: list[list[Commitment]]) -> None:
        assert ready.job is not None
        parsed = _with_commitments(ready.parsed, _Done(ready.job.messages, commitments))
        with store.transaction():
            _write(store, parsed, ready.failures, ready.now, result)
            _record_unreadable(store, result.account, ready.batch.unreadable, ready.now, result)
            if not ready.stopped:
                store.remember_read(result.account, ready.batch.read_names)
                store.set_cursor(result.account, ready.batch.cursor, ready.now)
        if progress is not None:
            progress(len(ready.batch.messages), ready.batch.total)

    def one_fetch() -> None:
        """Batch k+1 is read and parsed while batch k is extracted; batches are stored in order."""
        nonlocal runner
        cursor = store.cursor(account)
        batches = iter(source.fetch(cursor, _StoredNames(store, account)))
        waiting: _Prepared | None = None
        try:
            while True:
                try:
                    batch = next(batches)
                except StopIteration:
                    break
                if runner is None:
                    runner = ExtractRunner(extractor, _wants_worker(parallel, batch.total, extractor))
                current = _prepare(store, config, batch, clock(), result, stop)
                # answer k, then send k+1 before storing k: the worker never waits on the writes
                previous = waiting.job.result() if waiting is not None and waiting.job is not None else None
                current.job = runner.submit(_extractable(current.parsed))
                if waiting is not None and previous is not None:
                    finish(waiting, previous)
                waiting = current
                if current.stopped:
                    result.stopped = True
                    break
        except TransientError:
            if waiting is not None and waiting.job is not None:  # what was read before the fault is kept
                finish(waiting, waiting.job.result())
            raise
        if waiting is not None and waiting.job is not None:
            finish(waiting, waiting.job.result())

    retrying = Retrying(
        retry=retry_if_exception(worth_retrying), stop=stop_after_attempt(retry_attempts),
        wait=retry_wait or _wait_for_retry, reraise=True,
        before_sleep=lambda s: log.warning("%s: %s; retrying (attempt %d)", account,
                                           s.outcome.exception() if s.outcome else "?", s.attempt_number),
        sleep=_sleeper(stop),
    )
    try:
        retrying(one_fetch)
    finally:
        if runner is not None:
            runner.close()
    return result


def _sleeper(stop: StopFlag | None) -> Callable[[float], None]:
    """The retries' sleep: cut short by a stop request."""

    def sleep(seconds: float) -> None:
        if stop is not None:
            stop.sleep(seconds)
        else:
            threading.Event().wait(seconds)

    return sleep


@dataclass(frozen=True)
class _StoredNames:
    """`ReadNames` answered by the store (`read_names` of the batches stored so far)."""

    store: Store
    account: str

    def unread(self, folder: str, names: Sequence[str]) -> list[str]:
        return self.store.unread_names(self.account, folder, names)


class _Done:
    """A job whose commitments are already known."""

    def __init__(self, messages: list[Message], found: list[list[Commitment]]) -> None:
        self.messages, self.found = messages, found

    def result(self) -> list[list[Commitment]]:
        return self.found


def _prepare(store: Store, config: Config, batch: Batch, now: datetime, result: SyncResult,
             stop: StopFlag | None) -> _Prepared:
    """Skip messages already stored, parse and strip the rest (no writes)."""
    account_ids = [r.source_id for r in batch.messages]
    known = store.stored_source_ids(batch.messages[0].account, account_ids) if batch.messages else set()
    fresh = [r for r in batch.messages if r.source_id not in known]
    result.fetched += len(batch.messages)
    result.duplicates += len(batch.messages) - len(fresh)
    parsed, failures, stopped = _parse_all(config, fresh, now, stop)
    return _Prepared(batch, parsed, failures, stopped, now)


# -- the loop ---------------------------------------------------------------------------------------


@dataclass
class AccountRun:
    config: AccountConfig
    source: MailSource | None = None
    stopped_reason: str = ""
    sign_in: tuple[str, str] | None = None  # (provider, account) whose new sign-in lifts the stop
    token_seen: str | None = None  # a digest of that sign-in's stored token when the account stopped

    def stop_for_sign_in(self, error: AuthError) -> None:
        self.stopped_reason = str(error)
        self.sign_in = (error.provider, error.account)
        self.token_seen = _token_digest(self)

    def signed_in_again(self) -> bool:
        """True when the account stopped for its sign-in and the token store now holds another token."""
        return self.sign_in is not None and _token_digest(self) != self.token_seen

    def resume(self) -> None:
        self.stopped_reason, self.sign_in, self.token_seen = "", None, None


def _token_digest(run: AccountRun) -> str | None:
    """A digest of the stored token a stopped account waits for (never the token itself); None when
    there is none or the store cannot be read (then nothing changes)."""
    from assistant import auth

    assert run.sign_in is not None
    provider, account = run.sign_in
    try:
        value = auth.token_store_for(run.config).get(provider, account)
    except (AssistantError, OSError):
        return run.token_seen
    return None if value is None else content_id(json.dumps(value, sort_keys=True), prefix="t")


AfterSync = Callable[[Store, Config, datetime], list[str]]
SourceFactory = Callable[[AccountConfig, Config], MailSource]


def _after_sync(stop: StopFlag, progress: BookingProgress | None) -> AfterSync:
    """`assistant.pipeline.after_sync`, stopping its booking on `stop` and showing it on `progress`."""

    def after(store: Store, config: Config, now: datetime) -> list[str]:
        from assistant.pipeline import after_sync

        return after_sync(store, config, now, stop=stop, progress=progress)

    return after


def run_pass(store: Store, runs: list[AccountRun], config: Config, clock: Clock, *, stop: StopFlag,
             source_factory: SourceFactory = open_source, progress_for: Callable[[str], Progress | None] | None = None,
             extractor: Extractor | None = None, parallel: bool | None = None) -> list[SyncResult]:
    """Sync every active account once. An account that fails to sign in is stopped with its message;
    an account that fails otherwise is retried on the next pass. Others go on either way."""
    results: list[SyncResult] = []
    for run in runs:
        if stop:
            break
        name = run.config.name
        if run.stopped_reason and run.signed_in_again():
            log.info("account %r: a new sign-in was saved; resuming", name)
            _close(run)
            run.resume()
        if run.stopped_reason:
            continue
        try:
            if run.source is None:
                run.source = source_factory(run.config, config)
            first = not store.cursor(name)
            progress = progress_for(name) if (progress_for and first) else None
            res = sync_account(store, run.source, config, clock, stop=stop, progress=progress, extractor=extractor,
                               parallel=parallel)
        except AuthError as e:
            _close(run)
            run.stop_for_sign_in(e)
            log.error("%s", e)
            log.error("account %r stopped until you sign in again (it resumes by itself then); the other accounts "
                      "keep running", name)
            store.set_account_status(name, "signin", str(e), clock())
            results.append(SyncResult(name, error=str(e)))
            continue
        except ConfigError as e:
            run.stopped_reason = str(e)
            log.error("%s", e)
            store.set_account_status(name, "config", str(e), clock())
            results.append(SyncResult(name, error=str(e)))
            continue
        except StoreError:
            raise  # the store is every account's: the watcher stops with the one line that says what to do
        except (SourceError, TransientError, AssistantError) as e:
            log.error("account %r: %s (will try again on the next pass)", name, e)
            _close(run)
            store.set_account_status(name, "error", str(e), clock())
            results.append(SyncResult(name, error=str(e)))
            continue
        store.set_account_status(name, "ok", "", clock())
        busy = res.stored or res.commitments or res.failed or res.retried or res.stopped
        log.log(logging.INFO if busy else logging.DEBUG,  # (an idle pass says nothing at INFO)
                "%s: %d new message(s), %d commitment(s), %d already stored, %d unreadable%s", name, res.stored,
                res.commitments, res.duplicates, res.failed, " (stopped)" if res.stopped else "")
        results.append(res)
    return results


def _close(run: AccountRun) -> None:
    if run.source is not None:
        try:
            run.source.close()
        except Exception:
            log.debug("closing %s failed", run.config.name, exc_info=True)
        run.source = None


def watch(config: Config, clock: Clock, *, once: bool = False, stop: StopFlag | None = None,
          source_factory: SourceFactory = open_source, after: AfterSync | None = None,
          poll_seconds: float = 60.0, progress_for: Callable[[str], Progress | None] | None = None,
          extractor: Extractor | None = None, store: Store | None = None,
          parallel: bool | None = None, booking_progress: BookingProgress | None = None) -> list[SyncResult]:
    """Run passes until stopped (or one pass with `once`). Returns the last pass's results.
    `booking_progress(done, total)` follows the booking of each pass (the default `after`)."""
    stop = stop if stop is not None else StopFlag()  # (an unset StopFlag is falsy)
    after = after or _after_sync(stop, booking_progress)
    if not config.accounts:
        where = config.source_path or "config.toml"
        raise ConfigError(f"no [[accounts]] in {where}: run `assistant init` to write a config with a local account")
    own_store = store is None
    store = store or store_for(config)
    log.info("watching %d account(s) from %s; store %s", len(config.accounts), config.source_path or "the defaults",
             safe_url(str(config.store_target)))
    runs = [AccountRun(a) for a in config.accounts]
    results: list[SyncResult] = []
    waiting_said = False
    try:
        while not stop:
            results = run_pass(store, runs, config, clock, stop=stop, source_factory=source_factory,
                               progress_for=progress_for, extractor=extractor, parallel=parallel)
            if not stop:
                for line in after(store, config, clock()):
                    log.info("%s", line)
                _daily_backup(store, clock())
            if once or stop:
                break
            if all(r.stopped_reason for r in runs):
                if not any(r.sign_in for r in runs):
                    log.error("every account is stopped: fix the errors above and start `assistant watch` again")
                    break
                if not waiting_said:
                    log.error("every account is stopped: waiting for `assistant login ...` (the commands above)")
                    waiting_said = True
            else:
                waiting_said = False
            _wait(runs, stop, poll_seconds)
    finally:
        for run in runs:
            _close(run)
        if own_store:
            store.close()
    return results


def _daily_backup(store: Store, now: datetime) -> None:
    """At most one copy of the store a day (SQLite's backup API; the newest seven kept). A backup that
    fails is logged and tried again on the next pass: it never stops the watcher."""
    try:
        taken = store.backup(now.date())
    except StoreError as e:
        log.warning("daily backup: %s", e)
        return
    if taken is not None:
        log.info("daily backup: %s", taken)


def _wait(runs: list[AccountRun], stop: StopFlag, seconds: float) -> None:
    """Wait for new mail on any account (IDLE or polling) until `seconds` pass or a stop request.
    Each active source waits in its own thread; the first that sees something ends the wait."""
    active = [r.source for r in runs if r.source is not None and not r.stopped_reason]
    if not active:
        stop.sleep(seconds)
        return
    woke = threading.Event()

    def waiter(source: Any) -> None:
        deadline = seconds
        while deadline > 0 and not stop and not woke.is_set():
            step = min(5.0, deadline)
            try:
                if source.wait(step):
                    woke.set()
                    return
            except Exception as e:  # a broken connection: the next pass reconnects and reports it
                log.debug("wait on %s failed: %s", getattr(source, "account", "?"), e)
                woke.set()
                return
            deadline -= step

    threads = [threading.Thread(target=waiter, args=(s,), daemon=True) for s in active]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads) and not stop and not woke.is_set():
        stop.sleep(0.2)
    woke.set()
    for t in threads:
        t.join(timeout=10)
