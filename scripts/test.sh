#!/bin/sh
# The whole test suite.  Without arguments: a gcc build and every test,
# then a clang build whose libFuzzer targets are smoke-run.  With
# --sanitize: the whole suite again under AddressSanitizer and UBSan.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)
case "${1:-}" in
--sanitize)
	cmake -S . -B build-asan -DCMAKE_C_COMPILER=clang -DVMS_SANITIZE=ON \
		-DVMS_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-asan -j"$jobs" >/dev/null
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build-asan --output-on-failure -j"$jobs"
	;;
"")
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j"$jobs" >/dev/null
	ctest --test-dir build --output-on-failure -j"$jobs"
	if command -v clang >/dev/null 2>&1; then
		cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang \
			-DVMS_SANITIZE=ON -DVMS_FUZZ=ON >/dev/null
		cmake --build build-fuzz -j"$jobs" >/dev/null
		ctest --test-dir build-fuzz --output-on-failure -L fuzz
	else
		echo "fuzz smoke run skipped: clang is not installed" >&2
	fi
	;;
*)
	echo "usage: scripts/test.sh [--sanitize]" >&2
	exit 2
	;;
esac
