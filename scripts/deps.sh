#!/bin/sh
# Install what vmscope needs to build and test on Debian 12 (bookworm).
# Runs apt-get as root, or through sudo.
set -eu
pkgs="cmake gcc clang libclang-rt-14-dev pkg-config make
libelf-dev libdwarf-dev zlib1g-dev libcmocka-dev
libzstd-dev liblzma-dev liblz4-dev
elfutils binutils procps gdb python3 jq zstd lz4 xz-utils gzip
qemu-user gcc-aarch64-linux-gnu gcc-i686-linux-gnu gcc-s390x-linux-gnu
libc6-dev-arm64-cross libc6-dev-i386-cross libc6-dev-s390x-cross
llvm hyperfine"
if [ "$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
