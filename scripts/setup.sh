#!/bin/sh
# First command of the README: dependencies, then a build in build/.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "vmscope built: build/vmscope" >&2
