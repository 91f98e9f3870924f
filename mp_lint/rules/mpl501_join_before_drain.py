"""MPL501 join-before-drain."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.channels import undrained_joins
from mp_lint.rules.base import Report, Rule


class JoinBeforeDrain(Rule):
    """What it does:
    Flags `p.join()` on a `multiprocessing.Process` whose child puts into a
    `multiprocessing` Queue, SimpleQueue, JoinableQueue or Pipe connection
    received through `args=`/`kwargs=` (or a `Process` subclass's
    `__init__`), when the parent has not read from that channel before the
    join: the `get()`/`recv()` comes after it, or never. Processes joined in
    `for p in procs:` are followed to the list they come from (a
    comprehension, a literal or `procs.append(Process(...))`). A channel
    handed to a consumer `Process` is drained only once that process is
    started: `p1.start(); p1.join(); p2.start()`, where `p2` reads what `p1`
    writes, is flagged on `p1.join()`.

    Why is this bad?
    A child that has put data waits, before it exits, until the data has
    been written into the underlying OS pipe (the Queue's feeder thread; a
    Pipe's `send` blocks directly). Once the pipe is full it waits for the
    parent to read, while the parent waits in `join()` for the child:
    deadlock. Small payloads fit in the buffer, which is why this passes
    tests (observed: a Queue hangs at 100 KB, a default Pipe at 500 KB, a
    SimpleQueue at 200 KB).

    Not reported: `Manager().Queue()` proxies (they never block the child),
    `queue.Queue`, `join(timeout)`, a join after `terminate()`/`kill()`,
    children that call `cancel_join_thread()`. Deliberately silent when the
    analysis cannot tell: the parent touches the channel before the join in
    any way other than writing or closing it (passes it to a function, a
    thread or a reading process), the channel is a global or a parameter
    (another function may drain it), or the child is out of sight (a method
    or `partial` as target, a function of another module, a child that
    passes the channel on).

    Example:
        q = Queue()
        p = Process(target=produce, args=(q,))
        p.start()
        p.join()
        data = q.get()

    Use instead:
        q = Queue()
        p = Process(target=produce, args=(q,))
        p.start()
        data = q.get()
        p.join()

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL501"
    name = "join-before-drain"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for site, channel in undrained_joins(model):
            yield self.report(site.node, what=channel, drain="recv" if channel == "Pipe" else "get")
