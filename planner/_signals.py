"""Stopping a run on SIGINT (Ctrl-C) or SIGTERM: one interruption, raised where Python takes it.

The command line runs each command inside :func:`stop_on_signals`: either signal
raises :class:`Interrupted` (a ``KeyboardInterrupt``, so every ``finally`` and
``except KeyboardInterrupt`` on the way out runs: staging folders are removed,
worker processes ended), and signals that come while the run unwinds are ignored.

A solver that calls Python back and loses what is raised there (OR-Tools routing
calls its transit and solution callbacks inside the search) runs inside
:func:`deferred_signals`: a signal then only asks the solver to stop and is
raised when the block ends. The same block holds signals off while an output
folder is swapped in.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal: ``signum`` is SIGINT (Ctrl-C) or SIGTERM."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_deferred: list[Callable[[], None] | None] = []
"""The stop requests of the open :func:`deferred_signals` blocks, innermost last."""
_caught: list[int] = []
"""Signals that came while a block deferred them."""
_stopping: list[int] = []
"""The signal raised: the run is unwinding, and signals outside a deferring block are ignored."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    """Defer the signal inside a :func:`deferred_signals` block, else raise it once."""
    if _deferred:
        _caught.append(signum)
        stop = _deferred[-1]
        if stop is not None:
            stop()
    elif not _stopping:
        _stopping.append(signum)
        raise Interrupted(signum)


def _main_thread() -> bool:
    """Whether this is the main thread, the only one Python runs signal handlers in."""
    return threading.current_thread() is threading.main_thread()


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in the main thread during the block.

    SIGINT stays ignored when the process started with it ignored (as a shell starts
    background jobs); the previous handlers come back at the end.
    """
    if not _main_thread():
        yield
        return
    _stopping.clear()
    previous = {
        signum: signal.signal(signum, _on_signal)
        for signum in STOP_SIGNALS
        if signal.getsignal(signum) is not signal.SIG_IGN
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _stopping.clear()


@contextmanager
def deferred_signals(stop: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold SIGINT and SIGTERM off during the block: a signal calls ``stop`` (which asks a
    solver to end early) and is raised as :class:`Interrupted` when the block ends.

    Without :func:`stop_on_signals` around it only Ctrl-C is held off (Python's own
    handler is replaced for the block); a handler someone else installed is left alone.
    """
    if not _main_thread():
        yield
        return
    own = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if own:
        signal.signal(signal.SIGINT, _on_signal)
    _deferred.append(stop)
    try:
        yield
    finally:
        _deferred.pop()
        if own:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        caught = [] if _deferred else _caught[:1]
        if not _deferred:
            _caught.clear()
    if caught:
        _stopping.append(caught[0])
        raise Interrupted(caught[0])
