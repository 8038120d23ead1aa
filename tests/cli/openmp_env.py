#!/usr/bin/env python3
"""The CLI keeps the user's OpenMP thread placement.

Usage: openmp_env.py ONYX
onyx re-executes itself once to give libgomp its spin count. libgomp pins the initial thread
when it loads if OMP_PROC_BIND (or OMP_PLACES, GOMP_CPU_AFFINITY) is set, and an exec keeps that
pinning, so a re-executed process would see one CPU and run every thread on it. With binding
asked for, the program must therefore start once, and libgomp must see every place.
OMP_DISPLAY_ENV=true makes libgomp print its settings each time it starts.
"""
import os
import subprocess
import sys


def main():
    onyx = os.path.abspath(sys.argv[1])
    cpus = len(os.sched_getaffinity(0))
    for bind in ({"OMP_PROC_BIND": "spread", "OMP_PLACES": "cores"}, {"OMP_PROC_BIND": "true"},
                 {"GOMP_CPU_AFFINITY": "0-%d" % (cpus - 1)}):
        env = dict(os.environ, OMP_DISPLAY_ENV="true", **bind)
        for k in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY"):
            env.pop(k, None)
        r = subprocess.run([onyx, "peak", "--threads", "1"], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"FAIL: onyx peak with {bind} exits {r.returncode}: {r.stderr}")
        starts = r.stderr.count("OPENMP DISPLAY ENVIRONMENT BEGIN")
        if starts != 1:
            sys.exit(f"FAIL: with {bind}, libgomp started {starts} times (re-executed)")
        places = [l for l in r.stderr.splitlines() if "OMP_PLACES" in l]
        if cpus > 1 and "OMP_PLACES" in str(bind) and not any("," in l for l in places):
            sys.exit(f"FAIL: with {bind}, libgomp sees one place: {places}")
    # Without any binding the spin count is set by one re-execution.
    env = dict(os.environ, OMP_DISPLAY_ENV="verbose")
    for k in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY", "OMP_PROC_BIND", "OMP_PLACES", "GOMP_CPU_AFFINITY"):
        env.pop(k, None)
    r = subprocess.run([onyx, "peak", "--threads", "1"], env=env, capture_output=True, text=True)
    if r.returncode != 0 or "GOMP_SPINCOUNT = '100000'" not in r.stderr:
        sys.exit(f"FAIL: without binding, the re-executed onyx should run with GOMP_SPINCOUNT "
                 f"100000: {r.stderr[-600:]}")
    print("ok")


if __name__ == "__main__":
    main()
