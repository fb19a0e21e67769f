#!/usr/bin/env bash
# The whole airlock mission on local sample content, with no registry and no downloads:
#   sample layout -> key pair -> signed bundle -> offline verify -> import into an OCI layout
#   -> serve it as a read-only registry on 127.0.0.1 and pull from it -> audit.
# Work directory: $AIRLOCK_QUICKSTART_DIR, default ./airlock-quickstart (recreated on each run).
# Needs the jar first: ./mvnw -q package -DskipTests
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
airlock="${AIRLOCK:-$root/bin/airlock}"
work="${AIRLOCK_QUICKSTART_DIR:-./airlock-quickstart}"
export AIRLOCK_PASSWORD="${AIRLOCK_PASSWORD:-quickstart-password}"

step() { printf '\n==> %s\n' "$*"; }

rm -rf "$work"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

step "1. Make the sample OCI layout (multi-arch image, single-arch image, SBOM referrer)"
bash "$root/samples/make-sample-layout.sh" "$work/sample-layout"
"$airlock" inspect "oci:$work/sample-layout"

step "2. Generate a cosign-compatible signing key pair (password from AIRLOCK_PASSWORD)"
"$airlock" key generate --output-key-prefix "$work/airlock"

step "3. Connected side: bundle the sample images into one signed, deduplicated tarball"
cp "$root/samples/bundle-local.yaml" "$work/bundle.yaml"
"$airlock" bundle "$work/bundle.yaml" -o "$work/samples.tar" --key "$work/airlock.key"

step "4. Disconnected side: verify the bundle offline (integrity of every blob, bundle signature)"
"$airlock" verify "$work/samples.tar" --key "$work/airlock.pub"

step "5. Import into an OCI layout (verified first: nothing is written if verification fails)"
"$airlock" import "$work/samples.tar" --to "oci:$work/imported" --key "$work/airlock.pub" \
  --catalog "$work/history.db"

step "6. Serve the imported layout as a read-only registry on 127.0.0.1 and pull from it"
log="$work/serve.log"
"$airlock" serve "$work/imported" --addr 127.0.0.1:0 > "$log" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null || true' EXIT
addr=""
for _ in $(seq 1 150); do
  addr="$(sed -n 's|.*on http://\([0-9.:]*\) .*|\1|p' "$log" | head -1)"
  [ -n "$addr" ] && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "quickstart: airlock serve did not start" >&2; cat "$log" >&2; exit 1; }
echo "serving at http://$addr"
curl -fsS "http://$addr/v2/_catalog"; echo
"$airlock" inspect "$addr/samples/tools:1.0"
if command -v skopeo >/dev/null; then
  skopeo copy --all --preserve-digests --src-tls-verify=false "docker://$addr/samples/multiarch:1.0" \
    "oci:$work/pulled:multiarch" >/dev/null
  echo "skopeo copied samples/multiarch:1.0 out of the served layout into $work/pulled"
fi
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
trap - EXIT

step "7. Audit: what the bundle contains, and what was imported where and when"
"$airlock" audit "$work/samples.tar"
"$airlock" audit --imports --catalog "$work/history.db"
"$airlock" audit "$work/samples.tar" --key "$work/airlock.pub" --html "$work/report.html" --markdown "$work/report.md"
"$airlock" audit --package 'hello.sh@>=1.0' --catalog "$work/history.db"

step "Done"
echo "key pair:        $work/airlock.key, $work/airlock.pub"
echo "bundle:          $work/samples.tar (+ .sha256, .catalog.db, lock file $work/samples.tar.lock.yaml)"
echo "imported layout: $work/imported   (serve it again: bin/airlock serve $work/imported)"
echo "import history:  $work/history.db  (bin/airlock audit --imports --catalog $work/history.db)"
echo "audit report:    $work/report.html (open it in any browser, offline), $work/report.md"
