#!/bin/sh
# mkcores.sh SRCDIR OUTDIR - make real core files of testdata/coreprog.c.
#
# Native: a gdb gcore of the waiting program, with /proc/PID/maps taken
# while gdb holds it stopped, and a kernel core of the crashing program
# with the maps it copied just before.  Foreign: static builds with the
# cross compilers present, crashed under qemu-user (i686 runs natively and
# gives a kernel core).  Every program runs with an empty environment in
# a directory under OUTDIR, so no core holds anything of this machine
# beyond the system's libraries.
#
# OUTDIR/MANIFEST gets one line per core:
#   core KIND NAME CORE MAPS|-      KIND: gcore, kernel or qemu
#   skip NAME REASON
set -u
src=$1/testdata/coreprog.c
out=$2
threads=2
mkdir -p "$out" || exit 1
cd "$out" || exit 1
: > MANIFEST
say() { echo "$*" >> "$out/MANIFEST"; }

pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo '|')
kernel_ok=1
case $pattern in
'|'*|/*) kernel_ok=0 ;;
esac

# wait_ready FILE: until the program has said "ready" (10 s at most).
wait_ready() {
	i=0
	while ! grep -q '^ready' "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# crash DIR NAME RUNNER...: run the crashing program in DIR; the core.
crash() {
	d=$1; shift
	mkdir -p "$d"
	(cd "$d" && ulimit -c unlimited && env -i "$@" crash $threads \
		> out.txt 2>&1)
}

if cc -O0 -g -pthread -o coreprog "$src" 2>cc.log; then
	# gdb gcore of the waiting program.
	if command -v gdb > /dev/null; then
		mkdir -p gcore
		(cd gcore && exec env -i ../coreprog wait $threads \
			> out.txt 2>&1 < /dev/null) &
		pid=$!
		if wait_ready gcore/out.txt; then
			pid=$(cat gcore/pid.txt)
			gdb -batch -nx -p "$pid" \
				-ex "shell cat /proc/$pid/maps > $out/gcore/maps.txt" \
				-ex "gcore $out/native.gcore" > gcore/gdb.log 2>&1
		fi
		kill "$pid" 2>/dev/null
		wait 2>/dev/null
		if [ -s native.gcore ] && [ -s gcore/maps.txt ]; then
			say core gcore native native.gcore gcore/maps.txt
		else
			say skip gcore "gdb could not attach (see gcore/gdb.log)"
		fi
	else
		say skip gcore "gdb is not installed"
	fi
	if [ $kernel_ok = 1 ]; then
		crash kernel ../coreprog
		c=$(ls kernel/core* 2>/dev/null | head -1)
		if [ -n "$c" ]; then
			mv "$c" native.core
			say core kernel native native.core kernel/maps.txt
		else
			say skip kernel "no core written (core_pattern '$pattern')"
		fi
	else
		say skip kernel "core_pattern '$pattern' does not write here"
	fi
else
	say skip native "cc failed"
fi

# Foreign architectures: NAME COMPILER RUNNER (- runs it directly).
for spec in "i686 i686-linux-gnu-gcc -" \
	    "aarch64 aarch64-linux-gnu-gcc qemu-aarch64" \
	    "s390x s390x-linux-gnu-gcc qemu-s390x"; do
	set -- $spec
	name=$1 xcc=$2 runner=$3
	if ! command -v "$xcc" > /dev/null; then
		say skip "$name" "$xcc is not installed"
		continue
	fi
	if [ "$runner" != - ] && ! command -v "$runner" > /dev/null; then
		say skip "$name" "$runner is not installed"
		continue
	fi
	if ! "$xcc" -static -O0 -pthread -o "coreprog.$name" "$src" \
		2>> cc.log; then
		say skip "$name" "$xcc failed"
		continue
	fi
	if [ "$runner" = - ]; then
		[ $kernel_ok = 1 ] || { say skip "$name" "no kernel cores"; continue; }
		crash "$name" "../coreprog.$name"
		c=$(ls "$name"/core* 2>/dev/null | head -1)
		kind=kernel
	else
		# qemu writes the guest's core; a directory named "core"
		# keeps the kernel from dumping qemu itself as well.
		mkdir -p "$name/core"
		crash "$name" "$runner" "../coreprog.$name"
		c=$(ls "$name"/qemu_*.core 2>/dev/null | head -1)
		kind=qemu
	fi
	if [ -n "$c" ]; then
		mv "$c" "$name.core"
		say core "$kind" "$name" "$name.core" -
	else
		say skip "$name" "no core written"
	fi
done
exit 0
