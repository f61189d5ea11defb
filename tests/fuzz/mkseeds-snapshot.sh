#!/bin/sh
# Make the seed inputs of the snapshot fuzzers:
#   tests/fuzz/seeds/snapshot/            snapshots of maps built in memory
#                                         by tests/test_snapshot.c (one full,
#                                         one with nothing known, two frames)
#                                         and of testdata/cores/x86_64.core.xz
#                                         with the bytes it holds (CONT)
#   tests/fuzz/seeds/snapshot_roundtrip/  byte strings from a fixed LCG
# Nothing here depends on the machine that runs it.
#
#   tests/fuzz/mkseeds-snapshot.sh [BUILD_DIR]     (default: build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
[ -x "$build/tests/test_snapshot" ] ||
	{ echo "mkseeds-snapshot.sh: build $build first" >&2; exit 1; }
mkdir -p "$root/tests/fuzz/seeds/snapshot" \
	"$root/tests/fuzz/seeds/snapshot_roundtrip"
VMS_UPDATE_SEEDS=1 VMS_SOURCE_DIR=$root VMS_BINARY_DIR=$build \
	"$build/tests/test_snapshot" >/dev/null
for n in 1 2 3; do
	LC_ALL=C awk -v seed="$n" -v len=$((n * n * 400)) 'BEGIN {
		s = seed
		for (i = 0; i < len; i++) {
			s = (s * 75 + 74) % 65537
			printf "%c", s % 256
		}
	}' >"$root/tests/fuzz/seeds/snapshot_roundtrip/lcg$n"
done
