#!/usr/bin/env bash
# Snapshot benchmark: on a process with N mappings (bench/mkmaps.c), time
# in one run, interleaved round by round:
#
#   cat smaps     cat /proc/PID/smaps: the kernel's text, the floor
#   capture       vmscope snapshot -f -o FILE PID (smaps read, encoded,
#                 deflated, written, fsync'ed)        target <= 1.3x cat
#   read -x       vmscope -x FILE (inflate, decode, print)
#                                                     target <= 0.3x cat
#   --pages       vmscope snapshot --pages: capture plus the page state
#                 of every region (PAGEMAP_SCAN, or pagemap words)
#
# and print the medians, the ratios to cat smaps and the snapshot's bytes
# per mapping (target <= 8 at N = 60000).
#
#   bench/snapshot.sh [N...]       default N: 60000
#   env: VMSCOPE  the binary (default: build/vmscope under the repo root)
#        RUNS     timed runs per command, median taken (default 11, >= 5)
#        WARMUP   untimed rounds first (default 2)
#        CC       compiler for mkmaps (default cc)
#
# Exit status: 0 when every figure was measured (met or not), 1 on a
# failure, 2 on a usage error.
set -euo pipefail

prog=snapshot.sh
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

make_tmp snapbench
build mkmaps -std=c11 -O2

printf '%8s %10s %10s %10s %8s %8s %8s %9s %10s %8s %9s\n' N "cat ms" \
	"capture" "read -x" "cap/cat" "read/cat" "bytes" "B/mapping" \
	"--pages" "pg/cat" "pg B/map"
for n in "${ns[@]}"; do
	start_target "$n"
	pid=$target_pid
	file=$tmp/s.vms
	pfile=$tmp/p.vms
	nmaps=$(wc -l <"/proc/$pid/maps")
	# Check once: the capture works and the view shows every mapping.
	"$vmscope" snapshot -q -f -o "$file" "$pid" ||
		die "vmscope snapshot failed"
	lines=$("$vmscope" -x "$file" | wc -l)
	((lines >= nmaps)) || die "vmscope -x printed $lines lines for $nmaps"
	names=("cat" "capture" "read -x" "--pages")
	cmds=("cat /proc/$pid/smaps"
	    "$vmscope snapshot -q -f -o $file $pid"
	    "$vmscope -x $file"
	    "$vmscope snapshot -q -f --pages -o $pfile $pid")
	time_rounds
	cat_ms=$(median '%.2f\n' <"$tmp/t.0")
	cap_ms=$(median '%.2f\n' <"$tmp/t.1")
	read_ms=$(median '%.2f\n' <"$tmp/t.2")
	pages_ms=$(median '%.2f\n' <"$tmp/t.3")
	bytes=$(stat -c %s "$file")
	pbytes=$(stat -c %s "$pfile")
	awk -v n="$nmaps" -v c="$cat_ms" -v p="$cap_ms" -v r="$read_ms" \
	    -v b="$bytes" -v g="$pages_ms" -v pb="$pbytes" 'BEGIN {
		printf "%8d %10.2f %10.2f %10.2f %8.2f %8.2f %8d %9.2f" \
		    " %10.2f %8.2f %9.2f\n", n, c, p, r, p / c, r / c, b,
		    b / n, g, g / c, pb / n }'
	stop_targets
done
echo "medians of $runs runs; N counts every mapping of the process" \
	"(mkmaps' own included); targets: cap/cat <= 1.3, read/cat <= 0.3," \
	"B/mapping <= 8 at 60000"
