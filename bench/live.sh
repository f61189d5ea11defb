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

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${RUNS:-11}
warmup=${WARMUP:-2}
rounds=${ROUNDS:-3}
cc=${CC:-cc}
ns=("$@")
[[ ${#ns[@]} -gt 0 ]] || ns=(1000 10000 60000)

die() { echo "live.sh: $*" >&2; exit 1; }
note() { echo "live.sh: $*" >&2; }

[[ $runs =~ ^[0-9]+$ && $runs -ge 7 ]] ||
	{ echo "live.sh: RUNS must be a number >= 7" >&2; exit 2; }
[[ $warmup =~ ^[0-9]+$ ]] ||
	{ echo "live.sh: WARMUP must be a number" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] ||
	{ echo "live.sh: ROUNDS must be a positive number" >&2; exit 2; }
for n in "${ns[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] ||
		{ echo "live.sh: $n: not a mapping count" >&2; exit 2; }
done

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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-bench.XXXXXX")
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

cflags=(-std=c11 -O2 -Wall -Wextra)
"$cc" "${cflags[@]}" -o "$tmp/mkmaps" "$root/bench/mkmaps.c" ||
	die "cannot build bench/mkmaps.c"
if [[ -x /usr/bin/time ]]; then
	peakrss() { /usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null &&
		cat "$tmp/rss"; }
else
	"$cc" "${cflags[@]}" -o "$tmp/peakrss" "$root/bench/peakrss.c" ||
		die "cannot build bench/peakrss.c"
	peakrss() { "$tmp/peakrss" "$@"; }
fi

# Start mkmaps N; its stdin is a fifo held open on fd 3 until stop_target.
start_target() {
	local n=$1 i
	rm -f "$tmp/fifo" "$tmp/ready"
	mkfifo "$tmp/fifo"
	"$tmp/mkmaps" "$n" <"$tmp/fifo" >"$tmp/ready" &
	target_pid=$!
	exec 3>"$tmp/fifo"
	for ((i = 0; i < 600; i++)); do
		if grep -q '^ready ' "$tmp/ready" 2>/dev/null; then
			return 0
		fi
		kill -0 "$target_pid" 2>/dev/null ||
			die "mkmaps $n exited before it was ready"
		sleep 0.1
	done
	die "mkmaps $n not ready after 60 s"
}

stop_target() {
	exec 3>&-
	wait "$target_pid" || die "mkmaps exited with status $?"
	target_pid=
}

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

# Time the commands; write "name median_ms" lines to $1.
measure() {
	local out=$1 i r t0 t1
	shift
	if ((use_hyperfine)); then
		# hyperfine runs all of one command's runs before the next
		# command's; split them into rounds so that a change in the
		# machine's load in mid-run does not land on one command only.
		local args=() left=$runs per
		for ((i = 0; i < ${#names[@]}; i++)); do
			args+=(-n "${names[i]}" "${cmds[i]}")
		done
		rm -f "$tmp"/hf.*.json
		for ((r = 0; left > 0; r++)); do
			per=$(((left + rounds - r - 1) / (rounds - r)))
			((per >= 2)) || per=$left
			if ! hyperfine -N --style none --warmup "$warmup" \
			    --runs "$per" --export-json "$tmp/hf.$r.json" \
			    "${args[@]}" >"$tmp/hf.log" 2>&1; then
				cat "$tmp/hf.log" >&2
				die "hyperfine failed"
			fi
			left=$((left - per))
		done
		jq -rs '[.[].results[]] | group_by(.command)[] |
		    ([.[].times[]] | sort) as $t | ($t | length) as $n |
		    (if $n % 2 == 1 then $t[($n - 1) / 2]
		     else ($t[$n / 2 - 1] + $t[$n / 2]) / 2 end) as $m |
		    "\(.[0].command) \($m * 1000)"' "$tmp"/hf.*.json >"$out"
		return
	fi
	# No hyperfine: interleave the commands round by round, so drift in
	# the machine's load hits them all alike.
	rm -f "$tmp"/t.*
	for ((r = -warmup; r < runs; r++)); do
		for ((i = 0; i < ${#names[@]}; i++)); do
			t0=$(date +%s%N)
			# Commands hold no quotes or globs: word splitting is intended.
			# shellcheck disable=SC2086
			${cmds[i]} >/dev/null || die "${names[i]} failed"
			t1=$(date +%s%N)
			((r < 0)) || echo $((t1 - t0)) >>"$tmp/t.$i"
		done
	done
	: >"$out"
	for ((i = 0; i < ${#names[@]}; i++)); do
		sort -n "$tmp/t.$i" | awk -v name="${names[i]}" '
			{ v[NR] = $1 }
			END {
				if (NR % 2)
					m = v[(NR + 1) / 2]
				else
					m = (v[NR / 2] + v[NR / 2 + 1]) / 2
				print name, m / 1e6
			}' >>"$out"
	done
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
	stop_target
	# One summary line: N, maps lines, the six medians, peak RSS.
	awk -v n="$n" -v nmaps="$nmaps" -v rss="${rss:--}" '
		{ val = $NF; $NF = ""; sub(/ $/, ""); t[$0] = val }
		END {
			split("cat smaps|cat maps|pmap -x|pmap -X|vmscope -x|vmscope",
			    k, "|")
			line = n " " nmaps
			for (i = 1; i <= 6; i++)
				line = line " " ((k[i] in t) ? t[k[i]] : "-")
			print line, rss
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
		printf "\nratios, target in brackets\n"
		printf "%7s %17s %15s %15s %15s %15s\n", "N",
		    "vms -x/smaps(1.2)", "vms/maps(1.3)", "pmap -x/smaps",
		    "pmap -X/smaps", "peak RSS -x"
		for (i = 1; i <= NR; i++) {
			split(row[i], f, " ")
			a = ratio(f[7], f[3])
			b = ratio(f[8], f[4])
			rss = "-"
			if (f[9] != "-")
				rss = sprintf("%.1f MiB", f[9] / 1024)
			if (f[9] != "-" && f[1] >= 60000)
				rss = rss (f[9] <= 32768 ? " ok" : " MISS")
			printf "%7s %17s %15s %15s %15s %15s\n", f[1],
			    a mark(a, 1.2), b mark(b, 1.3), ratio(f[5], f[3]),
			    ratio(f[6], f[3]), rss
		}
		printf "\nmaps: lines in /proc/PID/maps, N plus the process own.\n"
		printf "peak RSS target: 32 MiB at 60000 mappings.\n"
	}' "$summary"
exit "$fail"
