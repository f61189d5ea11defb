# shellcheck shell=bash
# shellcheck disable=SC2154 # prog, root, runs, ... are the caller's
# bench/lib.sh - what live.sh, snapshot.sh and diff.sh share: checking
# RUNS, WARMUP and the mapping counts, the temporary directory and its
# cleanup, mkmaps targets held on fifos, interleaved timing and medians.
# Sourced (bash), after the script has set prog (its name for messages),
# root, runs, warmup and cc.  Not run on its own.

die() { echo "$prog: $*" >&2; exit 1; }
note() { echo "$prog: $*" >&2; }

# RUNS must be a number >= $1, WARMUP a number.
check_counts() {
	[[ $runs =~ ^[0-9]+$ && $runs -ge $1 ]] ||
		{ echo "$prog: RUNS must be a number >= $1" >&2; exit 2; }
	[[ $warmup =~ ^[0-9]+$ ]] ||
		{ echo "$prog: WARMUP must be a number" >&2; exit 2; }
}

# Each argument a mapping count.
check_ns() {
	local n
	for n in "$@"; do
		[[ $n =~ ^[1-9][0-9]*$ ]] ||
			{ echo "$prog: $n: not a mapping count" >&2; exit 2; }
	done
}

# tmp: a fresh directory named after $1, removed on exit together with
# any target still running.
make_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-$1.XXXXXX")
	pids=()
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local p
	exec 3>&- 4>&- 2>/dev/null || true
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}

# build NAME CFLAGS...: bench/NAME.c as $tmp/NAME.
build() {
	local name=$1
	shift
	"$cc" "$@" -o "$tmp/$name" "$root/bench/$name.c" ||
		die "cannot build bench/$name.c"
}

# start_target N [K]: mkmaps N, its stdin a fifo held open on fd K + 3
# (K is 0 or 1) until stop_targets; its pid in target_pid and pids.
start_target() {
	local n=$1 k=${2:-0} i
	rm -f "$tmp/fifo$k" "$tmp/ready$k"
	mkfifo "$tmp/fifo$k"
	"$tmp/mkmaps" "$n" <"$tmp/fifo$k" >"$tmp/ready$k" &
	target_pid=$!
	pids+=("$target_pid")
	eval "exec $((k + 3))>\"\$tmp/fifo$k\""
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready ' "$tmp/ready$k" 2>/dev/null && return 0
		kill -0 "$target_pid" 2>/dev/null ||
			die "mkmaps $n exited before it was ready"
		sleep 0.1
	done
	die "mkmaps $n not ready after 60 s"
}

# Closing the fifos lets every mkmaps exit.
stop_targets() {
	local p
	exec 3>&- 4>&-
	for p in "${pids[@]}"; do
		wait "$p" || die "mkmaps exited with status $?"
	done
	pids=()
	target_pid=
}

# shellcheck disable=SC2120 # FORMAT is optional
# median [FORMAT]: the median of the nanosecond counts on stdin, in ms,
# with awk's printf FORMAT, or as awk prints a number when none.
median() {
	sort -n | awk -v fmt="${1-}" '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (fmt == "")
			print m / 1e6
		else
			printf fmt, m / 1e6 }'
}

# Run the commands cmds[] (named names[]) round by round, WARMUP untimed
# rounds first, so drift in the machine's load hits them all alike; the
# nanoseconds of each timed run of cmds[I] are appended to $tmp/t.I.
time_rounds() {
	local i r t0 t1
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
}

# measure OUT: time cmds[] with hyperfine (use_hyperfine=1, in ROUNDS
# rounds) or time_rounds; "name median_ms" lines to OUT.
measure() {
	local out=$1 i r
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
	time_rounds
	: >"$out"
	for ((i = 0; i < ${#names[@]}; i++)); do
		echo "${names[i]} $(median <"$tmp/t.$i")" >>"$out"
	done
}
