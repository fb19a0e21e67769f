#!/usr/bin/env bash
# cds-archive.sh JAR: records the classes airlock's main commands load (dev.airlock.cli.CdsTraining, a short
# in-process run on a tiny image) into the AppCDS archive JAR.jsa that bin/airlock maps, so that every
# command starts faster and none pays for writing the archive. Run by the build (package phase). Never
# fails the build: without an archive bin/airlock records one on the first real command instead.
set -uo pipefail
jar="${1:?usage: cds-archive.sh JAR}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
tmp="$jar.jsa.build-$$"
rm -f "$jar.jsa"
if "$java_bin" -XX:ArchiveClassesAtExit="$tmp" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off \
    -Xmx128m -XX:+UseSerialGC -cp "$jar" dev.airlock.cli.CdsTraining >"$tmp.log" 2>&1 && [ -s "$tmp" ]; then
  mv -f "$tmp" "$jar.jsa"
  rm -f "$tmp.log"
  echo "cds-archive: wrote $jar.jsa ($(wc -c <"$jar.jsa") bytes)"
else
  echo "cds-archive: no archive (bin/airlock records one on first use): $(tail -3 "$tmp.log" 2>/dev/null | tr '\n' ' ')" >&2
  rm -f "$tmp" "$tmp.log"
fi
exit 0
