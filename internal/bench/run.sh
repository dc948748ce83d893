#!/usr/bin/env bash
# Runs the comparison suite and writes RESULTS.md from its output: every Go
# benchmark COUNT times, python/bench.py when python3 is on the machine,
# benchstat over the lot, then cmd/results.
#
#   ./run.sh           full run: writes bench.txt and RESULTS.md here
#   ./run.sh -quick    go vet, then every benchmark once at a tiny size, for
#                      CI; writes nothing here (also BENCH_QUICK=1)
#
# Environment: COUNT (default 6), BENCHTIME (default 500ms), BENCHFLAGS
# (flags for the test binary, e.g. BENCHFLAGS=-sleep.tasks=100000).
set -euo pipefail
cd "$(dirname "$0")"

BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

quick=${BENCH_QUICK:-}
case "${1:-}" in
-quick | --quick) quick=1 ;;
"") ;;
*) echo "usage: $0 [-quick]" >&2; exit 2 ;;
esac
read -ra testflags <<<"${BENCHFLAGS:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "$quick" ]; then
	count=1 benchtime=1x pyflags=(--quick)
	testflags+=(-quick)
	raw=$work/bench.txt results=$work/RESULTS.md
	go vet ./...
else
	count=${COUNT:-6} benchtime=${BENCHTIME:-500ms} pyflags=(--count "$count")
	raw=bench.txt results=RESULTS.md
fi

# A failure is reported at the end, after RESULTS.md, which lists it. (go
# test exits 0 when a benchmark fails in any but the first of -count runs.)
status=0
go test -run '^$' -bench . -count "$count" -benchtime "$benchtime" -timeout 60m \
	./... -args "${testflags[@]}" | tee "$raw" || status=$?
if command -v python3 >/dev/null; then
	python3 python/bench.py "${pyflags[@]}" | tee -a "$raw"
else
	echo "run.sh: python3 not found; RESULTS.md will have no Python figures" >&2
fi

# Profiles of the procpool figures a run may miss, for RESULTS.md.
profiles=$work/profiles
mkdir -p "$profiles"
if [ -z "$quick" ]; then
	for bench in ProcRoundTrip ProcSubmit ProcMap CPU ProcPayload; do
		sub=lib=procpool
		[ "$bench" = ProcPayload ] && sub=size=1MB/lib=procpool
		go test -run '^$' -bench "^Benchmark$bench\$/$sub\$" -benchtime 2s \
			-cpuprofile "$profiles/$bench.prof" -o "$profiles/bench.test" . >/dev/null
		go tool pprof -top -nodecount 15 "$profiles/bench.test" "$profiles/$bench.prof" \
			2>/dev/null | sed -n '/flat%/,$p' >"$profiles/$bench.txt"
	done
fi

echo
go run "$BENCHSTAT" "$raw"
go run ./cmd/results -o "$results" -profiles "$profiles" "$raw"
echo "run.sh: wrote $results from $raw"
if [ "$status" != 0 ] || grep -q -- '--- FAIL' "$raw"; then
	echo "run.sh: FAIL: go test exited $status; failed benchmarks:" >&2
	grep -A1 -- '^--- FAIL' "$raw" >&2 || true
	exit 1
fi
