#!/usr/bin/env python3
"""Python's concurrent.futures and multiprocessing on poolkit's workloads.

Prints Go benchmark lines (BenchmarkProcRoundTrip/lib=python-ppe-2 500
300000 ns/op) under the same names and units as the Go suite, so benchstat
and cmd/results read them beside poolkit's figures.

    python3 bench.py [--count N] [--quick]
"""

import argparse
import concurrent.futures as cf
import multiprocessing as mp
import os
import signal
import sys
import time
import zlib
from multiprocessing import shared_memory

PROCS = os.cpu_count() or 1


def tiny(x):
    return 2 * x + 1


def sum_squares(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def echo(b):
    return b


_started = None
_attached = None  # the shared memory a worker attached to, by name


def crc_shared(name, off, n):
    """Returns the CRC-32 of n bytes at off of the named shared memory,
    attaching to it at the first call in this worker process."""
    global _attached
    if _attached is None or _attached.name != name:
        _attached = shared_memory.SharedMemory(name=name)
    return zlib.crc32(_attached.buf[off:off + n])


def set_started(event):
    global _started
    _started = event


def block():
    _started.set()
    time.sleep(3600)


def report(name, n, **metrics):
    """Prints one Go benchmark line; metrics maps unit to value."""
    units = {"ns_op": "ns/op", "tasks_s": "tasks/s", "MB_s": "MB/s"}
    fields = " ".join(f"{v:.6g} {units.get(k, k)}" for k, v in metrics.items())
    print(f"Benchmark{name}-{PROCS} {n} {fields}", flush=True)


def timed(fn, reps):
    """Returns the mean seconds of reps calls of fn."""
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def per_item(name, n, seconds):
    report(name, n, ns_op=seconds / n * 1e9, tasks_s=n / seconds)


def round_trip(size):
    with cf.ProcessPoolExecutor(max_workers=1) as ex:
        ex.submit(tiny, 0).result()
        s = timed(lambda: ex.submit(tiny, 1).result(), size["rt"])
        report("ProcRoundTrip/lib=python-ppe", size["rt"], ns_op=s * 1e9)


def submit(size):
    """Submits tasks one by one, up to 1000 outstanding, like the Go suite."""
    n = size["submit"]
    with cf.ProcessPoolExecutor() as ex:
        ex.submit(tiny, 0).result()
        start = time.perf_counter()
        for lo in range(0, n, 1000):
            fs = [ex.submit(tiny, i) for i in range(lo, min(n, lo + 1000))]
            for f in fs:
                f.result()
        per_item("ProcSubmit/lib=python-ppe", n, time.perf_counter() - start)


def map_tiny(size):
    with cf.ProcessPoolExecutor() as ex:
        list(ex.map(tiny, range(100)))
        n = size["chunk1"]
        s = timed(lambda: list(ex.map(tiny, range(n), chunksize=1)), 1)
        per_item("ProcMap/lib=python-ppe-chunk1", n, s)
        n = size["map"]
        chunk = max(1, n // (4 * PROCS))
        s = timed(lambda: list(ex.map(tiny, range(n), chunksize=chunk)), 1)
        per_item("ProcMap/lib=python-ppe-chunked", n, s)
    with mp.Pool() as p:
        s = timed(lambda: p.map(tiny, range(n)), 1)
        per_item("ProcMap/lib=python-mp", n, s)


def cpu(size):
    """8 equal CPU-bound tasks; only the speedup compares with Go."""
    ins = [size["cpu"]] * 8
    base = min(timed(lambda: [sum_squares(x) for x in ins], 1) for _ in range(3))
    reps = size["cpu_reps"]
    with cf.ProcessPoolExecutor() as ex:
        list(ex.map(sum_squares, ins))
        s = timed(lambda: list(ex.map(sum_squares, ins)), reps)
        report("CPU/lib=python-ppe", reps, speedup=base / s)
    with mp.Pool() as p:
        s = timed(lambda: p.map(sum_squares, ins, chunksize=1), reps)
        report("CPU/lib=python-mp", reps, speedup=base / s)


def payload(size):
    with cf.ProcessPoolExecutor(max_workers=1) as ex:
        for name, n, reps in (("1KB", 1 << 10, size["kb"]), ("1MB", 1 << 20, size["mb"]), ("16MB", 16 << 20, size["mb16"])):
            msg = b"x" * n
            ex.submit(echo, msg).result()
            s = timed(lambda: ex.submit(echo, msg).result(), reps)
            report(f"ProcPayload/size={name}/lib=python-ppe", reps, ns_op=s * 1e9, MB_s=n / s / 1e6)


def shared(size):
    """One worker reads a 1 MB part of a 64 MB shared memory, a different
    part each op, and returns its CRC-32, as BenchmarkProcShared does; the
    input is the name and an offset. python-sequential is the same read in
    this process: zlib's CRC-32 and Go's differ in speed."""
    n, parts, reps = 1 << 20, size["shared_mb"], size["shared"]
    shm = shared_memory.SharedMemory(create=True, size=parts * n)
    try:
        shm.buf[:] = os.urandom(parts * n)
        want = [zlib.crc32(shm.buf[k * n:(k + 1) * n]) for k in range(parts)]
        with cf.ProcessPoolExecutor(max_workers=1) as ex:
            ins = [(shm.name, k * n, n) for k in range(parts)]
            if list(ex.map(crc_shared, *zip(*ins))) != want:  # attaches, faults every page in
                sys.exit("bench.py: shared: wrong CRC-32 from the worker")
            start = time.perf_counter()
            for i in range(reps):
                if ex.submit(crc_shared, *ins[i % parts]).result() != want[i % parts]:
                    sys.exit("bench.py: shared: wrong CRC-32 from the worker")
            s = (time.perf_counter() - start) / reps
            report("ProcShared/size=1MB/lib=python-shm", reps, ns_op=s * 1e9, MB_s=n / s / 1e6)
        rounds = reps // parts + 1
        s = timed(lambda: [zlib.crc32(shm.buf[k * n:(k + 1) * n]) for k in range(parts)], rounds) / parts
        report("ProcShared/size=1MB/lib=python-sequential", rounds * parts, ns_op=s * 1e9, MB_s=n / s / 1e6)
    finally:
        shm.close()
        shm.unlink()


def spawn(size):
    """A new executor of one worker until its first result; shutdown untimed."""
    for method in ("fork", "spawn"):
        total, reps = 0.0, size["spawn"]
        for _ in range(reps):
            start = time.perf_counter()
            ex = cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context(method))
            ex.submit(tiny, 1).result()
            total += time.perf_counter() - start
            ex.shutdown()
        report(f"Spawn/lib=python-{method}", reps, ns_op=total / reps * 1e9)


def kill(size):
    """SIGKILL the worker running a task; time until its future fails."""
    ctx = mp.get_context("fork")
    total, reps = 0.0, size["kill"]
    for _ in range(reps):
        started = ctx.Event()
        ex = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx,
                                    initializer=set_started, initargs=(started,))
        f = ex.submit(block)
        if not started.wait(10):
            sys.exit("bench.py: the blocking task never started")
        pid = next(iter(ex._processes))  # no public way to name the worker
        start = time.perf_counter()
        os.kill(pid, signal.SIGKILL)
        f.exception()  # BrokenProcessPool: the whole executor is now unusable
        total += time.perf_counter() - start
        ex.shutdown()
    report("ProcKill/lib=python-ppe", reps, ns_op=total / reps * 1e9)


FULL = dict(rt=500, submit=3000, chunk1=3000, map=300_000, cpu=300_000, cpu_reps=3,
            kb=300, mb=30, mb16=5, shared_mb=64, shared=1000, spawn=3, kill=5)
QUICK = dict(rt=5, submit=50, chunk1=50, map=1000, cpu=3000, cpu_reps=1,
             kb=2, mb=1, mb16=1, shared_mb=4, shared=4, spawn=1, kill=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1, help="repeat every benchmark N times")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, to check nothing rotted")
    args = ap.parse_args()
    size = QUICK if args.quick else FULL
    print(f"# python {sys.version.split()[0]}, {PROCS} CPUs", flush=True)
    for _ in range(args.count):
        for bench in (round_trip, submit, map_tiny, cpu, payload, shared, spawn, kill):
            bench(size)


if __name__ == "__main__":
    main()
