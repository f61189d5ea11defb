#!/bin/sh
# core.sh [BUILDDIR] - how fast vmscope shows the map of large cores,
# as ratios against baselines measured in the same run.
#
#   30 017 segments (~250 MB): vmscope vs cat(1) of the file, and
#                              eu-unstrip -n --core (if installed)
#   4 GiB sparse core:         the default view (target <= 10 ms)
#   the same, zstd-compressed: the default view (target <= 100 ms)
#
# The cores are synthesized by bench/mkcore.c in a temporary directory.
# Times are medians of RUNS runs (default 11), in milliseconds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
vmscope=$build/vmscope
runs=${RUNS:-11}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

[ -x "$vmscope" ] || { echo "no $vmscope: build first" >&2; exit 1; }
${CC:-cc} -O2 -o "$tmp/mkcore" "$here/mkcore.c"

# median_ms CMD...: the median wall time of CMD, output discarded.
median_ms() {
	i=0
	while [ $i -lt "$runs" ]; do
		s=$(date +%s%N)
		"$@" > /dev/null 2>&1 || true
		e=$(date +%s%N)
		echo $(((e - s) / 1000))
		i=$((i + 1))
	done | sort -n | sed -n "$(((runs + 1) / 2))p" |
		awk '{ printf "%.1f", $1 / 1000 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

"$tmp/mkcore" "$tmp/30k.core" 30017 8192
cat "$tmp/30k.core" > /dev/null        # warm the page cache
cat_ms=$(median_ms cat "$tmp/30k.core")
vms_ms=$(median_ms "$vmscope" "$tmp/30k.core")
echo "30017-segment core ($(du -h --apparent-size "$tmp/30k.core" | cut -f1)):"
echo "  cat > /dev/null      $cat_ms ms"
echo "  vmscope (default)    $vms_ms ms   = $(ratio "$vms_ms" "$cat_ms") x cat (target <= 2)"
if command -v eu-unstrip > /dev/null; then
	eu_ms=$(median_ms eu-unstrip -n --core "$tmp/30k.core")
	echo "  eu-unstrip -n --core $eu_ms ms   vmscope = $(ratio "$vms_ms" "$eu_ms") x eu-unstrip"
fi

"$tmp/mkcore" "$tmp/4g.core" 16 268435456
big_ms=$(median_ms "$vmscope" "$tmp/4g.core")
echo "4 GiB sparse core:"
echo "  vmscope (default)    $big_ms ms   (target <= 10 ms)"
if command -v eu-unstrip > /dev/null; then
	eu4_ms=$(median_ms eu-unstrip -n --core "$tmp/4g.core")
	echo "  eu-unstrip -n --core $eu4_ms ms"
fi
if command -v zstd > /dev/null; then
	zstd -q -1 -T0 "$tmp/4g.core" -o "$tmp/4g.core.zst"
	z_ms=$(median_ms "$vmscope" "$tmp/4g.core.zst")
	echo "4 GiB core, zstd ($(du -h "$tmp/4g.core.zst" | cut -f1)):"
	echo "  vmscope (default)    $z_ms ms   (target <= 100 ms)"
	zc_ms=$(median_ms sh -c "zstd -dc '$tmp/4g.core.zst' > /dev/null")
	echo "  zstd -dc > /dev/null $zc_ms ms   vmscope = $(ratio "$z_ms" "$zc_ms") x full decompression"
else
	echo "zstd not installed: compressed case skipped"
fi
