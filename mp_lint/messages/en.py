"""English messages: what fails, and what to do instead (under ~100 chars)."""

MESSAGES = {
    "MPL101": "{api} starts processes at import; children re-import this module: move under __main__ guard",
    "MPL102": "{function}() starts processes and runs at import; call it under if __name__ == '__main__'",
    "MPL103": "set_start_method({method!r}) at import raises RuntimeError in children; move under __main__ guard",
    "MPL201": "lambda sent to a worker via {api} cannot be pickled; use a module-level def",
    "MPL202": "{what} '{callable}' sent via {api} cannot be pickled; define it at module level",
}
