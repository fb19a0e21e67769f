# Sourced by run.sh. Builds (or reuses) the benchmark corpus: real Debian packages unpacked into layers,
# assembled into an OCI layout under $WORK/corpus-SIZE/layout. Needs: apt-get, dpkg-deb, tar, gzip, python3.

# corpus_debs PKG... : prints "PKG VERSION DEBFILE" for each package: its newest version that a mirror
# has (a stanza with a Filename; an installed version from elsewhere has none), under apt's file name.
corpus_debs() {
  apt-cache show "$@" 2>/dev/null | awk '
    function flush() {
      if (p != "" && f != "" && !(p in seen)) { seen[p] = 1; e = v; gsub(":", "%3a", e); print p, v, p "_" e "_" a ".deb" }
      p = ""; v = ""; a = ""; f = ""
    }
    /^Package: /{p=$2} /^Version: /{v=$2} /^Architecture: /{a=$2} /^Filename: /{f=$2}
    /^$/{flush()} END{flush()}'
}

# corpus_fetch PKG... : makes sure $WORK/debs holds each package's .deb; prints "PKG DEBFILE" lines.
corpus_fetch() {
  local map="${TMP:-$WORK}/debs.map.$$" missing=() pkg file
  mkdir -p "$WORK/debs"
  corpus_debs "$@" | sort -u >"$map"
  if [ "$(cut -d' ' -f1 "$map" | sort -u | wc -l)" -lt "$(printf '%s\n' "$@" | sort -u | wc -l)" ]; then
    log "apt package lists look stale or empty: apt-get update"
    apt-get update -qq >/dev/null || die "apt-get update failed (run as root, with Debian's mirror reachable)"
    corpus_debs "$@" | sort -u >"$map"
  fi
  for pkg in "$@"; do
    grep -q "^$pkg " "$map" || die "no Debian package '$pkg' (apt-cache show found none)"
  done
  while read -r pkg version file; do
    [ -f "$WORK/debs/$file" ] && continue
    if [ -f "/var/cache/apt/archives/$file" ]; then
      cp "/var/cache/apt/archives/$file" "$WORK/debs/$file"
    else
      missing+=("$pkg=$version")
    fi
  done <"$map"
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get download: ${#missing[@]} packages"
    (cd "$WORK/debs" && apt-get download -qq -o APT::Sandbox::User=root "${missing[@]}" >/dev/null) \
      || die "apt-get download failed for some of: ${missing[*]}"
  fi
  while read -r pkg version file; do
    [ -f "$WORK/debs/$file" ] || die "apt-get download did not produce $file"
  done <"$map"
  cut -d' ' -f1,3 "$map"
  rm -f "$map"
}

# corpus_build SIZE : sets CORPUS (the directory with layout/, refs.txt, facts.txt).
corpus_build() {
  local size="$1" spec="$BENCH/corpus/$1.txt"
  [ -f "$spec" ] || die "no corpus definition $spec"
  mkdir -p "$WORK/layers"
  local pkgs debmap
  pkgs=$(awk '$1=="layer"{for(i=3;i<=NF;i++)print $i}' "$spec" | sort -u)
  # shellcheck disable=SC2086
  debmap=$(corpus_fetch $pkgs) || exit 1
  local name rest file key todo="${TMP:-$WORK}/layers.todo.$$" layermap="${TMP:-$WORK}/layers.map.$$"
  rm -rf "$todo"
  mkdir -p "$todo"
  : >"$layermap"
  while read -r _ name rest; do
    local debs=()
    for pkg in $rest; do
      file=$(awk -v p="$pkg" '$1==p{print $2}' <<<"$debmap")
      [ -n "$file" ] || die "no .deb for $pkg"
      debs+=("$WORK/debs/$file")
    done
    key=$( (echo "$name"; for d in "${debs[@]}"; do basename "$d"; done) | sha256sum | cut -c1-16)
    local out="$WORK/layers/$name-$key.tar.gz"
    echo "$name $out" >>"$layermap"
    # one file of arguments per layer still to build: the output, then its .deb files, one a line
    [ -f "$out" ] || printf '%s\n' "$out" "${debs[@]}" >"$todo/$name"
  done < <(grep '^layer ' "$spec")
  if [ -n "$(ls -A "$todo")" ]; then
    log "building $(ls "$todo" | wc -l) layers from .deb packages ($(ls "$todo" | tr '\n' ' ')); cached in $WORK/layers"
    find "$todo" -type f -print0 \
      | xargs -0 -n1 -P "$(nproc)" bash -c 'mapfile -t a <"$2"; exec bash "$1/lib/build-layer.sh" "${a[@]}"' _ "$BENCH" \
      || die "building layers failed"
  fi
  rm -rf "$todo"
  local stamp
  stamp=$( (cat "$spec" "$layermap"; cat "$BENCH/lib/assemble.py") | sha256sum | cut -c1-16)
  CORPUS="$WORK/corpus-$size"
  if [ ! -f "$CORPUS/stamp" ] || [ "$(cat "$CORPUS/stamp")" != "$stamp" ]; then
    log "assembling the $size corpus as an OCI layout"
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    python3 "$BENCH/lib/assemble.py" "$spec" "$layermap" "$CORPUS" || die "assembling the corpus failed"
    echo "$stamp" >"$CORPUS/stamp"
  fi
  rm -f "$layermap"
}
