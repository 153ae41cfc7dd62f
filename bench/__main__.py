"""Run every benchmark, or the ones named: `python -m bench matching telegram`."""

from __future__ import annotations

import importlib
import sys

ALL = ("matching", "triage", "semantic", "language", "content_size", "telegram", "reminders")


def main(names: list[str]) -> int:
    for name in names or list(ALL):
        module = importlib.import_module(f"bench.{name}")
        module.main()
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
