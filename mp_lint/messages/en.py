"""English messages: what fails, and what to do instead (under ~100 chars)."""

MESSAGES = {
    "MPL101": "{api} starts processes at import; children re-import this module: move under __main__ guard",
    "MPL102": "{function}() starts processes and runs at import; call it under if __name__ == '__main__'",
    "MPL103": "set_start_method({method!r}) at import raises RuntimeError in children; move under __main__ guard",
    "MPL201": "lambda sent to a worker via {api} cannot be pickled; use a module-level def",
    "MPL202": "{what} '{callable}' sent via {api} cannot be pickled; define it at module level",
    "MPL203": "{what} passed via {api} cannot be pickled; pass a path/parameters (a lock: mp.Lock via initargs=)",
    "MPL204": "multiprocessing {what} passed as a pool task argument fails; use initargs= or a Manager() proxy",
    "MPL205": "'{callable}' defined in this notebook does not exist in spawned children; import it from a .py file",
    "MPL301": "{what} opened in a worker is not closed on every path; use a with block",
    "MPL302": "initializer keeps a {what} for writing in a global with no Finalize: data is lost on terminate()",
    "MPL303": "{api} is never shut down on this path; use a with block or close()+join()/shutdown()",
    "MPL401": "result of {api} is never used: a worker's exception is silently lost; call .result()/.get()",
    "MPL402": "ProcessPoolExecutor.map() result is never iterated: worker exceptions are never raised",
    "MPL403": "{api} result not waited for before `with Pool()` ends: the pool is terminated; call .get()",
    "MPL501": "join() before draining the {what} the child writes to can deadlock; {drain}() the results first",
    "MPL601": "{what} is pickled again with every task; send it once via initializer=, or use Pool.map/chunksize=",
    "MPL602": "{api} over {size} items without chunksize: one pickle round-trip per item; pass chunksize=",
}

# Across modules: the finding is at a call that leads into another module.
ACROSS_MESSAGES = {
    "MPL101": "`{function}()` returns a started {api} ({where}) at import; children re-import this module: use the guard",
    "MPL102": "`{function}()` starts processes (`{api}` in {where}) and runs at import; call it under the __main__ guard",
    "MPL201": "lambda given to `{function}()`, which sends it to `{api}` in {where}: it cannot be pickled; use a def",
    "MPL202": "{what} '{callable}' given to `{function}()`, which sends it to `{api}` in {where}: define it at module level",
    "MPL205": "'{callable}' from this notebook goes to `{api}` in {where} via `{function}()`: children lack it; import it from a .py",
}
