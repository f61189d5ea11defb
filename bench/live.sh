#!/usr/bin/env bash
# Live benchmark: vmscope against cat and procps pmap on a process with N
# mappings, all measured side by side in one run.  See bench/README.md.
#
#   bench/live.sh [N...]          default N: 1000 10000 60000
#   env: VMSCOPE  the binary (default: build/vmscope under the repo root)
#        RUNS     timed runs per command, median taken (default 11, >= 7)
#        WARMUP   untimed runs first (default 2), in each round
#        ROUNDS   hyperfine calls the runs are split into (default 3)
#        CC       compiler for the helpers (default cc)
#        TIMER    hyperfine (default when it and jq are installed) or loop
#
# Exit status: 0 when every figure was measured (whether or not it meets
# its target), 1 on a real failure (a helper did not build, a command
# failed, vmscope printed too little), 2 on a usage error.
set -euo pipefail

prog=live.sh
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-11}
warmup=${WARMUP:-2}
rounds=${ROUNDS:-3}
cc=${CC:-cc}
ns=("$@")
[[ ${#ns[@]} -gt 0 ]] || ns=(1000 10000 60000)

# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
check_counts 7
[[ $rounds =~ ^[1-9][0-9]*$ ]] ||
	{ echo "live.sh: ROUNDS must be a positive number" >&2; exit 2; }
check_ns "${ns[@]}"

# A VMSCOPE named explicitly must exist; the default may not be built yet,
# and then only the baselines are measured.
if [[ -n ${VMSCOPE:-} ]]; then
	vmscope=$VMSCOPE
	[[ -x $vmscope ]] || die "VMSCOPE=$vmscope: not an executable"
else
	vmscope=$root/build/vmscope
	if [[ ! -x $vmscope ]]; then
		note "no $vmscope yet: measuring the baselines only"
		vmscope=
	fi
fi
pmap=$(command -v pmap || true)
[[ -n $pmap ]] || note "no procps pmap: its columns are left out"
use_hyperfine=0
if [[ ${TIMER:-hyperfine} == hyperfine ]] &&
    command -v hyperfine >/dev/null && command -v jq >/dev/null; then
	use_hyperfine=1
fi

make_tmp bench

cflags=(-std=c11 -O2 -Wall -Wextra)
build mkmaps "${cflags[@]}"
build pair "${cflags[@]}"
if [[ -x /usr/bin/time ]]; then
	peakrss() { /usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null &&
		cat "$tmp/rss"; }
else
	build peakrss "${cflags[@]}"
	peakrss() { "$tmp/peakrss" "$@"; }
fi

# Run each command once and check it, so a broken one fails here, not
# half-way through the timing.  vmscope must show every mapping.
check() {
	local name=$1 minlines=$2 lines
	shift 2
	if ! "$@" >"$tmp/out" 2>"$tmp/err"; then
		note "$name failed: $(head -n 3 "$tmp/err")"
		return 1
	fi
	lines=$(wc -l <"$tmp/out")
	if ((lines < minlines)); then
		note "$name printed $lines lines for $minlines mappings"
		return 1
	fi
}

fail=0
summary=$tmp/summary
: >"$summary"
for n in "${ns[@]}"; do
	note "N=$n: starting mkmaps"
	start_target "$n"
	pid=$target_pid
	nmaps=$(wc -l <"/proc/$pid/maps")
	names=("cat smaps" "cat maps")
	cmds=("cat /proc/$pid/smaps" "cat /proc/$pid/maps")
	if [[ -n $pmap ]]; then
		names+=("pmap -x" "pmap -X")
		cmds+=("$pmap -x $pid" "$pmap -X $pid")
	fi
	rss=
	if [[ -n $vmscope ]]; then
		if check "vmscope -x" "$n" "$vmscope" -x "$pid" &&
		    check "vmscope" "$n" "$vmscope" "$pid"; then
			names+=("vmscope -x" "vmscope")
			cmds+=("$vmscope -x $pid" "$vmscope $pid")
			rss=$(peakrss "$vmscope" -x "$pid") ||
				die "peak RSS of vmscope -x failed"
		else
			fail=1
		fi
	fi
	note "N=$n: timing ${#names[@]} commands, $runs runs each"
	measure "$tmp/res"
	# The targets: each vmscope view in alternation with its baseline.
	px=- pm=-
	if [[ -n $rss ]]; then
		note "N=$n: $runs pairs of each view and its baseline"
		px=$("$tmp/pair" "$runs" "$warmup" cat "/proc/$pid/smaps" -- \
			"$vmscope" -x "$pid" | awk '{ print $3 }') ||
			die "pair: vmscope -x against cat smaps failed"
		pm=$("$tmp/pair" "$runs" "$warmup" cat "/proc/$pid/maps" -- \
			"$vmscope" "$pid" | awk '{ print $3 }') ||
			die "pair: vmscope against cat maps failed"
	fi
	# How much the CPU alone moves a ratio: cat on one CPU right after
	# cat on another (the target's kernel structures change caches).
	pc=-
	if (($(nproc) >= 2)) && command -v taskset >/dev/null; then
		pc=$("$tmp/pair" "$runs" "$warmup" taskset -c 0 cat \
			"/proc/$pid/maps" -- taskset -c 1 cat "/proc/$pid/maps" |
			awk '{ print $3 }') || die "pair: cat against cat failed"
	fi
	stop_targets
	# One summary line: N, maps lines, the six medians, peak RSS, the
	# two paired ratios and the CPU-placement one.
	awk -v n="$n" -v nmaps="$nmaps" -v rss="${rss:--}" -v px="$px" \
	    -v pm="$pm" -v pc="$pc" '
		{ val = $NF; $NF = ""; sub(/ $/, ""); t[$0] = val }
		END {
			split("cat smaps|cat maps|pmap -x|pmap -X|vmscope -x|vmscope",
			    k, "|")
			line = n " " nmaps
			for (i = 1; i <= 6; i++)
				line = line " " ((k[i] in t) ? t[k[i]] : "-")
			print line, rss, px, pm, pc
		}' "$tmp/res" >>"$summary"
done

echo "vmscope live benchmark: $(uname -sr), $(nproc) CPUs," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
if ((use_hyperfine)); then
	echo "median of $runs runs in $rounds rounds, $warmup warm-up runs" \
		"each, $(hyperfine --version) -N"
else
	echo "median of $runs runs after $warmup warm-up, date +%s%N loop"
fi
echo "vmscope: ${vmscope:-(not built: baselines only)}"
echo "pmap: ${pmap:+$($pmap -V)}"
echo
awk '
	function ms(x) {
		if (x == "-")
			return "-"
		return sprintf("%.2f", x)
	}
	function ratio(a, b) {
		if (a == "-" || b == "-" || b == 0)
			return "-"
		return sprintf("%.2f", a / b)
	}
	function mark(r, lim) {
		if (r == "-")
			return ""
		return r + 0 <= lim ? " ok" : " MISS"
	}
	BEGIN {
		printf "median wall time, ms\n"
		printf "%7s %6s %9s %9s %9s %9s %10s %9s\n", "N", "maps",
		    "cat smaps", "cat maps", "pmap -x", "pmap -X",
		    "vmscope -x", "vmscope"
	}
	{
		row[NR] = $0
		printf "%7s %6s %9s %9s %9s %9s %10s %9s\n", $1, $2, ms($3),
		    ms($4), ms($5), ms($6), ms($7), ms($8)
	}
	END {
		printf "\nratios, target in brackets (vmscope: median of paired runs)\n"
		printf "%7s %17s %15s %15s %15s %15s\n", "N",
		    "vms -x/smaps(1.2)", "vms/maps(1.3)", "pmap -x/smaps",
		    "pmap -X/smaps", "peak RSS -x"
		for (i = 1; i <= NR; i++) {
			split(row[i], f, " ")
			a = f[10] == "-" ? "-" : sprintf("%.2f", f[10])
			b = f[11] == "-" ? "-" : sprintf("%.2f", f[11])
			rss = "-"
			if (f[9] != "-")
				rss = sprintf("%.1f MiB", f[9] / 1024)
			if (f[9] != "-" && f[1] >= 60000)
				rss = rss (f[9] <= 32768 ? " ok" : " MISS")
			printf "%7s %17s %15s %15s %15s %15s\n", f[1],
			    a mark(a, 1.2), b mark(b, 1.3), ratio(f[5], f[3]),
			    ratio(f[6], f[3]), rss
		}
		printf "\nCPU placement alone, cat maps on CPU 1 after cat maps on CPU 0:"
		for (i = 1; i <= NR; i++) {
			split(row[i], f, " ")
			printf " %s", f[12] == "-" ? "-" : sprintf("%.2f", f[12])
		}
		printf "\n"
		printf "\nmaps: lines in /proc/PID/maps, N plus the process own.\n"
		printf "paired: each vmscope run right after its cat baseline; the\n"
		printf "median of the run-by-run ratios (see bench/README.md).\n"
		printf "peak RSS target: 32 MiB at 60000 mappings.\n"
	}' "$summary"
exit "$fail"
