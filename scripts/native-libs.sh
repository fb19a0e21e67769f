#!/usr/bin/env bash
# native-libs.sh JAR OUTDIR [ARCH]: takes the Linux native libraries of SQLite (sqlite-jdbc) and zstd
# (zstd-jni) for ARCH (x86_64 or aarch64; default: this machine's) out of airlock's jar, as
# OUTDIR/libsqlitejdbc.so and OUTDIR/libzstd-jni.so, and prints ARCH. bin/airlock points both libraries
# at these files (org.sqlite.lib.path, ZstdNativePath), so no command extracts them from the jar.
set -euo pipefail
jar="$(readlink -f "${1:?usage: native-libs.sh JAR OUTDIR [ARCH]}")"
out="${2:?usage: native-libs.sh JAR OUTDIR [ARCH]}"
arch="${3:-$(uname -m)}"
case "$arch" in
  x86_64 | amd64) arch=x86_64; sqlite=org/sqlite/native/Linux/x86_64; zstd=linux/amd64 ;;
  aarch64 | arm64) arch=aarch64; sqlite=org/sqlite/native/Linux/aarch64; zstd=linux/aarch64 ;;
  *) echo "native-libs: no native libraries for linux-$arch" >&2; exit 1 ;;
esac
jar_tool="${JAVA_HOME:+$JAVA_HOME/bin/}jar"
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
(cd "$x" && "$jar_tool" xf "$jar" "$sqlite/libsqlitejdbc.so" "$zstd/")
z=$(ls "$x/$zstd"/libzstd-jni-*.so 2>/dev/null | head -1)
[ -f "$x/$sqlite/libsqlitejdbc.so" ] && [ -n "$z" ] || { echo "native-libs: $jar lacks the linux-$arch libraries" >&2; exit 1; }
mkdir -p "$out"
cp "$x/$sqlite/libsqlitejdbc.so" "$out/libsqlitejdbc.so"
cp "$z" "$out/libzstd-jni.so"
echo "$arch"
