"""Work spread over the cores by forked worker processes (standard library only).

Forked workers inherit everything this process has built (compiled schemas,
the site's context, Jinja templates): nothing is imported or computed twice,
and only the work items and the results cross between processes. Where fork
is not safe (macOS, Windows) or not worth it, the work runs here, in order.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_TASK: Callable[[Any], Any] | None = None


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

    `task` need not be picklable (the workers inherit it); items and results must be. With one job,
    one item, or no fork, everything runs in this process. Workers do no cyclic garbage collection:
    they are short-lived and build acyclic data.
    """
    items = list(items)
    jobs = min(available_cores() if jobs is None else max(1, jobs), len(items))
    if jobs <= 1 or not can_fork():
        yield from map(task, items)
        return
    import multiprocessing

    global _TASK
    _TASK = task
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=gc.disable) as pool:
            yield from pool.imap(_call, items)
    finally:
        _TASK = None


def _call(item: Any) -> Any:
    assert _TASK is not None
    return _TASK(item)
