#!/usr/bin/env bash
# build-layer.sh OUT DEB...
# Unpacks the .deb files together (dpkg-deb -x) and writes OUT (a deterministic tar, gzip -n), OUT.diffid
# (sha256 of the uncompressed tar) and OUT.digest (sha256 of the gzip). The same debs give the same bytes.
set -euo pipefail
out="$1"
shift
tmp="$(mktemp -d "$(dirname "$out")/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/root"
for deb in "$@"; do
  dpkg-deb -x "$deb" "$tmp/root"
done
chmod 0755 "$tmp/root"
# Deterministic tar: sorted names, mtime 0, uid/gid 0, no atime/ctime, PAX only where needed. One pass:
# the tar stream goes to gzip -n (through a fifo) and to sha256sum (the diff_id) at once.
mkfifo "$tmp/fifo"
gzip -n <"$tmp/fifo" >"$tmp/layer.tar.gz" &
gzip_pid=$!
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$tmp/root" -cf - . \
  | tee "$tmp/fifo" | sha256sum | cut -d' ' -f1 >"$tmp/diffid"
wait "$gzip_pid"
sha256sum "$tmp/layer.tar.gz" | cut -d' ' -f1 >"$tmp/digest"
mv "$tmp/diffid" "$out.diffid"
mv "$tmp/digest" "$out.digest"
mv "$tmp/layer.tar.gz" "$out"
