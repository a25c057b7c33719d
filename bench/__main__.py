"""`python -m bench`: every benchmark in one run, each printing its table, pmbot beside the bare Bolt app.

    .venv/bin/python -m bench                  # both databases, the README's figures (about 25 minutes on 2 cores)
    .venv/bin/python -m bench --db sqlite      # one database
    .venv/bin/python -m bench --quick          # fewer requests and a shorter week: a check that all of it runs

In order: `bench.production` (slash commands acknowledged and answered, beside the bare Bolt app; memory; the
delivery drain), `bench.standups` (the stand-up tick at 10,000 participants), `bench.raid` (search at 100,000
decisions, beside the bare app) and `bench.reads` (App Home, status and digest at 2,000 items). Exit status 1 if
any of them failed a sanity check.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence

FULL = {
    "bench.production": [],
    "bench.standups": ["--days", "1", "--burst-days", "1"],
    "bench.raid": [],
    "bench.reads": [],
}
QUICK = {
    "bench.production": ["--requests", "200", "--scheduler-seconds", "3", "--messages", "1000", "--failures", "20"],
    "bench.standups": ["--days", "1", "--participants", "2000", "--standups", "8"],
    "bench.raid": ["--decisions", "10000", "--risks", "1000", "--requests", "100"],
    "bench.reads": ["--items", "500", "--requests", "10"],
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Every benchmark in one run.")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="fewer requests, a smaller week: does it all run")
    args = parser.parse_args(argv)
    failed, started = [], time.monotonic()
    for module, options in (QUICK if args.quick else FULL).items():
        print(f"\n==== {module} {' '.join(options)} --db {args.db}\n", flush=True)
        status = importlib.import_module(module).main([*options, "--db", args.db])
        if status:
            failed.append(module)
    print(f"\n==== all benchmarks in {time.monotonic() - started:.0f}s; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
