#!/usr/bin/env bash
# skopeo-pull.sh REGISTRY OUTDIR REF...: what a cluster's puller does to a server: skopeo copies every
# image (all platforms) from REGISTRY (host:port[/prefix]) into the OCI layout OUTDIR.
set -euo pipefail
registry="$1" out="$2"
shift 2
mkdir -p "$out"
for ref in "$@"; do
  skopeo copy -q --all --preserve-digests --src-tls-verify=false "docker://$registry/$ref" "oci:$out:$ref"
done
