#!/bin/sh
# mkseeds-macho.sh BUILDDIR - regenerate tests/fuzz/seeds/macho from the
# in-memory Mach-O core builder of tests/test_macho.c (both widths and
# byte orders, each cpu's thread state, every LC_NOTE the reader reads).
# No real core is copied.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$here/seeds/macho
mkdir -p "$out"
VMS_WRITE_SEEDS=$out "$1/tests/test_macho"
ls -l "$out"
