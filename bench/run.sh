#!/usr/bin/env bash
# Benchmarks airlock side by side with skopeo (and sha256sum / openssl, docker-registry) on one machine.
#
#   bash bench/run.sh [--small | --tiny] [--runs N] [--out FILE] [--only SCENARIO,...]
#
# --only takes export, import, volumes, delta, verify, serve (import, volumes, verify and serve need a bundle:
# without export, one airlock bundle, and for import one skopeo export, is made for them, untimed).
# Needs the jar (./mvnw -q package -DskipTests), skopeo, docker-registry, openssl, python3, curl, apt-get and
# dpkg-deb; installs GNU time if missing. Builds (or reuses, under bench/work/) a corpus of real Debian
# packages, pushes it into a docker-registry on 127.0.0.1, then times each scenario N times, airlock and
# the peer alternately, and writes a markdown table of medians to bench/results/DATE[-small|-tiny].md (or FILE).
# A scenario whose airlock command is not there yet shows as n/a. See bench/README.md.
set -euo pipefail

BENCH="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
ROOT="$(dirname "$BENCH")"
AIRLOCK="${BENCH_AIRLOCK:-$ROOT/bin/airlock}"
WORK="${BENCH_WORK:-$BENCH/work}"
SIZE=full
RUNS=3
OUT=""
ONLY=""
# Extra flags for airlock commands (e.g. while their options settle), split on spaces.
BUNDLE_ARGS="${BENCH_BUNDLE_ARGS:-}"
IMPORT_ARGS="${BENCH_IMPORT_ARGS:---allow-unsigned}"
VERIFY_ARGS="${BENCH_VERIFY_ARGS:---allow-unsigned}"
SERVE_ARGS="${BENCH_SERVE_ARGS:---allow-unsigned}"

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --small) SIZE=small ;;
    --tiny) SIZE=tiny ;;
    --runs) RUNS="${2:?--runs needs a number}"; shift ;;
    --runs=*) RUNS="${1#--runs=}" ;;
    --out) OUT="${2:?--out needs a file}"; shift ;;
    --out=*) OUT="${1#--out=}" ;;
    --only) ONLY="${2:?--only needs a list of scenarios}"; shift ;;
    --only=*) ONLY="${1#--only=}" ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs wants a positive number, not $RUNS" >&2; exit 2; }
for s in ${ONLY//,/ }; do
  case "$s" in
    export | import | volumes | delta | verify | serve) ;;
    *) echo "bench: --only knows export, import, volumes, delta, verify, serve, not $s" >&2; exit 2 ;;
  esac
done
# wanted SCENARIO: true when SCENARIO is to be timed (every one without --only).
wanted() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
if [ -z "$OUT" ]; then
  OUT="$BENCH/results/$(date +%Y-%m-%d)$(if [ "$SIZE" != full ]; then echo "-$SIZE"; fi).md"
fi

# shellcheck source=lib/common.sh
. "$BENCH/lib/common.sh"
# shellcheck source=lib/corpus.sh
. "$BENCH/lib/corpus.sh"

# --- tools --------------------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time (/usr/bin/time) for peak RSS"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; } \
    || die "cannot install the 'time' package (needs root and Debian's mirror)"
fi
for tool in skopeo docker-registry openssl sha256sum python3 curl apt-get apt-cache dpkg-deb tar gzip flock java; do
  command -v "$tool" >/dev/null || die "$tool not found (bash scripts/install-peers.sh installs the peers)"
done
[ -n "${BENCH_AIRLOCK:-}" ] || [ -f "${AIRLOCK_JAR:-$ROOT/target/airlock.jar}" ] || die "target/airlock.jar not found: build it first with ./mvnw -q package -DskipTests"

mkdir -p "$WORK" "$(dirname "$OUT")"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/airlock-bench.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
RESULTS_TSV="$TMP/results.tsv"
: >"$RESULTS_TSV"

# --- corpus -------------------------------------------------------------------------------------------
# one corpus builder at a time per cache (a CI run and a developer's run may share bench/work)
exec 9>"$WORK/.lock"
flock 9
corpus_build "$SIZE"
flock -u 9
mapfile -t REFS <"$CORPUS/refs.txt"
# every ref's manifest digest, for the untimed checks that airlock really did the work
declare -A DIGEST
while read -r ref digest; do DIGEST[$ref]=$digest; done < <(python3 -c '
import json, sys
for m in json.load(open(sys.argv[1]))["manifests"]:
    print(m["annotations"]["org.opencontainers.image.ref.name"], m["digest"])' "$CORPUS/layout/index.json")
log "corpus: ${#REFS[@]} refs, $(awk -F= '$1=="unique_layer_bytes"{printf "%.1f MiB", $2/1048576}' "$CORPUS/facts.txt") of unique layers"

registry_start SRC
t0=$SECONDS
for ref in "${REFS[@]}"; do
  skopeo copy -q --all --preserve-digests --dest-tls-verify=false \
    "oci:$CORPUS/layout:$ref" "docker://127.0.0.1:$SRC_PORT/$ref" \
    || die "pushing $ref into the source registry failed"
done
log "pushed the corpus into docker-registry 127.0.0.1:$SRC_PORT in $((SECONDS - t0)) s"

SPEC="$TMP/bench-spec.yaml"
{
  echo "apiVersion: airlock.dev/v1"
  echo "kind: Bundle"
  echo "metadata:"
  echo "  name: bench"
  echo "spec:"
  echo "  images:"
  for ref in "${REFS[@]}"; do
    echo "    - ref: 127.0.0.1:$SRC_PORT/$ref"
  done
} >"$SPEC"

# airlock_first RUN: true when airlock goes first in this run (alternating, so neither always has the
# warmer page cache).
airlock_first() { [ $(($1 % 2)) -eq 1 ]; }

# --- export -------------------------------------------------------------------------------------------
A_BUNDLE="" P_TAR="" EXPORT_NA=""
export_airlock() {
  local i="$1" d="$TMP/export-airlock-$i"
  mkdir -p "$d/out"
  # shellcheck disable=SC2086
  measured "$d/cmd" "$AIRLOCK" bundle "$SPEC" -o "$d/out/bundle.tar" $BUNDLE_ARGS
  if [ "$M_RC" != 0 ]; then
    unavailable "$d/cmd.err" || fail_run "airlock bundle (run $i)" "$d/cmd"
    EXPORT_NA="$NA_REASON"
    record export airlock "$i" - - - n/a "$NA_REASON"
    return
  fi
  [ -f "$d/out/bundle.tar" ] || { echo "no $d/out/bundle.tar written" >>"$d/cmd.err"; fail_run "airlock bundle (run $i)" "$d/cmd"; }
  check_bundle "$d/out/bundle.tar"
  # bytes on disk: everything the export left (the tarball, and the catalog and lock beside it)
  record export airlock "$i" "$M_SECS" "$M_RSS_KB" "$(bytes_of "$d/out")" ok \
    "bundle.tar $(bytes_of "$d/out/bundle.tar" | awk '{printf "%.1f MiB", $1/1048576}')"
  [ -z "$A_BUNDLE" ] || rm -rf "$(dirname "$(dirname "$A_BUNDLE")")"
  A_BUNDLE="$d/out/bundle.tar"
}
# check_bundle TAR: its index.json names every ref (by full source reference) with the source's digest.
check_bundle() {
  local listing
  listing=$(tar -xOf "$1" index.json 2>/dev/null || tar -xOf "$1" ./index.json 2>/dev/null) \
    || die "airlock bundle: $1 has no index.json"
  local ref
  for ref in "${REFS[@]}"; do
    [ "${DIGEST[$ref]}" != - ] || continue
    python3 -c '
import json, sys
want_name, want_digest = sys.argv[1], sys.argv[2]
doc = json.load(sys.stdin)
sys.exit(0 if any(m.get("annotations", {}).get("org.opencontainers.image.ref.name") == want_name
                  and m["digest"] == want_digest for m in doc["manifests"]) else 1)' \
      "127.0.0.1:$SRC_PORT/$ref" "${DIGEST[$ref]}" <<<"$listing" \
      || die "airlock bundle: $1 lacks 127.0.0.1:$SRC_PORT/$ref at ${DIGEST[$ref]}"
  done
}
export_skopeo() {
  local i="$1" d="$TMP/export-skopeo-$i"
  mkdir -p "$d/out"
  measured "$d/cmd" bash "$BENCH/lib/skopeo-export.sh" "$d/out/layout.tar" "127.0.0.1:$SRC_PORT" "${REFS[@]}"
  [ "$M_RC" = 0 ] || fail_run "skopeo export (run $i)" "$d/cmd"
  # bytes on disk: the layout and its tar, both there when the export is done
  record export skopeo "$i" "$M_SECS" "$M_RSS_KB" "$(bytes_of "$d/out")" ok \
    "layout + tar; tar $(bytes_of "$d/out/layout.tar" | awk '{printf "%.1f MiB", $1/1048576}')"
  rm -rf "$d/out/layout.tar.layout"
  [ -z "$P_TAR" ] || rm -rf "$(dirname "$(dirname "$P_TAR")")"
  P_TAR="$d/out/layout.tar"
}
if wanted export; then
  log "export: airlock bundle vs skopeo copy + tar, $RUNS runs"
  for i in $(seq 1 "$RUNS"); do
    if airlock_first "$i"; then
      [ -n "$EXPORT_NA" ] || export_airlock "$i"
      export_skopeo "$i"
    else
      export_skopeo "$i"
      [ -n "$EXPORT_NA" ] || export_airlock "$i"
    fi
  done
elif wanted import || wanted volumes || wanted verify || wanted serve; then
  log "export: not timed (--only $ONLY); one airlock bundle for the scenarios that need it"
  RESULTS_TSV_KEPT="$RESULTS_TSV"; RESULTS_TSV="$TMP/untimed.tsv"
  i=0; export_airlock 0
  ! wanted import || export_skopeo 0 # the peer's import starts from its own export's tar
  RESULTS_TSV="$RESULTS_TSV_KEPT"
fi

# --- import -------------------------------------------------------------------------------------------
IMPORT_NA="${EXPORT_NA:+no bundle: airlock bundle n/a}"
import_airlock() {
  local i="$1" d="$TMP/import-airlock-$i"
  mkdir -p "$d"
  registry_start DST
  # shellcheck disable=SC2086
  measured "$d/cmd" "$AIRLOCK" import "$A_BUNDLE" --to "127.0.0.1:$DST_PORT/imported" --catalog "$d/history.db" $IMPORT_ARGS
  if [ "$M_RC" != 0 ]; then
    registry_stop DST
    unavailable "$d/cmd.err" || fail_run "airlock import (run $i)" "$d/cmd"
    IMPORT_NA="$NA_REASON"
    record import airlock "$i" - - - n/a "$NA_REASON"
    return
  fi
  check_imported "airlock import" "127.0.0.1:$DST_PORT/imported"
  record import airlock "$i" "$M_SECS" "$M_RSS_KB" "$(bytes_of "$DST_STORAGE")" ok "registry storage"
  registry_stop DST
}
import_skopeo() {
  local i="$1" d="$TMP/import-skopeo-$i"
  mkdir -p "$d"
  registry_start DST
  measured "$d/cmd" bash "$BENCH/lib/skopeo-import.sh" "$P_TAR" "127.0.0.1:$DST_PORT/imported" "${REFS[@]}"
  [ "$M_RC" = 0 ] || fail_run "skopeo import (run $i)" "$d/cmd"
  record import skopeo "$i" "$M_SECS" "$M_RSS_KB" "$(bytes_of "$DST_STORAGE")" ok "untar + copy"
  rm -rf "$P_TAR.x"
  registry_stop DST
}
# check_imported WHAT DEST: every ref is at DEST/REF with the source's manifest digest (not timed).
check_imported() {
  local ref got
  for ref in "${REFS[@]}"; do
    [ "${DIGEST[$ref]}" != - ] || continue # not expected there (the delta scenario's signature of a replaced image)
    got=$(skopeo inspect --raw --tls-verify=false "docker://$2/$ref" 2>/dev/null | sha256sum | cut -c1-64)
    [ "sha256:$got" = "${DIGEST[$ref]}" ] || die "$1: $2/$ref is missing or has another digest than the source"
  done
}
wanted import && log "import: airlock import vs untar + skopeo copy, $RUNS runs, a fresh registry each"
for i in $(seq 1 "$RUNS"); do
  wanted import || break
  if airlock_first "$i"; then
    [ -n "$IMPORT_NA" ] || import_airlock "$i"
    import_skopeo "$i"
  else
    import_skopeo "$i"
    [ -n "$IMPORT_NA" ] || import_airlock "$i"
  fi
done
[ -z "$EXPORT_NA" ] || ! wanted import || record import airlock - - - - n/a "$IMPORT_NA"

# --- volumes ------------------------------------------------------------------------------------------
# bundle --volume-size against the one-tarball bundle of the same spec, and import of the set of parts against
# import of the tarball: both airlock, the same run, alternating. Peak disk is sampled every 0.1 s while the
# parts are written (the parts are created in place: it should not pass their final size). The same with
# --compress zstd (compressed parts, large blobs fetched straight into the compressor: peak disk about the parts
# and one volume) against the plain parts, and the import of the compressed set against the tarball's.
VOLUME="${BENCH_VOLUME_SIZE:-$(case "$SIZE" in full) echo 256M ;; small) echo 16M ;; *) echo 256KiB ;; esac)}"
VOLUMES_NA="${EXPORT_NA:+no bundle: airlock bundle n/a}"
V_PARTS=""
Z_PARTS=""
# peak_disk DIR PIDFILE: the largest du of DIR while the process whose pid is in PIDFILE runs (to $PIDFILE.peak).
peak_disk() {
  local max=0 now
  while [ ! -s "$2" ]; do sleep 0.05; done
  while kill -0 "$(cat "$2")" 2>/dev/null; do
    # du fails when a file goes while it walks (a part's side file): the sum it printed still counts
    now=$(bytes_of "$1" || true); [ "${now:-0}" -gt "$max" ] && max=$now
    sleep 0.1
  done
  echo "$max" >"$2.peak"
}
# volumes_export RUN [zstd]: plain parts, or with zstd compressed parts (--compress zstd, part format 3); the plain
# run's figures are also the compressed scenario's reference row (plain-parts).
volumes_export() {
  local i="$1" z="${2:-}" d="$TMP/volumes-export-$1${2:+-zstd}" sampler ext=tar scen=volumes-export
  [ -z "$z" ] || { ext=tar.zst; scen=volumes-zstd-export; }
  rm -rf "$d"; mkdir -p "$d/out"
  ( peak_disk "$d/out" "$d/pid" ) & sampler=$!
  # shellcheck disable=SC2086
  measured "$d/cmd" bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$d/pid" "$AIRLOCK" bundle "$SPEC" \
    -o "$d/out/bundle.tar" --volume-size "$VOLUME" ${z:+--compress zstd} $BUNDLE_ARGS
  wait "$sampler" || true
  if [ "$M_RC" != 0 ]; then
    unavailable "$d/cmd.err" || fail_run "airlock bundle --volume-size ${z:+--compress zstd }(run $i)" "$d/cmd"
    VOLUMES_NA="$NA_REASON"; record "$scen" airlock "$i" - - - n/a "$NA_REASON"; return
  fi
  local n largest peak note
  n=$(find "$d/out" -name "bundle.part-*-of-*.$ext" | wc -l)
  largest=$(find "$d/out" -name "bundle.part-*-of-*.$ext" -printf '%s\n' | sort -n | tail -1)
  [ "$n" -gt 0 ] || fail_run "airlock bundle --volume-size ${z:+--compress zstd }wrote no parts (run $i)" "$d/cmd"
  peak=$(awk -v b="$(cat "$d/pid.peak" 2>/dev/null || echo 0)" 'BEGIN{printf "%.1f MiB", b/1048576}')
  note="$n ${z:+compressed }parts of at most $VOLUME (largest $largest bytes); peak disk $peak"
  record "$scen" airlock "$i" "$M_SECS" "$M_RSS_KB" "$(bytes_of "$d/out")" ok "$note"
  if [ -z "$z" ]; then
    record volumes-zstd-export plain-parts "$i" "$M_SECS" "$M_RSS_KB" "$(bytes_of "$d/out")" ok "$note"
    [ -z "$V_PARTS" ] || rm -rf "$(dirname "$V_PARTS")"
    V_PARTS="$d/out/bundle.part-$(printf '%03d' 1)-of-$(printf '%03d' "$n").tar"
  else
    [ -z "$Z_PARTS" ] || rm -rf "$(dirname "$Z_PARTS")"
    Z_PARTS="$d/out/bundle.part-$(printf '%03d' 1)-of-$(printf '%03d' "$n").tar.zst"
  fi
}
volumes_single() {
  local i="$1" d="$TMP/volumes-single-$i"
  rm -rf "$d"; mkdir -p "$d/out"
  # shellcheck disable=SC2086
  measured "$d/cmd" "$AIRLOCK" bundle "$SPEC" -o "$d/out/bundle.tar" $BUNDLE_ARGS
  [ "$M_RC" = 0 ] || fail_run "airlock bundle (volumes run $i)" "$d/cmd"
  record volumes-export single-tar "$i" "$M_SECS" "$M_RSS_KB" "$(bytes_of "$d/out")" ok "one tarball"
  rm -rf "$d"
}
# volumes_import RUN parts|zstd-parts|tarball SOURCE: the tarball's import is the reference row of both scenarios.
volumes_import() {
  local i="$1" what="$2" src="$3" d="$TMP/volumes-import-$2-$1"
  mkdir -p "$d"
  registry_start DST
  # shellcheck disable=SC2086
  measured "$d/cmd" "$AIRLOCK" import "$src" --to "127.0.0.1:$DST_PORT/imported" --catalog "$d/history.db" $IMPORT_ARGS
  [ "$M_RC" = 0 ] || { registry_stop DST; fail_run "airlock import of $what (run $i)" "$d/cmd"; }
  check_imported "airlock import of $what" "127.0.0.1:$DST_PORT/imported"
  local stored; stored=$(bytes_of "$DST_STORAGE")
  case "$what" in
    parts) record volumes-import airlock "$i" "$M_SECS" "$M_RSS_KB" "$stored" ok "registry storage" ;;
    zstd-parts) record volumes-zstd-import airlock "$i" "$M_SECS" "$M_RSS_KB" "$stored" ok "registry storage" ;;
    *) record volumes-import single-tar "$i" "$M_SECS" "$M_RSS_KB" "$stored" ok "registry storage"
       record volumes-zstd-import single-tar "$i" "$M_SECS" "$M_RSS_KB" "$stored" ok "registry storage" ;;
  esac
  registry_stop DST
}
if [ -z "$VOLUMES_NA" ] && wanted volumes; then
  log "volumes: airlock bundle --volume-size $VOLUME vs one tarball, then import of each, $RUNS runs"
  for i in $(seq 1 "$RUNS"); do
    if airlock_first "$i"; then volumes_export "$i"; volumes_single "$i"; else volumes_single "$i"; volumes_export "$i"; fi
    [ -n "$VOLUMES_NA" ] && break
    volumes_export "$i" zstd
    [ -n "$VOLUMES_NA" ] && break
    if airlock_first "$i"; then
      volumes_import "$i" parts "$V_PARTS"; volumes_import "$i" zstd-parts "$Z_PARTS"; volumes_import "$i" tarball "$A_BUNDLE"
    else
      volumes_import "$i" tarball "$A_BUNDLE"; volumes_import "$i" zstd-parts "$Z_PARTS"; volumes_import "$i" parts "$V_PARTS"
    fi
  done
fi

# --- delta --------------------------------------------------------------------------------------------
# Week 1: the full corpus bundled, imported with --receipt. Week 2: one image gains one small layer; the delta
# (bundle --since the receipt) against the full week-2 bundle, then its import onto the week-1 registry against
# the full week-2 import into a fresh one. Both airlock, the same run, alternating; the bytes are the bundle's.
DELTA_NA="${EXPORT_NA:+no bundle: airlock bundle n/a}${IMPORT_NA:+no import: airlock import n/a}"
if [ -z "$DELTA_NA" ] && wanted delta; then
  D="$TMP/delta"
  rm -rf "$D"; mkdir -p "$D"
  registry_start WEEK1
  "$AIRLOCK" import "$A_BUNDLE" --to "127.0.0.1:$WEEK1_PORT/imported" --catalog "$D/history.db" $IMPORT_ARGS     --receipt "$D/week1.receipt.json" >"$D/week1.out" 2>"$D/week1.err" || {
      registry_stop WEEK1
      if unavailable "$D/week1.err"; then DELTA_NA="$NA_REASON"; else cat "$D/week1.err" >&2; die "airlock import --receipt failed"; fi; }
fi
if [ -z "$DELTA_NA" ] && wanted delta; then
  read -r CHANGED_REF CHANGED_DIGEST CHANGED_BYTES < <(python3 "$BENCH/lib/change-image.py" "$CORPUS/layout" "$D/changed")
  skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$D/changed:$CHANGED_REF" \
    "docker://127.0.0.1:$SRC_PORT/$CHANGED_REF" || die "pushing the changed $CHANGED_REF failed"
  WEEK1_DIGEST_OF_CHANGED="${DIGEST[$CHANGED_REF]}"
  DIGEST[$CHANGED_REF]=$CHANGED_DIGEST
  # a cosign tag of the replaced image stays in the spec but has no subject in week 2: not imported, not checked
  OLD_SIG_REF="${CHANGED_REF%:*}:sha256-${WEEK1_DIGEST_OF_CHANGED#sha256:}.sig"
  OLD_SIG_DIGEST="${DIGEST[$OLD_SIG_REF]:-}"
  [ -z "$OLD_SIG_DIGEST" ] || DIGEST[$OLD_SIG_REF]=-
  log "delta: $CHANGED_REF gained a $CHANGED_BYTES-byte layer ($CHANGED_DIGEST, was $WEEK1_DIGEST_OF_CHANGED)"
  D_BUNDLE="" F_BUNDLE=""
  delta_export() {
    local i="$1" what="$2" d="$D/export-$2-$1"
    rm -rf "$d"; mkdir -p "$d/out"
    if [ "$what" = delta ]; then
      # shellcheck disable=SC2086
      measured "$d/cmd" "$AIRLOCK" bundle "$SPEC" -o "$d/out/bundle.tar" --since "$D/week1.receipt.json" \
        --allow-unsigned-receipt $BUNDLE_ARGS
    else
      # shellcheck disable=SC2086
      measured "$d/cmd" "$AIRLOCK" bundle "$SPEC" -o "$d/out/bundle.tar" $BUNDLE_ARGS
    fi
    [ "$M_RC" = 0 ] || fail_run "airlock bundle ($what, delta run $i)" "$d/cmd"
    check_bundle "$d/out/bundle.tar"
    record delta-export "$([ "$what" = delta ] && echo airlock || echo full)" "$i" "$M_SECS" "$M_RSS_KB" \
      "$(bytes_of "$d/out/bundle.tar")" ok "$([ "$what" = delta ] && grep -o '^delta: .*' "$d/cmd.out" | cut -c1-160 || echo "full week-2 bundle")"
    if [ "$what" = delta ]; then D_BUNDLE="$d/out/bundle.tar"; else F_BUNDLE="$d/out/bundle.tar"; fi
  }
  delta_import() {
    local i="$1" what="$2" d="$D/import-$2-$1"
    rm -rf "$d"; mkdir -p "$d"
    if [ "$what" = delta ]; then
      # onto a copy of the week-1 registry's storage, at its address (the receipt names the target by host:port)
      cp -a "$WEEK1_STORAGE" "$d/storage"
      registry_start DST "$d/storage" "$WEEK1_PORT"
      # shellcheck disable=SC2086
      measured "$d/cmd" "$AIRLOCK" import "$D_BUNDLE" --to "127.0.0.1:$DST_PORT/imported" --catalog "$d/history.db" $IMPORT_ARGS
    else
      registry_start DST
      # shellcheck disable=SC2086
      measured "$d/cmd" "$AIRLOCK" import "$F_BUNDLE" --to "127.0.0.1:$DST_PORT/imported" --catalog "$d/history.db" $IMPORT_ARGS
    fi
    [ "$M_RC" = 0 ] || { registry_stop DST; fail_run "airlock import ($what, delta run $i)" "$d/cmd"; }
    check_imported "airlock import of the $what" "127.0.0.1:$DST_PORT/imported"
    record delta-import "$([ "$what" = delta ] && echo airlock || echo full)" "$i" "$M_SECS" "$M_RSS_KB" \
      "$(bytes_of "$([ "$what" = delta ] && echo "$D_BUNDLE" || echo "$F_BUNDLE")")" ok \
      "$([ "$what" = delta ] && echo "onto the week-1 registry" || echo "the full week-2 bundle into a fresh registry")"
    registry_stop DST
    rm -rf "$d/storage"
  }
  registry_stop WEEK1 keep # its storage is the starting point of every delta import
  log "delta: airlock bundle --since the week-1 receipt vs the full week-2 bundle, then their imports, $RUNS runs"
  for i in $(seq 1 "$RUNS"); do
    if airlock_first "$i"; then delta_export "$i" delta; delta_export "$i" full; else delta_export "$i" full; delta_export "$i" delta; fi
    if airlock_first "$i"; then delta_import "$i" delta; delta_import "$i" full; else delta_import "$i" full; delta_import "$i" delta; fi
  done
  DIGEST[$CHANGED_REF]=$WEEK1_DIGEST_OF_CHANGED
  [ -z "$OLD_SIG_DIGEST" ] || DIGEST[$OLD_SIG_REF]=$OLD_SIG_DIGEST
  # the source goes back to week 1 for the scenarios after this one
  skopeo copy -q --all --preserve-digests --dest-tls-verify=false "oci:$CORPUS/layout:$CHANGED_REF" \
    "docker://127.0.0.1:$SRC_PORT/$CHANGED_REF" || die "restoring $CHANGED_REF failed"
elif wanted delta; then
  record delta-export airlock - - - - n/a "$DELTA_NA"
fi

# --- verify -------------------------------------------------------------------------------------------
# The peers hash the blobs of the same bundle, extracted once outside the timing.
if wanted verify; then
  VERIFY_SRC="${A_BUNDLE:-$P_TAR}"
  VERIFY_DIR="$TMP/verify-extracted"
  mkdir -p "$VERIFY_DIR"
  tar -xf "$VERIFY_SRC" -C "$VERIFY_DIR"
  [ -d "$VERIFY_DIR/blobs/sha256" ] || die "$VERIFY_SRC has no blobs/sha256"
  VERIFY_BYTES=$(bytes_of "$VERIFY_DIR/blobs/sha256")
  VERIFY_NA="${EXPORT_NA:+no bundle: airlock bundle n/a}"
  verify_airlock() {
    local i="$1" d="$TMP/verify-airlock-$i"
    mkdir -p "$d"
    # shellcheck disable=SC2086
    measured "$d/cmd" "$AIRLOCK" verify "$A_BUNDLE" $VERIFY_ARGS
    if [ "$M_RC" != 0 ]; then
      unavailable "$d/cmd.err" || fail_run "airlock verify (run $i)" "$d/cmd"
      VERIFY_NA="$NA_REASON"
      record verify airlock "$i" - - - n/a "$NA_REASON"
      return
    fi
    record verify airlock "$i" "$M_SECS" "$M_RSS_KB" "$VERIFY_BYTES" ok "bytes hashed"
  }
  verify_peer() {
    local tool="$1" i="$2" d="$TMP/verify-$1-$2"
    mkdir -p "$d"
    measured "$d/cmd" bash "$BENCH/lib/hash-blobs.sh" "$tool" "$VERIFY_DIR/blobs/sha256"
    [ "$M_RC" = 0 ] || fail_run "$tool over the bundle's blobs (run $i)" "$d/cmd"
    record verify "$tool" "$i" "$M_SECS" "$M_RSS_KB" "$VERIFY_BYTES" ok "bytes hashed"
  }
  log "verify: airlock verify vs sha256sum and openssl dgst over $(awk -v b="$VERIFY_BYTES" 'BEGIN{printf "%.1f MiB", b/1048576}'), $RUNS runs"
  for i in $(seq 1 "$RUNS"); do
    if airlock_first "$i"; then
      [ -n "$VERIFY_NA" ] || verify_airlock "$i"
      verify_peer openssl "$i"
      verify_peer sha256sum "$i"
    else
      verify_peer sha256sum "$i"
      verify_peer openssl "$i"
      [ -n "$VERIFY_NA" ] || verify_airlock "$i"
    fi
  done
  [ -z "$EXPORT_NA" ] || record verify airlock - - - - n/a "$VERIFY_NA"
  rm -rf "$VERIFY_DIR"
fi

# --- serve --------------------------------------------------------------------------------------------
# skopeo pulls every image out of the server into a fresh layout; the RSS figure is the server's peak.
if wanted serve; then
  SERVE_NA="${EXPORT_NA:+no bundle: airlock bundle n/a}"
  serve_airlock() {
    local i="$1" d="$TMP/serve-airlock-$i" port pid
    mkdir -p "$d"
    port=$(free_port)
    # shellcheck disable=SC2086
    "$AIRLOCK" serve "$A_BUNDLE" --addr "127.0.0.1:$port" $SERVE_ARGS >"$d/server.out" 2>"$d/server.err" &
    pid=$!
    STARTED_PIDS+=("$pid")
    if ! wait_http "http://127.0.0.1:$port/v2/" "$pid" 300; then
      set +e; wait "$pid"; M_RC=$?; set -e
      stop_pid "$pid"
      unavailable "$d/server.err" || { cp "$d/server.err" "$d/cmd.err"; fail_run "airlock serve (run $i) did not come up" "$d/cmd"; }
      SERVE_NA="$NA_REASON"
      record serve airlock "$i" - - - n/a "$NA_REASON"
      return
    fi
    SERVE_START_CPU=$(cpu_secs "$pid") # start-up excluded: the CPU the pulls cost the server
    measured "$d/cmd" bash "$BENCH/lib/skopeo-pull.sh" "127.0.0.1:$port" "$d/pulled" "${REFS[@]}"
    local hwm cpu
    hwm=$(vm_hwm_kb "$pid")
    cpu=$(cpu_secs "$pid")
    stop_pid "$pid"
    [ "$M_RC" = 0 ] || fail_run "skopeo pull out of airlock serve (run $i)" "$d/cmd"
    record serve airlock "$i" "$M_SECS" "$hwm" "$(bytes_of "$d/pulled")" ok \
      "server RSS; server CPU $(awk -v a="$cpu" -v b="$SERVE_START_CPU" 'BEGIN{printf "%.2f", a - b}') s"
    rm -rf "$d/pulled"
  }
  serve_registry() {
    local i="$1" d="$TMP/serve-registry-$i"
    mkdir -p "$d"
    # a fresh docker-registry process over the source registry's storage, so its peak RSS is this run's
    registry_start SRV "$SRC_STORAGE"
    local cpu0
    cpu0=$(cpu_secs "$SRV_PID")
    measured "$d/cmd" bash "$BENCH/lib/skopeo-pull.sh" "127.0.0.1:$SRV_PORT" "$d/pulled" "${REFS[@]}"
    local hwm cpu
    hwm=$(vm_hwm_kb "$SRV_PID")
    cpu=$(cpu_secs "$SRV_PID")
    registry_stop SRV
    [ "$M_RC" = 0 ] || fail_run "skopeo pull out of docker-registry (run $i)" "$d/cmd"
    record serve docker-registry "$i" "$M_SECS" "$hwm" "$(bytes_of "$d/pulled")" ok \
      "server RSS; server CPU $(awk -v a="$cpu" -v b="$cpu0" 'BEGIN{printf "%.2f", a - b}') s"
    rm -rf "$d/pulled"
  }
  log "serve: skopeo pulls out of airlock serve vs docker-registry, $RUNS runs"
  for i in $(seq 1 "$RUNS"); do
    if airlock_first "$i"; then
      [ -n "$SERVE_NA" ] || serve_airlock "$i"
      serve_registry "$i"
    else
      serve_registry "$i"
      [ -n "$SERVE_NA" ] || serve_airlock "$i"
    fi
  done
  [ -z "$EXPORT_NA" ] || record serve airlock - - - - n/a "$SERVE_NA"
fi

# --- report -------------------------------------------------------------------------------------------
{
  echo "size=$SIZE"
  echo "runs=$RUNS"
  echo "only=$ONLY"
  cat "$CORPUS/facts.txt"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc=$(nproc)"
  echo "memory=$(awk '/^MemTotal:/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "java=$(java -version 2>&1 | head -1)"
  echo "airlock_java_opts=${AIRLOCK_JAVA_OPTS:--Xmx128m -XX:+UseSerialGC, C1 thresholds x10 and C2 x4 with the SHA-256 methods 1000x sooner, AppCDS archive (bin/airlock default)}"
  echo "skopeo=$(skopeo --version)"
  echo "registry=$(docker-registry --version 2>&1 | head -1)"
  echo "openssl=$(openssl version)"
  echo "sha256sum=$(sha256sum --version | head -1)"
  echo "refs=${REFS[*]}"
} >"$TMP/facts.txt"
if ! python3 "$BENCH/lib/report.py" "$RESULTS_TSV" "$TMP/facts.txt" >"$OUT.part"; then
  cp "$RESULTS_TSV" "$OUT.tsv"
  die "writing the report failed; the raw measurements are in $OUT.tsv"
fi
mv "$OUT.part" "$OUT"
cat "$OUT"
log "wrote $OUT"
