"""`python -m mp_lint`: the mp-lint command."""

from mp_lint.cli import main

main()
