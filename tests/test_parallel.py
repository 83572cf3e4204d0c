"""Worker processes (eee/parallel.py): the same results as one process, and a run that always ends.

A worker that dies (the out-of-memory killer's SIGKILL) ends the run at once with a French error, never a
wait without end; so does an interruption or a caller that stops reading. A hang shows as a failure
here: each such test runs in a process of its own, killed with its workers if it has not ended after a
time far longer than the run needs.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from eee import filecheck
from eee.errors import EeeError
from eee.parallel import fork_map, in_background

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
DEADLINE_S = 30  # a run that has not ended by then is taken for one that never will

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


def apart(body: Callable[[], None]) -> None:
    """Run `body` in a forked process, in a process group of its own; fail with its error, or if it has
    not ended after DEADLINE_S (then it is killed with its workers)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, which reports and leaves
        report = b"ok"
        try:
            os.close(read)
            os.setpgid(0, 0)
            body()
        except BaseException:
            report = traceback.format_exc().encode()
        finally:
            os.write(write, report[-60_000:])
            os._exit(0)
    os.close(write)
    try:
        os.setpgid(pid, pid)
    except OSError:  # already done by the child, or it has ended
        pass
    try:
        ready = select.select([read], [], [], DEADLINE_S)[0]
        report = os.read(read, 1 << 16) if ready else b""
    finally:
        os.close(read)
        try:
            os.killpg(pid, signal.SIGKILL)  # its workers too, if any is left
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    if report != b"ok":
        pytest.fail(report.decode() or f"still running after {DEADLINE_S} s")


def no_worker_left() -> bool:
    return not multiprocessing.active_children()


def test_results_come_in_order_whatever_the_task_and_the_items() -> None:
    offset = 7
    lock = object()  # neither the task (a closure) nor the items need be picklable: workers inherit them

    def task(item: tuple[int, object]) -> int:
        number, mark = item
        assert mark is lock
        if number % 5 == 0:
            time.sleep(0.01)  # some items take longer: their results come back late
        return number * number + offset

    def body() -> None:
        assert list(fork_map(task, [(n, lock) for n in range(60)], jobs=3)) == [n * n + offset for n in range(60)]
        assert no_worker_left()

    apart(body)


def test_a_worker_killed_ends_the_run_with_a_french_error() -> None:
    def task(number: int) -> int:
        if number == 3:
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        time.sleep(0.01)
        return number

    def body() -> None:
        with pytest.raises(EeeError) as error:
            list(fork_map(task, range(40), jobs=2))
        assert error.value.exit_code == 3
        assert "un processus de travail d'eee s'est arrêté brutalement" in error.value.message
        assert "tué par le signal 9, peut-être faute de mémoire" in error.value.message
        assert "--jobs" in error.value.hint
        assert no_worker_left()

    apart(body)


def test_a_worker_that_dies_halfway_through_sending_a_result_ends_the_run() -> None:
    """Where a shared result queue (multiprocessing.Pool, ProcessPoolExecutor) waits for the rest for ever."""
    def task(number: int) -> bytes:
        if number == 1:
            from multiprocessing import connection

            def cut_short(conn: Any, buf: Any) -> None:
                os.write(conn._handle, bytes(buf[:10_000]))
                os._exit(1)

            connection.Connection._send = cut_short  # in this worker only: it was forked
        return b"x" * 1_000_000

    def body() -> None:
        with pytest.raises(EeeError) as error:
            list(fork_map(task, range(4), jobs=2))
        assert "sorti avec le code 1" in error.value.message
        assert no_worker_left()

    apart(body)


def test_an_error_of_the_task_reaches_the_caller_whole() -> None:
    def task(number: int) -> int:
        if number >= 5:
            raise EeeError(f"le gabarit « n{number} » n'a pas pu être rendu", "vérifiez les gabarits")
        return number

    def body() -> None:
        with pytest.raises(EeeError) as error:
            list(fork_map(task, range(30), jobs=2))
        assert error.value.message == "le gabarit « n5 » n'a pas pu être rendu"  # the first, in order
        assert error.value.hint == "vérifiez les gabarits"
        assert "n5" in str(error.value.__cause__)  # the worker's trace, for --debug
        assert no_worker_left()

    apart(body)


def test_a_result_that_cannot_be_pickled_is_an_error_not_a_hang() -> None:
    def body() -> None:
        with pytest.raises(Exception, match="(?i)pickle"):
            list(fork_map(lambda n: (lambda: n), range(4), jobs=2))
        assert no_worker_left()

    apart(body)


def test_a_caller_that_stops_reading_leaves_no_worker() -> None:
    def task(number: int) -> int:
        if number:
            time.sleep(3 * DEADLINE_S)  # the workers must be stopped, not awaited
        return number

    def body() -> None:
        results = fork_map(task, range(10), jobs=2)
        assert next(results) == 0
        assert not no_worker_left()
        results.close()
        assert no_worker_left()

    apart(body)


def test_an_error_of_the_caller_leaves_no_worker() -> None:
    def task(number: int) -> int:
        time.sleep(3 * DEADLINE_S if number else 0)
        return number

    def body() -> None:
        with pytest.raises(ZeroDivisionError):
            for number in fork_map(task, range(10), jobs=2):
                number / 0
        assert no_worker_left()

    apart(body)


def test_work_in_the_background_gives_its_result_or_none_and_never_outlives_its_block() -> None:
    def body() -> None:
        here = os.getpid()
        with in_background(lambda: (os.getpid(), sorted({3, 1, 2}))) as result:
            pid, value = result()
            assert value == [1, 2, 3] and pid != here  # worked out in another process
            assert result() == (pid, value)  # asked again: the same, without waiting
        assert no_worker_left()
        with in_background(lambda: 1 / 0) as result:  # an error: the work is done another way
            assert result() is None
        with in_background(lambda: os._exit(9)) as result:  # a process that dies
            assert result() is None
        with in_background(lambda: (lambda: None)) as result:  # a result that cannot be pickled
            assert result() is None
        with in_background(None) as result:  # nothing to do: no process
            assert no_worker_left() and result() is None
        with pytest.raises(RuntimeError), in_background(lambda: time.sleep(3 * DEADLINE_S)):
            assert not no_worker_left()
            raise RuntimeError("the block fails: the process is stopped, not awaited")
        assert no_worker_left()

    apart(body)


def test_an_interruption_ends_the_run_and_its_workers() -> None:
    def body() -> None:
        parent = os.getpid()
        # Ctrl-C as in a terminal, even if the tests run where SIGINT is ignored (a background job, whose Python
        # then installs no handler of its own): tests/test_serve.py does the same.
        signal.signal(signal.SIGINT, signal.default_int_handler)

        def task(number: int) -> int:
            if number == 0:
                os.kill(parent, signal.SIGINT)  # Ctrl-C, as this process gets it
            time.sleep(3 * DEADLINE_S)
            return number

        with pytest.raises(KeyboardInterrupt):
            list(fork_map(task, range(10), jobs=2))
        assert no_worker_left()

    apart(body)


# --------------------------------------------------------------------------- end to end


def _processes(where: str, pid: int) -> list[int]:
    """The processes whose parent ("parent") or process group ("group") is `pid` (from /proc, no third-party
    module)."""
    column = {"parent": 1, "group": 2}[where]  # after "pid (comm) ": state, parent, group
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[column]) == pid:
            found.append(int(entry))
    return found


def test_eee_validate_ends_with_exit_3_when_a_worker_is_killed(tmp_path: Path) -> None:
    entities = 2000
    assert entities >= 4 * filecheck.PARALLEL_FROM  # parallel, with work left for a while after the first fork
    root = tmp_path / "registre"
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "--entities", str(entities), "--out", str(root), "-q"],
                   check=True)
    args = [sys.executable, "-m", "eee", "validate", "--no-cache", "--jobs", "2", "--registry", str(root)]
    command = "".join(f"{arg}\0" for arg in args).encode()  # as /proc/PID/cmdline shows it
    run = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                           start_new_session=True)  # a process group: killed whole if it hangs (workers hold its pipes)
    try:
        killed = None
        start = time.monotonic()
        while killed is None and run.poll() is None and time.monotonic() - start < DEADLINE_S:
            for child in _processes("parent", run.pid):
                try:
                    forked = Path(f"/proc/{child}/cmdline").read_bytes() == command  # a worker, not another program
                except OSError:
                    continue
                if forked:
                    os.kill(child, signal.SIGKILL)
                    killed = child
                    break
            time.sleep(0.005)
        assert killed is not None, "no worker process seen"
        out, err = run.communicate(timeout=DEADLINE_S)
        left = _processes("group", run.pid)  # its other workers
    finally:
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if run.returncode is None:
            run.communicate()
    assert run.returncode == 3, err
    assert "eee : un processus de travail d'eee s'est arrêté brutalement (tué par le signal 9" in err
    assert "erreur interne" not in err and "Traceback" not in err
    assert not left
