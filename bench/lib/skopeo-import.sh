#!/usr/bin/env bash
# skopeo-import.sh LAYOUT.tar DEST REF...: the peer's import. Untars the layout, then skopeo copies every
# image (all platforms, digests preserved) to DEST/REF (DEST = host:port/prefix).
set -euo pipefail
tarball="$1" dest="$2"
shift 2
layout="$tarball.x"
rm -rf "$layout"
mkdir -p "$layout"
tar -xf "$tarball" -C "$layout"
for ref in "$@"; do
  skopeo copy -q --all --preserve-digests --dest-tls-verify=false "oci:$layout:$ref" "docker://$dest/$ref"
done
