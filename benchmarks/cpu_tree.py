"""Run a command and print its wall time and the CPU time of its whole process tree.

Usage: python benchmarks/cpu_tree.py COMMAND [ARG...]
  e.g. python benchmarks/cpu_tree.py .venv/bin/tracker ingest ../shared/corpus --no-ocr -q

`time` misses the CPU of processes whose parent exits without waiting for them (a forkserver
and the ingest workers it forks); here this process becomes their "subreaper" (Linux only), so
orphans are reparented to it and their CPU counts.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    if not sys.platform.startswith("linux"):
        print("cpu_tree.py needs Linux (prctl PR_SET_CHILD_SUBREAPER)", file=sys.stderr)
        return 2
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    start = time.monotonic()
    code = subprocess.call(argv)
    while True:  # reap every orphan of the tree, so its CPU joins RUSAGE_CHILDREN
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"wall {time.monotonic() - start:.2f} s, CPU {usage.ru_utime + usage.ru_stime:.2f} s "
          f"(user {usage.ru_utime:.2f}, system {usage.ru_stime:.2f})", file=sys.stderr)  # fmt: skip
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
