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

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-11}
warmup=${WARMUP:-2}
cc=${CC:-cc}
vmscope=${VMSCOPE:-$root/build/vmscope}
ns=("$@")
[[ ${#ns[@]} -gt 0 ]] || ns=(60000)

die() { echo "snapshot.sh: $*" >&2; exit 1; }
[[ $runs =~ ^[0-9]+$ && $runs -ge 5 ]] ||
	{ echo "snapshot.sh: RUNS must be a number >= 5" >&2; exit 2; }
[[ $warmup =~ ^[0-9]+$ ]] ||
	{ echo "snapshot.sh: WARMUP must be a number" >&2; exit 2; }
for n in "${ns[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] ||
		{ echo "snapshot.sh: $n: not a mapping count" >&2; exit 2; }
done
[[ -x $vmscope ]] || die "$vmscope: not built (or set VMSCOPE)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-snapbench.XXXXXX")
target_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	exec 3>&- 2>/dev/null || true
	if [[ -n $target_pid ]]; then
		kill "$target_pid" 2>/dev/null || true
		wait "$target_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$cc" -std=c11 -O2 -o "$tmp/mkmaps" "$root/bench/mkmaps.c" ||
	die "cannot build bench/mkmaps.c"

start_target() {
	local i
	rm -f "$tmp/fifo" "$tmp/ready"
	mkfifo "$tmp/fifo"
	"$tmp/mkmaps" "$1" <"$tmp/fifo" >"$tmp/ready" &
	target_pid=$!
	exec 3>"$tmp/fifo"
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready ' "$tmp/ready" 2>/dev/null && return 0
		kill -0 "$target_pid" 2>/dev/null || die "mkmaps $1 exited"
		sleep 0.1
	done
	die "mkmaps $1 not ready after 60 s"
}

stop_target() {
	exec 3>&-
	wait "$target_pid" || die "mkmaps exited with status $?"
	target_pid=
}

median() {
	sort -n | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f\n", m / 1e6 }'
}

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
	rm -f "$tmp"/t.*
	for ((r = -warmup; r < runs; r++)); do
		t0=$(date +%s%N)
		cat "/proc/$pid/smaps" >/dev/null
		t1=$(date +%s%N)
		"$vmscope" snapshot -q -f -o "$file" "$pid"
		t2=$(date +%s%N)
		"$vmscope" -x "$file" >/dev/null
		t3=$(date +%s%N)
		"$vmscope" snapshot -q -f --pages -o "$pfile" "$pid"
		t4=$(date +%s%N)
		if ((r >= 0)); then
			echo $((t1 - t0)) >>"$tmp/t.cat"
			echo $((t2 - t1)) >>"$tmp/t.cap"
			echo $((t3 - t2)) >>"$tmp/t.read"
			echo $((t4 - t3)) >>"$tmp/t.pages"
		fi
	done
	cat_ms=$(median <"$tmp/t.cat")
	cap_ms=$(median <"$tmp/t.cap")
	read_ms=$(median <"$tmp/t.read")
	pages_ms=$(median <"$tmp/t.pages")
	bytes=$(stat -c %s "$file")
	pbytes=$(stat -c %s "$pfile")
	awk -v n="$nmaps" -v c="$cat_ms" -v p="$cap_ms" -v r="$read_ms" \
	    -v b="$bytes" -v g="$pages_ms" -v pb="$pbytes" 'BEGIN {
		printf "%8d %10.2f %10.2f %10.2f %8.2f %8.2f %8d %9.2f" \
		    " %10.2f %8.2f %9.2f\n", n, c, p, r, p / c, r / c, b,
		    b / n, g, g / c, pb / n }'
	stop_target
done
echo "medians of $runs runs; N counts every mapping of the process" \
	"(mkmaps' own included); targets: cap/cat <= 1.3, read/cat <= 0.3," \
	"B/mapping <= 8 at 60000"
