#!/usr/bin/env bash
# The airlock quick start, step by step, on sample content the project makes itself (no downloads).
# Work directory: $AIRLOCK_QUICKSTART_DIR, default ./airlock-quickstart (recreated on each run).
# Needs the jar: ./mvnw -q package -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
airlock="$root/bin/airlock"
work="${AIRLOCK_QUICKSTART_DIR:-./airlock-quickstart}"

step() { printf '\n==> %s\n' "$*"; }

step "1. Make the sample OCI layout (multi-arch index, single-arch image, SBOM referrer)"
rm -rf "$work"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
bash "$root/samples/make-sample-layout.sh" "$work/sample-layout"

step "2. Inspect it: index, manifests, platforms, referrers and sizes"
"$airlock" inspect "oci:$work/sample-layout"

step "Done"
echo "sample layout:      $work/sample-layout"
echo "inspect as JSON:    $airlock inspect -o json oci:$work/sample-layout:example.com/samples/multiarch:1.0"
