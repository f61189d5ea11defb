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

prog=diff.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-11}
warmup=${WARMUP:-2}
cc=${CC:-cc}
vmscope=${VMSCOPE:-$root/build/vmscope}
ns=("$@")
[[ ${#ns[@]} -gt 0 ]] || ns=(60000)

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
check_counts 5
check_ns "${ns[@]}"
[[ -x $vmscope ]] || die "$vmscope: not built (or set VMSCOPE)"

make_tmp diffbench
build mkmaps -std=c11 -O2

# Peak RSS in KiB; diff's status 1 (differences) is success here.
peakrss() {
	local st=0
	/usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null || st=$?
	((st <= 1)) || die "$* failed ($st)"
	tail -n 1 "$tmp/rss"
}

# Run a diff whose status may be 1.
vdiff() { "$vmscope" diff "$@" >/dev/null || (($? == 1)); }

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
	names=("cat" "read -x" "diff same" "diff runs" "diff json")
	cmds=("cat $a $b" "$vmscope -x $a" "vdiff -q $a $a2" "vdiff -q $b $a"
	    "vdiff --json $b $a")
	time_rounds
	rss_read=$(peakrss "$vmscope" -x "$a")
	rss_runs=$(peakrss "$vmscope" diff -q "$b" "$a")
	awk -v n="$nmaps" -v c="$(median '%.2f\n' <"$tmp/t.0")" \
	    -v rd="$(median '%.2f\n' <"$tmp/t.1")" \
	    -v s="$(median '%.2f\n' <"$tmp/t.2")" \
	    -v u="$(median '%.2f\n' <"$tmp/t.3")" \
	    -v j="$(median '%.2f\n' <"$tmp/t.4")" \
	    -v rr="$rss_read" -v ru="$rss_runs" 'BEGIN {
		printf "%7d %8.2f %8.2f %9.2f %9.2f %9.2f %9.2f %9.2f %10d %9.2f\n",
		    n, c, rd, s, u, j, u / c, u / rd, ru, ru / rr
		printf "diff runs at N = %d: %.2f ms (target <= 100): %s\n",
		    n, u, u <= 100 ? "ok" : "MISS" }'
done
echo "medians of $runs runs (ms); N counts every mapping of one process" \
	"(mkmaps' own included); RSS in KiB (GNU time)"
