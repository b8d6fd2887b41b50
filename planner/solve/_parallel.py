"""Run independent solves in worker processes, passing their progress lines back.

By default every batch runs in worker processes, a single solve too, while the
main process only waits: a signal (Ctrl-C, SIGTERM) reaches it at once, and it
ends the workers and lets the interruption propagate. An OR-Tools routing search
cannot be cancelled from the inside (its iterated local searches go on after a
cancel until their time or solution limit), so ending its process is the way to
stop it. Workers ignore SIGINT (a terminal sends Ctrl-C to the whole process
group) and die on SIGTERM, which is how the main process ends them.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queues
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any

from planner.progress import Report, no_report

DEFAULT_WORKERS = 2
"""Worker processes by default, at most one per core (planners' laptops have two)."""
_worker_queue: Any = None


def solve_workers(tasks: int | None = None) -> int:
    """Problems a batch of ``tasks`` solves at once by default (the memory estimate counts as
    many): :data:`DEFAULT_WORKERS`, no more than the cores or the tasks, at least one."""
    return max(1, _processes(None, tasks))


def _start_worker(channel: Any) -> None:
    """Worker initialiser: ignore Ctrl-C, die on SIGTERM, keep the channel for progress lines."""
    global _worker_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the main process' handler, inherited
    _worker_queue = channel


def _worker_report(text: str, *, detail: bool = False) -> None:
    """A :class:`Report` that sends the line to the main process."""
    _worker_queue.put((text, detail))


def _call(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """One task in a worker; its lines end with a ``None`` mark, sent before the result."""
    try:
        return function(*args, report=_worker_report)
    finally:
        _worker_queue.put(None)


def _relay(channel: Any, report: Report, tasks: int, stop: threading.Event) -> None:
    """Pass worker lines to ``report`` until every task's end mark came or ``stop`` is set."""
    ended = 0
    while ended < tasks and not stop.is_set():
        try:
            line = channel.get(timeout=0.1)
        except queues.Empty:
            continue
        if line is None:
            ended += 1
        else:
            report(line[0], detail=line[1])


def _processes(workers: int | None, tasks: int | None) -> int:
    """Worker processes for a pool: by default :data:`DEFAULT_WORKERS` at most, one per
    core and per task; none (this process) for ``workers`` 1 or no task."""
    if tasks == 0 or (workers is not None and workers <= 1):
        return 0
    if workers is None:
        workers = min(DEFAULT_WORKERS, os.cpu_count() or 1)
    return workers if tasks is None else min(workers, tasks)


class WorkerPool:
    """Worker processes for independent solves, kept across batches; each ``map`` runs one
    batch, results in task order.

    ``workers`` None: :data:`DEFAULT_WORKERS` processes at most, one per core (and
    per task when ``tasks`` says how many there are); ``workers`` 1: every batch in
    this process, where a signal may wait for an OR-Tools routing search to end.
    """

    def __init__(self, workers: int | None = None, tasks: int | None = None):
        self.workers = _processes(workers, tasks)
        self._pool: Any = None
        self._channel: Any = None

    def __enter__(self) -> WorkerPool:
        if self.workers:
            context = multiprocessing.get_context()
            self._channel = context.Queue()
            self._pool = context.Pool(
                self.workers, initializer=_start_worker, initargs=(self._channel,)
            )
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._pool is None:
            return
        if kind is None:
            self._pool.close()
        else:  # Ctrl-C or an error: stop the solvers now
            self._pool.terminate()
        self._pool.join()

    def map(
        self,
        function: Callable[..., Any],
        tasks: Sequence[tuple[Any, ...]],
        report: Report = no_report,
        order: Sequence[int] | None = None,
    ) -> list[Any]:
        """``function(*task, report=...)`` for every task, started in ``order`` (e.g.
        largest first); ``function`` and the tasks must pickle."""
        if self._pool is None:
            return [function(*task, report=report) for task in tasks]
        stop = threading.Event()
        relay = threading.Thread(
            target=_relay, args=(self._channel, report, len(tasks), stop), daemon=True
        )
        relay.start()
        try:
            started = {
                k: self._pool.apply_async(_call, (function, tasks[k]))
                for k in (order or range(len(tasks)))
            }
            results = [started[k].get() for k in range(len(tasks))]
        except BaseException:
            stop.set()
            raise
        relay.join()  # every task's lines, up to its end mark
        return results


def run_parallel(
    function: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    workers: int | None = None,
    report: Report = no_report,
    order: Sequence[int] | None = None,
) -> list[Any]:
    """One batch in a :class:`WorkerPool` (``workers`` as there)."""
    with WorkerPool(workers, len(tasks)) as pool:
        return pool.map(function, tasks, report, order)
