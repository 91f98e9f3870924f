"""English messages: what fails, and what to do instead (under ~100 chars)."""

MESSAGES = {
    "MPL101": "{api} starts processes at import; children re-import this module: move under __main__ guard",
    "MPL102": "{function}() starts processes and runs at import; call it under if __name__ == '__main__'",
    "MPL103": "set_start_method({method!r}) at import raises RuntimeError in children; move under __main__ guard",
    # MPL104, MPL206, MPL304: what fails at the process boundary.
    "MPL104": "{what} at import runs again in each spawned child ({error}); move it under __main__ guard",
    "MPL206": "{exception} cannot be unpickled in the parent (Pool.map hangs); pass all __init__ args to super()",
    "MPL304": "{api} in a daemonic worker fails (no children allowed); make the outer pool a ProcessPoolExecutor",
    "MPL201": "lambda sent to a worker via {api} cannot be pickled; use a module-level def",
    "MPL202": "{what} '{callable}' sent via {api} cannot be pickled; define it at module level",
    "MPL203": "{what} passed via {api} cannot be pickled; pass a path/parameters (a lock: mp.Lock via initargs=)",
    "MPL204": "multiprocessing {what} passed as a pool task argument fails; use initargs= or a Manager() proxy",
    "MPL205": "'{callable}' defined in this notebook does not exist in spawned children; import it from a .py file",
    "MPL301": "{what} opened in a worker is not closed on every path; use a with block",
    "MPL302": "initializer keeps a {what} for writing in a global with no Finalize: data is lost on terminate()",
    "MPL303": "{api} {where}; use a with block or close()+join()/shutdown()",
    "MPL401": "result of {api} is never used: a worker's exception is silently lost; call .result()/.get()",
    "MPL402": "ProcessPoolExecutor.map() result is never iterated: worker exceptions are never raised",
    "MPL403": "{api} result not waited for before `with Pool()` ends: the pool is terminated; call .get()",
    "MPL501": "join() before draining the {what} the child writes to can deadlock; {drain}() the results first",
    "MPL601": "{what} is pickled again with every task; send it once via initializer=, or use Pool.map/chunksize=",
    "MPL602": "{api} over {size} items without chunksize: one pickle round-trip per item; pass chunksize=",
    "MPL701": "worker {how} global '{name}' only in its own process; the parent never sees it: return the result",
    "MPL702": "'{name}' is set only under the __main__ guard: spawned workers never see it; pass it as an argument",
    "MPL703": "module-level {what} '{name}' is a new object in each spawned child; make it under __main__, pass it",
    "MPL704": "{target} is read, changed and written without a lock: processes lose updates; use {lock}",
    "MPL705": "item read from a Manager {proxy} is a copy: this change is lost; store it back or nest a proxy",
}

#: Other text the command prints: read errors and the reasons inside them.
TEXTS = {
    "cannot_read": "cannot read {path}: {reason}",
    "no_such_file": "no such file or directory",
    "is_a_directory": "it is a folder",
    "permission_denied": "permission denied",
    "os_error": "{error}",
    "bad_encoding": "not valid {encoding} text (byte {position})",
    "unknown_encoding": "{error}",
    "syntax_error": "syntax error at line {line}: {error}",
    "notebook_invalid_json": "not a notebook (invalid JSON: {detail})",
    "notebook_no_cells": "not a notebook (no list of cells)",
    "notebook_format": "unsupported notebook format {format}; nbformat 4 is read",
    "notebook_error": "{error}",
}
