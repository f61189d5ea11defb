#!/bin/sh
# run.sh [SECONDS] - fuzz every target for SECONDS each (default 300) with
# random seeds, from a clang build with -DVMS_FUZZ=ON in build-fuzz/.
# New inputs go to build-fuzz/tests/corpus-NAME; crashes to the current
# directory.  The test suite only smoke-runs the targets with a fixed seed.
set -eu
secs=${1:-300}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build-fuzz/tests
if [ ! -d "$bin" ]; then
	cmake -S "$top" -B "$top/build-fuzz" -DCMAKE_C_COMPILER=clang \
		-DVMS_SANITIZE=ON -DVMS_FUZZ=ON >/dev/null
	cmake --build "$top/build-fuzz" -j"$(nproc)" >/dev/null
fi
for f in "$bin"/fuzz_*; do
	name=${f##*/fuzz_}
	mkdir -p "$bin/corpus-$name"
	echo "== $name: $secs s"
	"$f" -max_total_time="$secs" -max_len=65536 -timeout=10 \
		"$bin/corpus-$name" "$top/tests/fuzz/seeds/$name"
done
