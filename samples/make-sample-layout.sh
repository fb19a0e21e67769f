#!/usr/bin/env bash
# Builds a small OCI image layout from the files in samples/content/, with only bash, tar, gzip and
# sha256sum (no downloads). The result is deterministic: the same digests on every machine.
#
#   example.com/samples/multiarch:1.0   an OCI index: linux/amd64 + linux/arm64/v8, sharing a base layer
#   example.com/samples/tools:1.0       a single-arch image (linux/amd64)
#   (no ref name)                       an SPDX SBOM artifact whose subject is the tools image (OCI 1.1 referrer)
#
# Usage: samples/make-sample-layout.sh OUTDIR      (OUTDIR must not exist or be empty)
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
content="$(cd "$(dirname "$0")" && pwd)/content"
out="$1"
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "$0: $out exists and is not empty" >&2
  exit 1
fi
mkdir -p "$out/blobs/sha256"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# put_blob FILE: stores FILE under its digest; sets DIGEST and SIZE.
put_blob() {
  DIGEST="sha256:$(sha256sum "$1" | cut -d' ' -f1)"
  SIZE="$(wc -c < "$1" | tr -d ' ')"
  cp "$1" "$out/blobs/sha256/${DIGEST#sha256:}"
}

# descriptor MEDIATYPE: the JSON descriptor of the last blob stored.
descriptor() {
  printf '{"mediaType":"%s","digest":"%s","size":%s}' "$1" "$DIGEST" "$SIZE"
}

# layer DIR: a gzip tar layer of samples/content/DIR, reproducible; sets LAYER and DIFF_ID.
layer() {
  local tarfile="$work/$1.tar"
  tar -C "$content/$1" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
    --mode='u=rwX,go=rX' --format=gnu -cf "$tarfile" .
  DIFF_ID="sha256:$(sha256sum "$tarfile" | cut -d' ' -f1)"
  gzip -n -9 -c "$tarfile" > "$tarfile.gz"
  put_blob "$tarfile.gz"
  LAYER="$(descriptor application/vnd.oci.image.layer.v1.tar+gzip)"
}

# image ARCH VARIANT LAYERDIR...: config + manifest; sets MANIFEST (descriptor) and MANIFEST_DIGEST/SIZE.
image() {
  local arch="$1" variant="$2"
  shift 2
  local layers="" diff_ids="" history=""
  for dir in "$@"; do
    layer "$dir"
    layers="${layers:+$layers,}$LAYER"
    diff_ids="${diff_ids:+$diff_ids,}\"$DIFF_ID\""
    history="${history:+$history,}{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"samples/content/$dir\"}"
  done
  local v=""
  [ -n "$variant" ] && v=",\"variant\":\"$variant\""
  printf '{"architecture":"%s","os":"linux"%s,"created":"1970-01-01T00:00:00Z","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
    "$arch" "$v" "$diff_ids" "$history" > "$work/config.json"
  put_blob "$work/config.json"
  local config
  config="$(descriptor application/vnd.oci.image.config.v1+json)"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s,"layers":[%s]}' \
    "$config" "$layers" > "$work/manifest.json"
  put_blob "$work/manifest.json"
  MANIFEST_DIGEST="$DIGEST"
  MANIFEST_SIZE="$SIZE"
}

platform() {
  if [ -n "$2" ]; then
    printf '{"architecture":"%s","os":"linux","variant":"%s"}' "$1" "$2"
  else
    printf '{"architecture":"%s","os":"linux"}' "$1"
  fi
}

# 1. Two platform images that share the base layer, and an index over them.
image amd64 "" base app-amd64
amd64="{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$MANIFEST_DIGEST\",\"size\":$MANIFEST_SIZE,\"platform\":$(platform amd64 "")}"
image arm64 v8 base app-arm64
arm64="{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$MANIFEST_DIGEST\",\"size\":$MANIFEST_SIZE,\"platform\":$(platform arm64 v8)}"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s,%s]}' \
  "$amd64" "$arm64" > "$work/index.json"
put_blob "$work/index.json"
multi="$(descriptor application/vnd.oci.image.index.v1+json)"

# 2. A single-arch image.
image amd64 "" tools
tools_digest="$MANIFEST_DIGEST"
tools_size="$MANIFEST_SIZE"
tools="$(DIGEST=$MANIFEST_DIGEST SIZE=$MANIFEST_SIZE descriptor application/vnd.oci.image.manifest.v1+json)"

# 3. An SBOM attached to the tools image as an OCI 1.1 referrer: empty config, one SPDX layer, a subject.
printf '{}' > "$work/empty.json"
put_blob "$work/empty.json"
empty="$(descriptor application/vnd.oci.empty.v1+json)"
put_blob "$content/sbom.spdx.json"
sbom_layer="$(descriptor application/spdx+json)"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/spdx+json","config":%s,"layers":[%s],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s},"annotations":{"org.opencontainers.image.created":"1970-01-01T00:00:00Z"}}' \
  "$empty" "$sbom_layer" "$tools_digest" "$tools_size" > "$work/sbom-manifest.json"
put_blob "$work/sbom-manifest.json"
sbom="{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$DIGEST\",\"size\":$SIZE,\"artifactType\":\"application/spdx+json\"}"

# 4. The layout's own files.
ref() {
  printf '%s' "$1" | sed "s|}\$|,\"annotations\":{\"org.opencontainers.image.ref.name\":\"$2\"}}|"
}
printf '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s,%s,%s]}' \
  "$(ref "$multi" example.com/samples/multiarch:1.0)" "$(ref "$tools" example.com/samples/tools:1.0)" "$sbom" \
  > "$out/index.json"
echo "sample OCI layout written to $out"
