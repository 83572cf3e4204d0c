"""Work spread over the cores by forked worker processes (standard library only).

Forked workers inherit everything this process has built (compiled schemas,
the site's context, Jinja templates, the work items themselves): nothing is
imported, computed or sent twice; only each item's number goes to a worker and
its result comes back. Where fork is not safe (macOS, Windows) or not worth it,
the work runs here, in order. `in_background` runs one piece of work in a forked
process while this one goes on (`eee build` links the previous site's pages
meanwhile); where it cannot, the caller does that work another way.

Each worker has a pipe of its own, which only it and this process hold: a worker
that dies (the kernel's out-of-memory killer sends SIGKILL) closes it, even in
the middle of a result, and the run ends at once with an `EeeError`. (A shared
result queue, as multiprocessing.Pool's or ProcessPoolExecutor's, waits forever
for the rest of a result cut short.)
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import EeeError

if TYPE_CHECKING:  # pragma: no cover - types only: multiprocessing is imported when workers start
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")
R = TypeVar("R")

_TASK: Callable[[Any], Any] | None = None
_ITEMS: list[Any] = []

AHEAD = 2  # items given to a worker at a time: it starts the next one without waiting for this process
JOIN_S = 5.0  # how long a worker that was told to stop may take to go


def available_cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return sys.platform.startswith("linux")


def fork_map(task: Callable[[T], R], items: Iterable[T], jobs: int | None = None) -> Iterator[R]:
    """`task(item)` for every item, in order, over `jobs` processes (default: the cores available).

    Neither `task` nor the items need be picklable (the workers inherit them); results must be. With
    one job, one item, or no fork, everything runs in this process. An exception raised by the task
    reaches the caller (for the first item, in order, that raised one); a worker that dies ends the
    run with an EeeError. However the run ends (the caller stops reading, an interruption), no worker
    outlives it. Workers do no cyclic garbage collection: they are short-lived and build acyclic data.
    """
    items = list(items)
    jobs = min(available_cores() if jobs is None else max(1, jobs), len(items))
    if jobs <= 1 or not can_fork():
        yield from map(task, items)
        return
    global _TASK, _ITEMS
    _TASK, _ITEMS = task, items
    workers: list[_Worker] = []
    finished = False
    try:
        _start(workers, jobs)
        yield from _results(workers, len(items))
        finished = True
    finally:
        _TASK, _ITEMS = None, []
        _stop(workers, finished)


@contextlib.contextmanager
def in_background(task: Callable[[], R] | None) -> Iterator[Callable[[], R | None]]:
    """`task()` in a forked process while this one goes on with the block. The block gets `result`, which waits
    for it and gives what it returned, or None if it did not run to its end: no task, no fork here, or it raised,
    died or returned what cannot be pickled (what it stands for is then done another way). However the block
    ends, the process is gone after it (stopped if still running)."""
    if task is None or not can_fork():
        yield lambda: None
        return
    import multiprocessing

    context = multiprocessing.get_context("fork")
    here, there = context.Pipe(duplex=False)  # (this process's end, to read; the background's, to write)
    process = _forked(context.Process(target=_background, args=(task, there, here), name="eee-fond", daemon=True),
                      there)
    outcome: list[Any] = []

    def result() -> R | None:
        if not outcome:
            try:
                ok, value = pickle.loads(here.recv_bytes())
            except Exception:  # noqa: BLE001 - ended without a result (EOFError), or a result cut short
                ok, value = False, None
            outcome.append(value if ok else None)
        return outcome[0]

    try:
        yield result
    finally:
        if not outcome and process.exitcode is None:
            process.terminate()
        here.close()
        process.join(JOIN_S)
        if process.exitcode is None:  # pragma: no cover - deaf to SIGTERM
            process.kill()
            process.join(JOIN_S)
        if process.exitcode is not None:
            process.close()


def _background(task: Callable[[], Any], conn: Any, other: Any) -> None:
    """`in_background`'s process: send back (True, what `task()` returned), or (False, None) if it raised."""
    other.close()
    _as_worker()
    try:
        message = pickle.dumps((True, task()), pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - whatever went wrong: the work is done another way
        message = pickle.dumps((False, None), pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):
        conn.send_bytes(message)


class _Worker:
    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn  # this process's end of the worker's pipe


def _start(workers: list[_Worker], jobs: int) -> None:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for number in range(jobs):
        here, there = context.Pipe()
        # The worker closes its copies of this process's ends (its own included): when this process closes
        # one, or dies, the worker reading it sees the end of the pipe.
        process = _forked(context.Process(target=_work, args=(there, [w.conn for w in workers] + [here]),
                                          name=f"eee-{number + 1}", daemon=True), there)
        workers.append(_Worker(process, here))


def _forked(process: BaseProcess, there: Connection) -> BaseProcess:
    """`process` started, and `there` (its end of the pipe) closed here. SIGTERM is held back while forking: a
    process told to stop before it has set its own handler (`_as_worker`) must not run this process's (the command
    line's turns SIGTERM into an interruption, with a traceback here)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        there.close()
    return process


def _as_worker() -> None:
    """What a forked process sets first: no cyclic garbage collection (it is short-lived and builds acyclic data);
    stopped by this process (or the system) with no cleanup of its own; and at Ctrl-C, this process stops the run
    while the forked one just goes."""
    gc.disable()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # held back while it was forked (`_forked`)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_DFL)


def _results(workers: list[_Worker], count: int) -> Iterator[Any]:
    """Every item's result, in order, as the workers send them."""
    from multiprocessing.connection import wait

    waiting: dict[Any, _Worker] = {}  # what to wait on: each worker's pipe and its sentinel (ready when it ends)
    for worker in workers:
        waiting[worker.conn] = waiting[worker.process.sentinel] = worker
    sent = 0
    limit = count  # no item is sent after one whose task raised: its exception ends the run
    done: dict[int, tuple[bool, Any]] = {}
    wanted = 0

    def give(worker: _Worker) -> None:
        nonlocal sent
        if sent < limit:
            try:
                worker.conn.send(sent)
            except OSError:
                raise _died(worker) from None
            sent += 1

    for worker in workers:
        for _ in range(AHEAD):
            give(worker)
    while wanted < count:
        while wanted in done:
            ok, value = done.pop(wanted)
            if not ok:
                error, trace = value
                raise error from _RemoteTraceback(trace)
            yield value
            wanted += 1
        if wanted == count:
            break
        for ready in wait(list(waiting)):
            worker = waiting[ready]
            if ready is not worker.conn:
                raise _died(worker)  # its sentinel: it ended, though it had work
            try:
                message = worker.conn.recv_bytes()
            except (EOFError, OSError):
                raise _died(worker) from None
            index, ok, value = pickle.loads(message)
            done[index] = (ok, value)
            if not ok:
                limit = min(limit, index)
            give(worker)


def _died(worker: _Worker) -> EeeError:
    """The French error for a worker that ended while it had work."""
    worker.process.join(JOIN_S)  # it is gone or going: its exit status
    code = worker.process.exitcode
    how = ""
    if code is not None and code < 0:
        how = f" (tué par le signal {-code}{', peut-être faute de mémoire' if -code == signal.SIGKILL else ''})"
    elif code:
        how = f" (sorti avec le code {code})"
    return EeeError(f"un processus de travail d'eee s'est arrêté brutalement{how} : le travail est abandonné",
                    "relancez la commande ; si cela se reproduit, libérez de la mémoire ou, si la commande "
                    "accepte --jobs, faites travailler moins de processus (par exemple --jobs 1)")


def _stop(workers: list[_Worker], finished: bool) -> None:
    """End every worker: idle ones (all work done) see their pipe close; the others are terminated."""
    for worker in workers:
        if not finished and worker.process.exitcode is None:
            worker.process.terminate()
        worker.conn.close()
    for worker in workers:
        worker.process.join(JOIN_S)
        if worker.process.exitcode is None:  # pragma: no cover - a worker deaf to SIGTERM
            worker.process.kill()
            worker.process.join(JOIN_S)
        if worker.process.exitcode is not None:
            worker.process.close()


def _work(conn: Any, others: list[Any]) -> None:
    """A worker: read an item's number, send back (number, True, result) or (number, False, (exception, trace))."""
    for other in others:
        other.close()
    _as_worker()
    task, items = _TASK, _ITEMS
    assert task is not None
    while True:
        try:
            index = conn.recv()
        except (EOFError, OSError):
            return
        try:
            message = pickle.dumps((index, True, task(items[index])), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - the task's error, or its result's that cannot be pickled
            message = _failure(index, exc)
        try:
            conn.send_bytes(message)
        except OSError:
            return


def _failure(index: int, exc: Exception) -> bytes:
    """An exception as a message, and its trace (shown with --debug); as a RuntimeError if it cannot be pickled."""
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        message = pickle.dumps((index, False, (exc, trace)), pickle.HIGHEST_PROTOCOL)
        pickle.loads(message)
        return message
    except Exception:  # noqa: BLE001
        return pickle.dumps((index, False, (RuntimeError(f"{type(exc).__name__} : {exc}"), trace)),
                            pickle.HIGHEST_PROTOCOL)


class _RemoteTraceback(Exception):
    """The trace of an exception raised in a worker, as the cause of the same exception here."""

    def __str__(self) -> str:
        return str(self.args[0])
