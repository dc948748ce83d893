#!/usr/bin/env python3
"""examples/logscan's scan in Python, for a baseline on the same log.

A multiprocessing.Pool of workers; each task is a byte range of the file
(path, offset, length), which the worker opens, seeks to and reads itself,
so that no log data passes between processes. Each line goes through the
same regular expression as requestLine in examples/logscan/parse.go, and
the tally is the same: lines, requests, and failed requests by error code
and by "METHOD normalized-path", where numeric path segments become ":id".

    python3 logscan.py PATH [--workers 2] [--chunk 2MB]

It prints one line of figures, then the ten most frequent error codes as
the Go program does. The seconds run from the first task handed to the
pool to the last tally merged; starting the pool is not counted.
"""

import argparse
import multiprocessing as mp
import os
import re
import sys
import time
from collections import Counter

# requestLine of examples/logscan/parse.go, on bytes. Go's \d is [0-9] and
# its \s is [\t\n\f\r ]; Python's \s also takes \v, so \S is spelled out.
REQUEST_LINE = re.compile(
    rb"^[0-9]{4}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]{3}Z "
    rb"(INFO|WARN|ERROR) +req=[0-9a-f]+ "
    rb"(GET|POST|PUT|DELETE) (/[^\t\n\f\r ]*) status=([0-9]{3}) bytes=[0-9]+ "
    rb"dur=[0-9]+ms(?: err=(E[0-9]{4}))?"
)

READ_AHEAD = 64 << 10


def read_range(path, offset, length):
    """Returns the whole lines that belong to the range.

    A range starts after the first newline at or past its offset, unless
    the offset is 0, and runs through the first newline at or after
    offset+length (or to the end of the file). The next range starts
    after that same newline, so the ranges of consecutive offsets cover
    every line once.
    """
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
        if len(data) == length:  # not at the end of the file
            rest = []
            while True:
                more = f.read(READ_AHEAD)
                i = more.find(b"\n")
                if i >= 0:
                    rest.append(more[: i + 1])
                    break
                rest.append(more)
                if not more:
                    break
            data += b"".join(rest)
    if offset > 0:
        i = data.find(b"\n")
        data = data[i + 1 :] if i >= 0 else b""
    return data


def normalize(path):
    """Replaces the numeric segments of path with ':id'."""
    return b"/".join(b":id" if s.isdigit() else s for s in path.split(b"/"))


def scan_range(task):
    """Tallies the lines of one range: (bytes, lines, requests, errors)."""
    data = read_range(*task)
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()  # after the last newline, or an empty range
    requests = 0
    errors = {}
    match = REQUEST_LINE.match
    for line in lines:
        m = match(line)
        if m is None:
            continue
        requests += 1
        code = m.group(5)
        if code is not None:
            by_endpoint = errors.get(code)
            if by_endpoint is None:
                by_endpoint = errors[code] = Counter()
            by_endpoint[m.group(2) + b" " + normalize(m.group(3))] += 1
    return len(data), len(lines), requests, errors


def parse_size(s):
    """Reads 2MB, 64KB, 1GB or a number of bytes, in powers of 1000."""
    units = {"GB": 10**9, "MB": 10**6, "KB": 10**3, "B": 1}
    s = s.strip().upper()
    for unit, n in units.items():
        if s.endswith(unit):
            return int(float(s[: -len(unit)]) * n)
    return int(s)


def commas(n):
    return f"{n:,}"


def print_codes(errors, requests, n=10):
    """Prints the n most frequent codes as examples/logscan's report does."""
    rows = []
    for code, by_endpoint in errors.items():
        endpoint, most = min(by_endpoint.items(), key=lambda e: (-e[1], e[0]))
        rows.append((sum(by_endpoint.values()), code, endpoint, most))
    failed = sum(r[0] for r in rows)
    rows.sort(key=lambda r: (-r[0], r[1]))
    rows = rows[:n]
    print(f"\ntop {len(rows)} error codes of {commas(failed)} failed requests ({commas(requests)} requests in all)")
    table = [("code", "count", "share", "most often from")]
    for count, code, endpoint, most in rows:
        text = endpoint.decode("utf-8", "replace")
        table.append((code.decode(), commas(count), f"{100 * count / failed:.1f}%", f"{text} ({commas(most)})"))
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    for r in table:
        print("   ".join(c.ljust(w) for c, w in zip(r, widths)) + "   " + r[3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", default="2MB", help="bytes per task, such as 2MB")
    args = ap.parse_args()
    size = os.path.getsize(args.path)
    chunk = parse_size(args.chunk)
    if chunk <= 0 or args.workers < 1:
        sys.exit("logscan.py: need a positive --chunk and --workers")
    tasks = [(args.path, off, chunk) for off in range(0, size, chunk)]

    nbytes = lines = requests = 0
    errors = {}
    with mp.Pool(args.workers) as pool:
        start = time.perf_counter()
        for b, n, r, errs in pool.imap_unordered(scan_range, tasks):
            nbytes, lines, requests = nbytes + b, lines + n, requests + r
            for code, by_endpoint in errs.items():
                errors.setdefault(code, Counter()).update(by_endpoint)
        seconds = time.perf_counter() - start

    failed = sum(sum(c.values()) for c in errors.values())
    print(
        f"python-mp workers={args.workers} bytes={nbytes} lines={lines} requests={requests} "
        f"errors={failed} seconds={seconds:.2f} MB/s={nbytes / 1e6 / seconds:.0f}"
    )
    print_codes(errors, requests)


if __name__ == "__main__":
    main()
