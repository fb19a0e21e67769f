#!/usr/bin/env bash
# skopeo-export.sh OUT.tar REGISTRY REF...: the peer's export. skopeo copies every image (all platforms,
# digests preserved) from REGISTRY into one OCI layout OUT.tar.layout, then tars that layout.
set -euo pipefail
out="$1" registry="$2"
shift 2
layout="$out.layout"
mkdir -p "$layout"
for ref in "$@"; do
  skopeo copy -q --all --preserve-digests --src-tls-verify=false "docker://$registry/$ref" "oci:$layout:$ref"
done
tar -cf "$out" -C "$layout" .
