"""Run independent solves in worker processes, passing their progress lines back.

Workers ignore Ctrl-C: the main process takes the KeyboardInterrupt, ends the
workers at once and lets it propagate, so an interrupted run stops without
waiting for the solvers.
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

_worker_queue: Any = None

MAX_WORKERS = 2
"""Solver processes at once, each holding one problem (the memory estimate counts as many)."""


def solve_workers(tasks: int | None = None) -> int:
    """Worker processes for a batch: :data:`MAX_WORKERS`, no more than the cores or ``tasks``."""
    cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores, cores if tasks is None else tasks))


def _start_worker(channel: Any) -> None:
    """Worker initialiser: ignore Ctrl-C, keep the channel for progress lines."""
    global _worker_queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_queue = channel


def _worker_report(text: str, *, detail: bool = False) -> None:
    """A :class:`Report` that sends the line to the main process."""
    _worker_queue.put((text, detail))


def _call(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    return function(*args, report=_worker_report)


def _relay(channel: Any, report: Report, stop: threading.Event) -> None:
    """Pass worker lines to ``report`` until ``stop`` is set and the channel is empty."""
    while True:
        try:
            text, detail = channel.get(timeout=0.1)
        except queues.Empty:
            if stop.is_set():
                return
            continue
        report(text, detail=detail)


class WorkerPool:
    """Worker processes for independent solves, kept across batches; each ``map`` runs one
    batch, results in task order. With ``workers`` <= 1 every batch runs in this process."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: Any = None
        self._channel: Any = None

    def __enter__(self) -> WorkerPool:
        if self.workers > 1:
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
        if self._pool is None or len(tasks) <= 1:
            return [function(*task, report=report) for task in tasks]
        stop = threading.Event()
        relay = threading.Thread(target=_relay, args=(self._channel, report, stop), daemon=True)
        relay.start()
        try:
            started = {
                k: self._pool.apply_async(_call, (function, tasks[k]))
                for k in (order or range(len(tasks)))
            }
            return [started[k].get() for k in range(len(tasks))]
        finally:
            stop.set()
            relay.join(timeout=5)


def run_parallel(
    function: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    workers: int,
    report: Report = no_report,
    order: Sequence[int] | None = None,
) -> list[Any]:
    """One batch in a :class:`WorkerPool` of at most ``workers`` processes."""
    with WorkerPool(min(workers, len(tasks))) as pool:
        return pool.map(function, tasks, report, order)
