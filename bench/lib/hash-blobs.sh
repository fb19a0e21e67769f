#!/usr/bin/env bash
# hash-blobs.sh sha256sum|openssl DIR: the peer's verify. Hashes every file of DIR (an OCI layout's
# blobs/sha256, named by their digest) and checks each hash against its name. Exit 3 on a mismatch.
set -euo pipefail
tool="$1" dir="$2"
cd "$dir"
case "$tool" in
  sha256sum) find . -maxdepth 1 -type f -printf '%f\0' | xargs -0 sha256sum -- ;;
  openssl) find . -maxdepth 1 -type f -printf '%f\0' | xargs -0 openssl dgst -sha256 -r -- ;;
  *) echo "hash-blobs.sh: unknown tool $tool" >&2; exit 2 ;;
esac | awk '{ name = $2; sub(/^\*/, "", name); n++; if ($1 != name) { print "digest mismatch: " name > "/dev/stderr"; bad++ } }
  END { if (n == 0) { print "no blobs" > "/dev/stderr"; exit 3 } exit bad ? 3 : 0 }'
