"""Run independent solves in worker processes, passing their progress lines back.

Workers ignore Ctrl-C: the main process takes the KeyboardInterrupt, ends the
workers at once and lets it propagate, so an interrupted run stops without
waiting for the solvers.
"""

from __future__ import annotations

import multiprocessing
import queue as queues
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any

from planner.progress import Report, no_report

_worker_queue: Any = None


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


def run_parallel(
    function: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    workers: int,
    report: Report = no_report,
    order: Sequence[int] | None = None,
) -> list[Any]:
    """``function(*task, report=...)`` for every task, results in task order.

    With ``workers`` > 1 the tasks run in that many processes, started in
    ``order`` (e.g. largest first); ``function`` and the tasks must pickle.
    """
    if workers <= 1 or len(tasks) <= 1:
        return [function(*task, report=report) for task in tasks]
    context = multiprocessing.get_context()
    channel = context.Queue()
    stop = threading.Event()
    relay = threading.Thread(target=_relay, args=(channel, report, stop), daemon=True)
    pool = context.Pool(min(workers, len(tasks)), initializer=_start_worker, initargs=(channel,))
    relay.start()
    try:
        order = order or range(len(tasks))
        started = {k: pool.apply_async(_call, (function, tasks[k])) for k in order}
        results = [started[k].get() for k in range(len(tasks))]
        pool.close()
        pool.join()
        return results
    except BaseException:
        pool.terminate()
        pool.join()
        raise
    finally:
        stop.set()
        relay.join(timeout=5)
