"""How fast does a cached run come back? (issue: "< 0.5 s beyond interpreter and import start")

Trains one tiny run through ``explorer run specialization … --json`` into a fresh store, then repeats the
identical command and times it as a subprocess. The baseline is the same interpreter doing only the
imports (``python -c "import explorer.cli"``); a second baseline also imports what serving a cached run
must import (torch, xarray, netCDF4, safetensors), to show where the remaining time goes.

    python benchmarks/bench_store.py [--repeats 7] [--store DIR] [-- extra run flags]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time

RUN_FLAGS = ["--n", "4", "--epochs", "1", "--pairs-per-epoch", "256", "--seeds", "2"]
HEAVY = ("import explorer.cli, explorer.store, explorer.core.result, torch, xarray, netCDF4, safetensors.torch, "
         "filelock, dask.array")  # xarray imports dask.array on its first array operation whenever dask is installed
#: in one process: do the imports, then time the cached command itself, several times
IN_PROCESS = HEAVY + """
import contextlib, io, json, statistics, sys, time
from explorer.cli import main
argv, times = json.loads(sys.argv[1]), []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        main(argv)
    times.append(time.perf_counter() - t0)
    assert json.loads(out.getvalue().splitlines()[-1])["cached"] is True
print(json.dumps(times))
"""


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench_store: {' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed, proc.stdout


def median_of(cmd: list[str], repeats: int) -> float:
    return statistics.median(timed(cmd)[0] for _ in range(repeats))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--store", help="store folder (default: a fresh temporary one)")
    ap.add_argument("flags", nargs="*", help="run flags (default: a tiny run)")
    args = ap.parse_args(argv)
    flags = args.flags or RUN_FLAGS
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or tmp
        run = [sys.executable, "-m", "explorer.cli", "--store", store, "run", "specialization", *flags, "--json"]
        first_s, out = timed(run)
        first = json.loads(out.strip().splitlines()[-1])
        timed(run)  # warm the OS file cache the way a second request finds it
        cached_s = []
        for _ in range(args.repeats):
            s, out = timed(run)
            doc = json.loads(out.strip().splitlines()[-1])
            if doc.get("cached") is not True:
                sys.exit('bench_store: the repeated run did not report "cached": true.')
            cached_s.append(s)
        cached = statistics.median(cached_s)
        start = median_of([sys.executable, "-c", "import explorer.cli"], args.repeats)
        heavy = median_of([sys.executable, "-c", HEAVY], args.repeats)
        _, out = timed([sys.executable, "-c", IN_PROCESS, json.dumps(run[3:]), str(args.repeats)])
        inproc = json.loads(out.strip().splitlines()[-1])
    print(f"config: {' '.join(flags)}  (key {first.get('key')}, first run {first_s:.2f} s, "
          f"cached={first.get('cached')})")
    print(f"cached run, whole command (median of {args.repeats}):   {cached:.3f} s")
    print(f"python -c 'import explorer.cli':                   {start:.3f} s")
    print(f"  + torch, xarray, dask.array, netCDF4, safetensors: {heavy:.3f} s")
    print(f"cached return beyond interpreter + explorer.cli:   {cached - start:.3f} s  (target < 0.5 s)")
    print(f"cached return beyond all imports it needs:         {cached - heavy:.3f} s  (difference of medians)")
    print(f"in one process after those imports, main([...]):   first {inproc[0]:.3f} s, "
          f"median {statistics.median(inproc):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
