"""Workers for a team: stateless processes on any number of machines, fed by a job queue in the team's
PostgreSQL (procrastinate; README "Running it for a team" says why procrastinate and not pgqueuer).

Jobs, each a procrastinate task:
- `sync(rep, account)`: one pass over one mailbox with the watcher's own `sync_account` (each batch with
  its cursor in one transaction, so a retried job stores nothing twice). Its procrastinate `lock` is the
  mailbox: two workers never sync one mailbox at once. Its `queueing_lock` keeps one waiting sync per
  mailbox. At its end it queues the rep's pass and its own next run (`[worker] sync_seconds` later), so
  every mailbox is synced periodically without a scheduler of our own.
- `rep_pass(rep)`: the rep's tracker pass, booking and weekly report: `assistant.pipeline.after_sync`,
  the function `assistant watch` runs after each pass (booking is idempotent and crash-safe on its own).
  Locked per rep, one waiting per rep.

A worker killed at any moment (SIGKILL, a lost machine) leaves its job `doing` with a heartbeat that
stops; any worker retries the jobs of workers whose heartbeat is older than `[worker] stalled_seconds`
(at start, in burst mode before it decides the queue is empty, and every `stalled_seconds` while it runs).
A retried job repeats a sync or a pass that is already idempotent: nothing is lost, nothing is booked
twice. If the killed job had already queued its successor, the successor does the work and the stalled
job is marked failed.

Provider limits: a sync job runs the watcher's pass with one attempt; a TransientError (a 429 or 5xx,
with or without Retry-After) ends the job and queues that mailbox's next sync after the Retry-After (or
a backoff), so a throttled mailbox waits in the queue, never in a worker, and no other rep waits for it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from assistant.clock import Clock
from assistant.config import Config
from assistant.errors import AssistantError, AuthError, ConfigError, StoreError, TransientError
from assistant.store import safe_url
from assistant.teamconfig import TeamConfig, rep_config

log = logging.getLogger("assistant.worker")

QUEUE = "follow-through"
T = TypeVar("T")
BACKOFF_SECONDS = 60  # a TransientError without Retry-After: that mailbox is synced again after this


@dataclass
class WorkerState:
    """What the tasks of this worker process read: the team, the clock, the reps' configs (read once)."""

    team: TeamConfig
    clock: Clock
    configs: dict[str, Config] = field(default_factory=dict)
    processed: int = 0
    key: bytes | None = None  # the team's Fernet key: each rep's tokens are read from the encrypted store
    heartbeat: float = 10.0  # seconds between a running job's heartbeats (see _beating)

    def tokens(self, rep: str) -> contextlib.AbstractContextManager[object]:
        """Within the block, the adapters read this rep's sign-ins from the team's encrypted store."""
        if self.key is None:
            return contextlib.nullcontext()
        from assistant.auth import using_tokens
        from assistant.vault import TeamTokenStore

        return using_tokens(TeamTokenStore(self.team.store_url, self.key, rep))

    def config(self, rep: str) -> Config:
        if rep not in self.configs:
            self.configs[rep] = rep_config(self.team, self.team.rep(rep))
        return self.configs[rep]


_STATE: WorkerState | None = None


def _state() -> WorkerState:
    if _STATE is None:  # pragma: no cover - run_worker sets it before any task runs
        raise RuntimeError("the worker's state is not set")
    return _STATE


def mailbox_lock(rep: str, account: str) -> str:
    return f"mailbox:{rep}:{account}"


def _blueprint() -> Any:
    import procrastinate

    bp = procrastinate.Blueprint()

    @bp.task(name="rep_pass", queue=QUEUE, pass_context=True)
    async def rep_pass(context: Any, rep: str) -> None:
        await _beating(context, asyncio.to_thread(run_rep_pass, _state(), rep))

    @bp.task(name="sync", queue=QUEUE, pass_context=True)
    async def sync(context: Any, rep: str, account: str) -> None:
        state = _state()
        next_in = float(state.team.worker.sync_seconds)
        try:
            next_in = await _beating(context, asyncio.to_thread(sync_mailbox, state, rep, account))
            await _defer(rep_pass, {"rep": rep}, lock=f"rep:{rep}", queueing_lock=f"rep_pass:{rep}")
        finally:  # even after a bug in a pass, the mailbox stays in the cycle (the job is marked failed)
            await _defer(sync, {"rep": rep, "account": account}, lock=mailbox_lock(rep, account),
                         queueing_lock=f"sync:{rep}:{account}", schedule_in=next_in)

    return bp


async def _beating(context: Any, work: Awaitable[T]) -> T:
    """Run a job's work while keeping its worker's heartbeat. procrastinate's worker beats on its own,
    but stops beating as soon as it is told to stop (SIGTERM) or, in a burst, finds the queue empty,
    while it still waits for its running jobs (procrastinate PR #1585, open): a job longer than
    `stalled_seconds` would then look stalled and be retried by another worker while it still runs."""
    state = _state()
    worker_id = context.job.worker_id

    async def beat() -> None:
        while True:
            await asyncio.sleep(state.heartbeat)
            try:
                await context.app.job_manager.update_heartbeat(worker_id)
            except Exception as e:  # noqa: BLE001 - a lost connection: procrastinate's own beat says so
                log.debug("heartbeat of worker %s failed: %s", worker_id, e)

    beating = asyncio.create_task(beat()) if worker_id is not None else None
    try:
        return await work
    finally:
        if beating is not None:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating


async def _defer(task: Any, args: dict[str, Any], *, lock: str, queueing_lock: str,
                 schedule_in: float = 0) -> bool:
    """Queue a job unless one is already waiting with the same queueing lock; True when queued."""
    from procrastinate import exceptions

    options: dict[str, Any] = {"lock": lock, "queueing_lock": queueing_lock}
    if schedule_in > 0:
        options["schedule_in"] = {"seconds": schedule_in}
    try:
        await task.configure(**options).defer_async(**args)
    except exceptions.AlreadyEnqueued:
        return False
    return True


def sync_mailbox(state: WorkerState, rep: str, account: str) -> float:
    """One sync of one rep's mailbox with the watcher's own functions; returns the seconds until its next
    sync (the Retry-After of a provider that throttles it)."""
    from assistant.store import store_for
    from assistant.watcher import open_source, sync_account

    every = float(state.team.worker.sync_seconds)
    try:
        config = state.config(rep)
        account_config = config.account(account)
    except ConfigError as e:
        log.error("rep %r: %s", rep, e)
        return every
    source = None
    try:
        with state.tokens(rep), store_for(config) as store:
            source = open_source(account_config, config)
            res = sync_account(store, source, config, state.clock, retry_attempts=1, parallel=False)
        log.info("rep %r account %r: %d new message(s), %d commitment(s)", rep, account, res.stored,
                 res.commitments)
    except TransientError as e:
        wait = e.retry_after if e.retry_after else BACKOFF_SECONDS
        log.warning("rep %r account %r: %s (its next sync in %.0f s; the other mailboxes go on)", rep, account, e,
                    wait)
        return max(1.0, float(wait))
    except AuthError as e:
        log.error("rep %r: %s (send the rep `assistant team login-link %s`)", rep, e, rep)
    except (StoreError, AssistantError) as e:
        log.error("rep %r account %r: %s (tried again in %.0f s)", rep, account, e, every)
    finally:
        if source is not None:
            try:
                source.close()
            except Exception:  # noqa: BLE001 - closing a finished source changes nothing
                log.debug("closing %s failed", account, exc_info=True)
    state.processed += 1
    return every


def run_rep_pass(state: WorkerState, rep: str) -> list[str]:
    """The rep's tracker pass, booking and weekly report: what `assistant watch` runs after each pass."""
    from assistant.pipeline import after_sync
    from assistant.store import store_for

    try:
        config = state.config(rep)
        with state.tokens(rep), store_for(config) as store:
            lines = after_sync(store, config, state.clock())
    except AssistantError as e:
        log.error("rep %r: %s", rep, e)
        return [str(e)]
    for line in lines:
        log.info("rep %r: %s", rep, line)
    state.processed += 1
    return lines


def make_app(team: TeamConfig) -> Any:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=team.store_url,
                                                                     kwargs={"application_name": "ft-worker"},
                                                                     min_size=1, max_size=4))
    app.add_tasks_from(_blueprint(), namespace="ft")
    return app


async def ensure_schema(app: Any) -> None:
    """procrastinate's tables, created once (an advisory lock makes two workers starting at once wait)."""
    async with app.connector.pool.connection() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext('follow-through procrastinate schema'))")
        try:
            row = await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
            if row[0] is None:
                log.info("creating the job queue's tables (procrastinate) in %s", "the team's database")
                await app.schema_manager.apply_schema_async()
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext('follow-through procrastinate schema'))")


async def seed(app: Any, team: TeamConfig, configs: Callable[[str], Config]) -> int:
    """A waiting sync for every mailbox of every rep that has none (new reps, a new queue). Returns how
    many were queued."""
    task = app.tasks["ft:sync"]
    queued = 0
    for rep in team.reps:
        try:
            config = configs(rep.name)
        except AssistantError as e:
            log.error("rep %r: %s (skipped: `assistant team check` lists every problem)", rep.name, e)
            continue
        for account in config.accounts:
            queued += await _defer(task, {"rep": rep.name, "account": account.name},
                                   lock=mailbox_lock(rep.name, account.name),
                                   queueing_lock=f"sync:{rep.name}:{account.name}")
    return queued


# One statement per stalled job, so that two workers that see the same stalled job never both act on it,
# and a job that a live worker has taken since is never touched: it acts only while the job is still
# `doing` for a worker that is gone (no row, or a heartbeat older than `seconds`), under the row's lock
# (a second worker waits for it, then finds the job no longer `doing` and does nothing). A job whose
# successor is already waiting (same queueing lock, `todo`) is marked failed, as procrastinate's
# finish_job does; any other goes back to `todo` now, as procrastinate's retry_job does (procrastinate's
# own functions cannot be used here: they act on any `doing` job, whoever holds it).
_RETRY_STALLED = """
WITH target AS (
    SELECT job.id, job.queueing_lock IS NOT NULL AND EXISTS (
               SELECT 1 FROM procrastinate_jobs AS waiting
                WHERE waiting.queueing_lock = job.queueing_lock AND waiting.status = 'todo') AS superseded
      FROM procrastinate_jobs AS job
     WHERE job.id = %(job_id)s AND job.status = 'doing'
       AND (job.worker_id IS NULL OR job.worker_id IN (
            SELECT id FROM procrastinate_workers
             WHERE last_heartbeat < now() - make_interval(secs => %(seconds)s)))
       FOR UPDATE OF job
)
UPDATE procrastinate_jobs AS job
   SET status = (CASE WHEN target.superseded THEN 'failed' ELSE 'todo' END)::procrastinate_job_status,
       attempts = job.attempts + 1,
       scheduled_at = CASE WHEN target.superseded THEN job.scheduled_at ELSE now() END
  FROM target
 WHERE job.id = target.id AND job.status = 'doing'
RETURNING job.status::text AS status
"""


async def retry_stalled(app: Any, stalled_seconds: float) -> int:
    """Put back the jobs of workers whose heartbeat stopped (killed, lost). A stalled job whose successor
    is already waiting (it had queued it before it died) is marked failed: the successor does its work.
    Safe with any number of workers doing this at once: each stalled job is acted on once (see
    _RETRY_STALLED). Returns the jobs this worker acted on."""
    count = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds):
        status = await retry_stalled_job(app, job.id, stalled_seconds)
        if status == "todo":
            log.warning("retrying job %s %s of a worker that stopped", job.task_name, job.task_kwargs)
        elif status == "failed":
            log.warning("job %s %s of a worker that stopped: its successor, already queued, does its work",
                        job.task_name, job.task_kwargs)
        else:  # another worker acted on it first, or its worker was alive after all
            continue
        count += 1
    return count


async def retry_stalled_job(app: Any, job_id: int, seconds: float) -> str | None:
    """The new status of one stalled job ('todo' or 'failed'), or None when it is no longer stalled."""
    from procrastinate import exceptions

    for _ in range(3):
        try:
            rows = await app.connector.execute_query_all_async(_RETRY_STALLED, job_id=job_id,
                                                               seconds=float(seconds))
        except exceptions.UniqueViolation:  # its successor was queued while this ran: the next try sees it
            continue
        return str(rows[0]["status"]) if rows else None
    return None


async def _pending(app: Any) -> int:
    """Jobs due now, and jobs of stopped workers (about to be retried)."""
    async with app.connector.pool.connection() as conn:
        row = await (await conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = %s AND status = 'todo' AND "
            "(scheduled_at IS NULL OR scheduled_at <= now())", (QUEUE,))).fetchone()
    return int(row[0])


async def _stalled_loop(app: Any, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await retry_stalled(app, seconds)
        except Exception as e:  # noqa: BLE001 - a lost connection: the pool reconnects, the next round retries
            log.warning("looking for stalled jobs failed (tried again in %.0f s): %s", seconds, _first_line(e))
            log.debug("looking for stalled jobs failed", exc_info=True)


async def run(team: TeamConfig, clock: Clock, *, burst: bool = False, heartbeat: float = 10.0,
              stalled: float = 30.0) -> int:
    """Run a worker until stopped (SIGTERM/Ctrl-C: procrastinate finishes the running job), or with `burst`
    until nothing is due. Returns the jobs this worker processed."""
    global _STATE
    _STATE = WorkerState(team=team, clock=clock, heartbeat=heartbeat)
    if team.key_file is not None or team.key_env:
        from assistant.vault import load_key

        _STATE.key = load_key(team.key_file, team.key_env)
    else:
        log.warning("team.toml has no [secrets]: the reps' sign-ins are read from this machine's token files, "
                    "unencrypted; add [secrets] key_file (see `assistant team new-key`)")
    await _reachable(team.store_url)
    app = make_app(team)
    async with app.open_async():
        await ensure_schema(app)
        queued = await seed(app, team, _STATE.config)
        log.info("worker %d: %d reps, %d mailbox sync(s) queued", os.getpid(), len(team.reps), queued)
        options: dict[str, Any] = {"queues": [QUEUE], "concurrency": team.worker.concurrency,
                                   "update_heartbeat_interval": heartbeat, "stalled_worker_timeout": stalled,
                                   "fetch_job_polling_interval": team.worker.poll_seconds,
                                   "install_signal_handlers": True, "delete_jobs": "successful"}
        if burst:
            while True:
                await retry_stalled(app, stalled)
                await app.run_worker_async(wait=False, **options)
                await retry_stalled(app, stalled)
                if not await _pending(app):
                    break
        else:
            watcher = asyncio.create_task(_stalled_loop(app, stalled))
            try:
                await retry_stalled(app, stalled)
                await app.run_worker_async(wait=True, **options)
            finally:
                watcher.cancel()
    return _STATE.processed


async def _reachable(url: str) -> None:
    """One connection to the team's database before the queue's pool opens: a wrong URL or a server that
    is down is one line at once, instead of the pool's retries for 30 s."""
    import psycopg

    try:
        conn = await psycopg.AsyncConnection.connect(url, connect_timeout=10)
    except psycopg.Error as e:
        raise StoreError(f"cannot connect to PostgreSQL at {safe_url(url)}: {_first_line(e)}: check [store] url "
                         "in team.toml and that the server is running") from None
    await conn.close()


def run_worker(team: TeamConfig, clock: Clock, *, burst: bool = False) -> int:
    """`assistant worker`: run() with the team's [worker] settings. A database that cannot be reached or
    is lost, and any error of the job queue, is a StoreError: one line naming the server (never its
    password) and what to do."""
    from procrastinate.exceptions import ProcrastinateException
    from psycopg import Error as PsycopgError
    from psycopg_pool import PoolTimeout

    try:
        return asyncio.run(run(team, clock, burst=burst, heartbeat=team.worker.heartbeat_seconds,
                               stalled=team.worker.stalled_seconds))
    except (ProcrastinateException, PsycopgError, PoolTimeout) as e:
        log.debug("the worker stopped", exc_info=True)
        raise StoreError(f"the job queue in PostgreSQL at {safe_url(team.store_url)} failed: {_first_line(e)}: "
                         "check [store] url in team.toml and that the server is running, then start the worker "
                         "again (jobs of a stopped worker are retried)") from None


def _first_line(e: BaseException) -> str:
    """The first line of the error at the bottom of `e`'s causes (procrastinate's ConnectorException
    says only "Database error." and holds psycopg's, which says what went wrong)."""
    while e.__cause__ is not None:
        e = e.__cause__
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
