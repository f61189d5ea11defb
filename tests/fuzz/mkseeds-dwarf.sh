#!/bin/sh
# mkseeds-dwarf.sh - regenerate tests/fuzz/seeds/dwarf: a tiny shared
# object with an inlined call, built -g -O1 without the C runtime, as
# DWARF 5 and DWARF 4, whole and as --only-keep-debug files.  It is built
# in a temporary directory whose name is mapped to /src, so no path of
# this machine ends up in the seeds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$here/seeds/dwarf
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
cat > "$tmp/seed.c" <<'C'
volatile int sink;
static inline __attribute__((always_inline)) int
twice(int x)
{
	sink += x;
	return 2 * x;
}
int data_var = 7;
int bss_var;
__attribute__((noinline)) int
outer(int x)
{
	return twice(x) + data_var + bss_var;
}
C
cd "$tmp"
for v in 5 4; do
	"$cc" -g -gdwarf-$v -O1 -fPIC -shared -nostdlib \
		-ffile-prefix-map="$tmp"=/src -Wl,--build-id=sha1 \
		-o "seed-dwarf$v.so" seed.c
	objcopy --only-keep-debug "seed-dwarf$v.so" "seed-dwarf$v.debug"
	cp "seed-dwarf$v.so" "seed-dwarf$v.debug" "$out/"
done
ls -l "$out"
