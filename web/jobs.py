"""Long jobs started from the web (bulk index, generate): one background thread per job inside
the server process, with progress, result and cancellation kept in the catalogue's `jobs` table.

Keeping the state in SQL (not in memory) is what lets several server workers share it: the
worker that started a job runs it; any worker can report its progress or cancel it (cancel sets
state 'cancelling'; the running thread sees that at its next progress report and stops). A job
whose process has died is reported as failed rather than 'running' forever.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any, Callable

from sqlalchemy import select, update

from catalog.models import Job, utcnow

log = logging.getLogger("cratedig.web.jobs")

ACTIVE_STATES = ("queued", "running", "cancelling")
FINAL_STATES = ("done", "failed", "cancelled")
PROGRESS_WRITE_INTERVAL_S = 0.25  # at most ~4 progress writes a second per job
CANCEL_CHECK_INTERVAL_S = 0.5


class JobCancelledError(Exception):
    """Raised inside a job's thread when someone asked to cancel it."""

    def __init__(self, job_id: int):
        super().__init__(f"job {job_id} cancelled")
        self.job_id = job_id


class JobConflictError(Exception):
    """A job of this kind is already running on this catalogue."""

    def __init__(self, job_id: int, kind: str):
        super().__init__(f"an {kind} job is already running (job {job_id}); wait for it or cancel it")
        self.job_id = job_id
        self.kind = kind


def job_json(job: Job) -> dict:
    params = json.loads(job.params) if job.params else {}
    params.pop("_owner", None)
    return {
        "id": job.id, "kind": job.kind, "state": job.state, "params": params,
        "done": job.done, "total": job.total, "audio_seconds": round(job.audio_seconds, 3),
        "message": job.message,
        "result": json.loads(job.result) if job.result else None,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "updated_at": job.updated_at.isoformat() if job.updated_at else None,
        "finished": job.state in FINAL_STATES,
    }


# Runners alive in this process (several apps may live in one process, e.g. in tests): a job
# recorded by this pid with a runner not in here was left by an earlier process with our pid.
_LIVE_RUNNERS: set[str] = set()


def _owner_alive(params: dict) -> bool:
    owner = params.get("_owner") or {}
    if owner.get("host") != socket.gethostname() or not owner.get("pid"):
        return True  # another machine's worker: cannot tell, trust the record
    try:
        os.kill(int(owner["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Progress:
    """Handed to a job's function: `update(...)` records progress (throttled) and raises
    JobCancelledError once the job has been asked to stop."""

    def __init__(self, runner: "JobRunner", job_id: int):
        self.runner = runner
        self.job_id = job_id
        self._last_write = 0.0
        self._last_check = time.monotonic()
        self._pending: dict[str, Any] = {}

    def update(self, *, done: int | None = None, total: int | None = None,
               audio_seconds: float | None = None, message: str | None = None,
               force: bool = False) -> None:
        for k, v in (("done", done), ("total", total), ("audio_seconds", audio_seconds),
                     ("message", message)):
            if v is not None:
                self._pending[k] = v
        now = time.monotonic()
        if force or now - self._last_write >= PROGRESS_WRITE_INTERVAL_S:
            self.flush()
        if now - self._last_check >= CANCEL_CHECK_INTERVAL_S:
            self.check_cancelled()

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        with self.runner.catalog.session() as s:
            job = s.get(Job, self.job_id)
            for k, v in pending.items():
                setattr(job, k, v)
            job.updated_at = utcnow()
        self._last_write = time.monotonic()

    def check_cancelled(self) -> None:
        self._last_check = time.monotonic()
        if self.runner.state_of(self.job_id) == "cancelling":
            raise JobCancelledError(self.job_id)


class JobRunner:
    """Starts jobs in threads of this process and reads/cancels any job in the catalogue."""

    def __init__(self, catalog):
        self.catalog = catalog
        self._threads: dict[int, threading.Thread] = {}
        self._start_lock = threading.Lock()
        self.runner_id = uuid.uuid4().hex
        _LIVE_RUNNERS.add(self.runner_id)

    def _owner(self) -> dict:
        return {"host": socket.gethostname(), "pid": os.getpid(), "runner": self.runner_id}

    def start(self, kind: str, params: dict, fn: Callable[[Progress], dict], *,
              exclusive: bool = False) -> dict:
        """Record a job and run `fn(progress) -> result dict` in a new thread; returns the job.

        `exclusive`: refuse (JobConflictError) while another live job of `kind` exists, e.g.
        two bulk indexes writing one vector store."""
        with self._start_lock, self.catalog.session() as s:
            if exclusive:
                for other in s.scalars(select(Job).where(Job.kind == kind,
                                                         Job.state.in_(ACTIVE_STATES))):
                    if self._reap(s, other):
                        continue
                    raise JobConflictError(other.id, kind)
            job = Job(kind=kind, state="queued", params=json.dumps({**params, "_owner": self._owner()}),
                      done=0, total=0, audio_seconds=0.0)
            s.add(job)
            s.flush()
            job_id = job.id
            out = job_json(job)
            # registered before the row is committed, so no reader can take it for orphaned
            t = threading.Thread(target=self._run, args=(job_id, fn),
                                 name=f"cratedig-job-{job_id}", daemon=True)
            self._threads[job_id] = t
        t.start()
        return out

    def _run(self, job_id: int, fn: Callable[[Progress], dict]) -> None:
        progress = Progress(self, job_id)
        state, message, result = "done", None, None
        try:
            if not self._transition(job_id, "queued", "running"):
                raise JobCancelledError(job_id)
            result = fn(progress)
            progress.flush()
        except JobCancelledError:
            state, message = "cancelled", "cancelled on request"
        except Exception as e:  # noqa: BLE001 - a job's failure is recorded and shown, not lost
            log.exception("job %s failed", job_id)
            state, message = "failed", f"{type(e).__name__}: {e}"
        try:
            with self.catalog.session() as s:
                job = s.get(Job, job_id)
                job.state = state
                if message is not None:
                    job.message = message
                if result is not None:
                    job.result = json.dumps(result)
                job.updated_at = utcnow()
        finally:
            self._threads.pop(job_id, None)

    def _transition(self, job_id: int, from_state: str, to_state: str) -> bool:
        with self.catalog.session() as s:
            job = s.get(Job, job_id)
            if job.state != from_state:
                return False
            job.state = to_state
            job.updated_at = utcnow()
            return True

    def _reap(self, s, job: Job) -> bool:
        """Mark a live-looking job whose process is gone as failed; True if it was reaped."""
        params = json.loads(job.params) if job.params else {}
        owner = params.get("_owner") or {}
        if owner.get("runner") == self.runner_id:
            dead = job.id not in self._threads  # our own thread is gone
        elif owner.get("pid") == os.getpid() and owner.get("host") == socket.gethostname():
            dead = owner.get("runner") not in _LIVE_RUNNERS  # an earlier process with our pid
        else:
            dead = not _owner_alive(params)
        if not dead:
            return False
        # Conditional: the job's own thread may have committed its final state and left
        # `_threads` after this row was read; a blind write would turn "done" into "failed".
        res = s.execute(update(Job).where(Job.id == job.id, Job.state.in_(ACTIVE_STATES))
                        .values(state="failed", message="the server process running this job ended",
                                updated_at=utcnow()).execution_options(synchronize_session=False))
        s.refresh(job)
        return res.rowcount == 1

    def state_of(self, job_id: int) -> str | None:
        with self.catalog.session() as s:
            return s.scalar(select(Job.state).where(Job.id == job_id))

    def get(self, job_id: int) -> dict | None:
        with self.catalog.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                return None
            if job.state in ACTIVE_STATES:
                self._reap(s, job)
            return job_json(job)

    def list(self, limit: int = 20, kind: str | None = None) -> list[dict]:
        with self.catalog.session() as s:
            q = select(Job).order_by(Job.id.desc()).limit(limit)
            if kind:
                q = q.where(Job.kind == kind)
            jobs = list(s.scalars(q))
            for job in jobs:
                if job.state in ACTIVE_STATES:
                    self._reap(s, job)
            return [job_json(j) for j in jobs]

    def cancel(self, job_id: int) -> dict | None:
        with self.catalog.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                return None
            # conditional writes: the job's thread may move it on (start, finish) meanwhile
            for was, now, message in (("queued", "cancelled", "cancelled before it started"),
                                      ("running", "cancelling", None)):
                values = {"state": now, "updated_at": utcnow()}
                if message:
                    values["message"] = message
                res = s.execute(update(Job).where(Job.id == job_id, Job.state == was).values(**values)
                                .execution_options(synchronize_session=False))
                if res.rowcount:
                    break
            s.refresh(job)
            return job_json(job)

    def close(self) -> None:
        """This runner's jobs stop counting as alive for other apps in this process."""
        _LIVE_RUNNERS.discard(self.runner_id)

    def wait(self, job_id: int, timeout: float) -> bool:
        """Join this process's thread for `job_id` (tests, shutdown); True if it finished."""
        t = self._threads.get(job_id)
        if t is not None:
            t.join(timeout)
            return not t.is_alive()
        return True
