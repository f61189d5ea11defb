#!/usr/bin/env bash
# Diff benchmark: two processes with N mappings each (bench/mkmaps.c),
# snapshotted (a1, a2: the same process twice; b: a second run, so every
# address differs), then timed in one run, interleaved round by round:
#
#   cat           cat a1.vms b.vms: reading the two files, the floor
#   read -x       vmscope -x a1.vms: one snapshot inflated, decoded and
#                 printed, for scale
#   diff same     vmscope diff a1.vms a2.vms   (nothing moved)
#   diff runs     vmscope diff b.vms a1.vms    (ASLR: nothing at the same
#                 address; matched by module offset, size, neighbours)
#   diff json     vmscope diff --json b.vms a1.vms
#
# and print the medians, the ratios to cat and to read -x, and the peak
# RSS of diff runs against read -x.  Target: diff runs <= 100 ms at
# N = 60000; peak RSS linear (about twice read -x: two maps in memory).
#
#   bench/diff.sh [N...]           default N: 60000
#   env: VMSCOPE  the binary (default: build/vmscope under the repo root)
#        RUNS     timed runs per command, median taken (default 11, >= 5)
#        WARMUP   untimed rounds first (default 2)
#        CC       compiler for mkmaps (default cc)
#
# Exit status: 0 when every figure was measured (met or not), 1 on a
# failure, 2 on a usage error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-11}
warmup=${WARMUP:-2}
cc=${CC:-cc}
vmscope=${VMSCOPE:-$root/build/vmscope}
ns=("$@")
[[ ${#ns[@]} -gt 0 ]] || ns=(60000)

die() { echo "diff.sh: $*" >&2; exit 1; }
[[ $runs =~ ^[0-9]+$ && $runs -ge 5 ]] ||
	{ echo "diff.sh: RUNS must be a number >= 5" >&2; exit 2; }
[[ $warmup =~ ^[0-9]+$ ]] ||
	{ echo "diff.sh: WARMUP must be a number" >&2; exit 2; }
for n in "${ns[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] ||
		{ echo "diff.sh: $n: not a mapping count" >&2; exit 2; }
done
[[ -x $vmscope ]] || die "$vmscope: not built (or set VMSCOPE)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-diffbench.XXXXXX")
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	exec 3>&- 4>&- 2>/dev/null || true
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$cc" -std=c11 -O2 -o "$tmp/mkmaps" "$root/bench/mkmaps.c" ||
	die "cannot build bench/mkmaps.c"

# mkmaps N on fifo K; its pid goes to pids.
start_target() {
	local n=$1 k=$2 i
	rm -f "$tmp/fifo$k" "$tmp/ready$k"
	mkfifo "$tmp/fifo$k"
	"$tmp/mkmaps" "$n" <"$tmp/fifo$k" >"$tmp/ready$k" &
	pids+=($!)
	eval "exec $((k + 3))>\"\$tmp/fifo$k\""
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready ' "$tmp/ready$k" 2>/dev/null && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || die "mkmaps $n exited"
		sleep 0.1
	done
	die "mkmaps $n not ready after 60 s"
}

stop_targets() {
	exec 3>&- 4>&-
	for p in "${pids[@]}"; do
		wait "$p" || die "mkmaps exited with status $?"
	done
	pids=()
}

# Peak RSS in KiB; diff's status 1 (differences) is success here.
peakrss() {
	local st=0
	/usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null || st=$?
	((st <= 1)) || die "$* failed ($st)"
	tail -n 1 "$tmp/rss"
}

# Run a diff whose status may be 1.
vdiff() { "$vmscope" diff "$@" >/dev/null || (($? == 1)); }

median() {
	sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f\n", m / 1e6 }'
}

[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed"
printf '%7s %8s %8s %9s %9s %9s %9s %9s %10s %9s\n' N "cat ms" "read -x" \
	"diff same" "diff runs" "diff json" "runs/cat" "runs/read" \
	"RSS runs K" "RSS/read"
for n in "${ns[@]}"; do
	start_target "$n" 0
	start_target "$n" 1
	a=$tmp/a1.vms a2=$tmp/a2.vms b=$tmp/b.vms
	nmaps=$(wc -l <"/proc/${pids[0]}/maps")
	"$vmscope" snapshot -q -f -o "$a" "${pids[0]}" || die "snapshot failed"
	"$vmscope" snapshot -q -f -o "$a2" "${pids[0]}" || die "snapshot failed"
	"$vmscope" snapshot -q -f -o "$b" "${pids[1]}" || die "snapshot failed"
	stop_targets
	# Check once: the diff sees every mapping of both.
	"$vmscope" diff --json "$b" "$a" >"$tmp/d.json" || (($? == 1)) ||
		die "vmscope diff --json failed"
	regions=$(python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["totals"]["regions"]
print(min(t["a"], t["b"]))' "$tmp/d.json") || die "diff JSON unreadable"
	((regions >= nmaps - 5)) || die "diff saw $regions regions of $nmaps"
	rm -f "$tmp"/t.*
	for ((r = -warmup; r < runs; r++)); do
		t0=$(date +%s%N)
		cat "$a" "$b" >/dev/null
		t1=$(date +%s%N)
		"$vmscope" -x "$a" >/dev/null
		t2=$(date +%s%N)
		vdiff -q "$a" "$a2"
		t3=$(date +%s%N)
		vdiff -q "$b" "$a"
		t4=$(date +%s%N)
		vdiff --json "$b" "$a"
		t5=$(date +%s%N)
		if ((r >= 0)); then
			echo $((t1 - t0)) >>"$tmp/t.cat"
			echo $((t2 - t1)) >>"$tmp/t.read"
			echo $((t3 - t2)) >>"$tmp/t.same"
			echo $((t4 - t3)) >>"$tmp/t.runs"
			echo $((t5 - t4)) >>"$tmp/t.json"
		fi
	done
	rss_read=$(peakrss "$vmscope" -x "$a")
	rss_runs=$(peakrss "$vmscope" diff -q "$b" "$a")
	awk -v n="$nmaps" -v c="$(median <"$tmp/t.cat")" \
	    -v rd="$(median <"$tmp/t.read")" -v s="$(median <"$tmp/t.same")" \
	    -v u="$(median <"$tmp/t.runs")" -v j="$(median <"$tmp/t.json")" \
	    -v rr="$rss_read" -v ru="$rss_runs" 'BEGIN {
		printf "%7d %8.2f %8.2f %9.2f %9.2f %9.2f %9.2f %9.2f %10d %9.2f\n",
		    n, c, rd, s, u, j, u / c, u / rd, ru, ru / rr
		printf "diff runs at N = %d: %.2f ms (target <= 100): %s\n",
		    n, u, u <= 100 ? "ok" : "MISS" }'
done
echo "medians of $runs runs (ms); N counts every mapping of one process" \
	"(mkmaps' own included); RSS in KiB (GNU time)"
