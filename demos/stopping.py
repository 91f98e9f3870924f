"""Stop cleanly on Ctrl-C, on SIGTERM, and when the terminal is closed.

Inside `stoppable()`, the first SIGINT, SIGTERM or SIGHUP raises `Stopped`
where the command happens to be (waiting for a hanging pitfall, running the
fix, linting); the `finally` blocks on the way out contain the program's
session as usual. Further signals are ignored, so that nothing interrupts
the clean-up. `stoppable()` then finishes whatever was cut short
(`runner.sweep()`: sessions not contained yet, scratch folders) and the
command exits with the shell's code for the signal: 128 + its number (130
for SIGINT, 143 for SIGTERM, 129 for SIGHUP), without a traceback. A reader
that goes away (a closed pipe) ends it the same way, as SIGPIPE would (141).
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import Callable, Dict, List, Optional, Union

from . import runner
from .i18n import tr

__all__ = ["SIGNALS", "Stopped", "farewell", "stoppable"]

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

_Handler = Union[Callable[[int, Optional[FrameType]], object], int, None]


class Stopped(BaseException):
    """A signal asked the command to stop (a BaseException, like KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """What a shell reports for a process ended by this signal."""
        return 128 + self.signum


class _Handlers:
    def __init__(self) -> None:
        self.stopping: Optional[int] = None
        self.previous: Dict[int, _Handler] = {}

    def __call__(self, signum: int, frame: Optional[FrameType]) -> None:
        if self.stopping is not None:
            return  # already on the way out: let the clean-up finish
        self.stopping = signum
        raise Stopped(signum)

    def install(self) -> None:
        for signum in SIGNALS:
            try:
                self.previous[signum] = signal.signal(signum, self)
            except (OSError, ValueError):  # not the main thread, or not settable
                pass

    def restore(self) -> None:
        for signum, handler in self.previous.items():
            try:
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
            except (OSError, ValueError):
                pass


def stoppable(command: Callable[[], int], farewell: Optional[Callable[[int], str]] = None) -> int:
    """Run `command` (which returns an exit status); on a signal, clean up and
    return 128 + the signal's number. `farewell(signum)` is a line for
    standard error after Ctrl-C or SIGTERM (not after SIGHUP: the terminal
    is gone)."""
    handlers = _Handlers()
    handlers.install()
    stopped: Optional[int] = None
    try:
        try:
            return command()
        except Stopped as stop:
            stopped = stop.signum
        except KeyboardInterrupt:  # SIGINT before the handler, or re-raised by a library
            stopped = signal.SIGINT
        except BrokenPipeError:  # the reader went away (`mp-lint demo --list | head -1`)
            stopped = getattr(signal, "SIGPIPE", 13)
            farewell = None
        handlers.stopping = stopped
        runner.sweep()
        _say_goodbye(stopped, farewell)
        return 128 + stopped
    finally:
        if stopped is not None:
            _quiet_standard_streams()
        handlers.restore()


def _say_goodbye(signum: int, farewell: Optional[Callable[[int], str]]) -> None:
    if farewell is None or signum == getattr(signal, "SIGHUP", None):
        return
    lines: List[str] = ["", farewell(signum)]
    try:
        sys.stdout.flush()
        sys.stderr.write("\n".join(lines) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _quiet_standard_streams() -> None:
    """A closed terminal makes the exit-time flush fail: flush now, then
    point standard output and error at /dev/null."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    for fd in (1, 2):
        try:
            os.dup2(devnull, fd)
        except OSError:
            pass
    os.close(devnull)


def farewell(signum: int) -> str:
    """The line printed when a signal stops a demo or a run."""
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    return tr(
        f"stopped ({name}): every process it started is gone, its temporary files removed",
        f"已停止（{name}）：启动的进程已全部结束，临时文件已删除",
    )
