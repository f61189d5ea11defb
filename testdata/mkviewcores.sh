#!/bin/sh
# mkviewcores.sh - make the small committed cores the view goldens are
# rendered from: testdata/coreprog.c built static for x86_64 and i386,
# crashed by the kernel with one extra thread, in a neutral folder with an
# empty environment and address space randomisation off, keeping only ELF
# headers in the dump (coredump_filter 0x10) so the cores stay small.
# Needs gcc, i686-linux-gnu-gcc, setarch, xz, and a core_pattern that
# writes "core" in the current directory.  Run it from anywhere; it
# rewrites testdata/cores/{x86_64,i386}.core.xz.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
out=$src/cores
work=/tmp/vmscope-fixture
case $(cat /proc/sys/kernel/core_pattern) in
'|'* | /*) echo "mkviewcores.sh: core_pattern must name a plain file" >&2
	exit 1 ;;
esac
rm -rf "$work"
mkdir -p "$work" "$out"
cd "$work"
gcc -static -O1 -pthread -o prog64 "$src/coreprog.c"
i686-linux-gnu-gcc -static -O1 -pthread -o prog32 "$src/coreprog.c"
dump() { # dump ARCH PROG NAME
	rm -f core
	(
		ulimit -c unlimited
		echo 0x10 > /proc/self/coredump_filter
		env -i setarch "$1" -R "./$2" crash 1 > /dev/null 2>&1
	) || true
	test -s core
	xz -9 -c core > "$out/$3.core.xz"
}
dump x86_64 prog64 x86_64
dump i386 prog32 i386
ls -l "$out"
