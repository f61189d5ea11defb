#!/bin/sh
# mkseeds-elfcore.sh BUILDDIR - regenerate tests/fuzz/seeds/elfcore from
# the in-memory core builder of tests/test_elfcore.c (both classes and
# byte orders, every note the reader decodes).  No real core is copied.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$here/seeds/elfcore
mkdir -p "$out"
VMS_WRITE_SEEDS=$out "$1/tests/test_elfcore"
ls -l "$out"
