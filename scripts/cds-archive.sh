#!/usr/bin/env bash
# cds-archive.sh JAR: records the classes airlock's commands load (dev.airlock.cli.CdsTraining, a short run of
# every command through the command line on a tiny image: serve of a bundle and the commands that read a
# registry from it, and, with docker-registry on the PATH, one on 127.0.0.1 to import and mirror into)
# into the AppCDS archive JAR.jsa that bin/airlock maps, so
# that every command starts faster and none pays for writing the archive. Run by the build (package phase).
# Never fails the build: without an archive bin/airlock records one on the first real command instead.
# Also leaves the class list as DIR/airlock.classlist (the distribution carries it: scripts/distribution.sh)
# and this platform's native libraries as plain files in DIR/native/ (SQLite and zstd; bin/airlock points
# the libraries at them, so no command extracts them from the jar).
#
# The archive is a static one (a class list from the training run, then -Xshare:dump): unlike the dynamic
# archive written at exit, it also holds picocli's classes, which are Java 5 class files (a dynamic
# archive skips those, and they were then parsed from the jar at every start: 40 ms of each command).
# Should the static dump fail, the dynamic archive is written as before.
set -uo pipefail
jar="${1:?usage: cds-archive.sh JAR}"
dir="$(dirname "$jar")"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
tmp="$jar.jsa.build-$$"
opts=(-Xmx128m -XX:+UseSerialGC -XX:-UsePerfData)
# the training signs a bundle with a key it generates: this is that key's password, nothing else's
export AIRLOCK_PASSWORD=cds-training
rm -f "$jar.jsa" "$dir/airlock.classlist"

# this platform's native libraries, beside the jar (bin/airlock uses them when they are there)
rm -rf "$dir/native"
if arch=$(bash "$(dirname "$0")/native-libs.sh" "$jar" "$dir/native" 2>"$tmp.log"); then
  echo "cds-archive: native libraries for linux-$arch in $dir/native"
else
  rm -rf "$dir/native"
fi

done_with() {
  mv -f "$tmp" "$jar.jsa"
  rm -f "$tmp.log" "$tmp.classlist"
  echo "cds-archive: wrote $jar.jsa ($1, $(wc -c <"$jar.jsa") bytes)"
  exit 0
}
if "$java_bin" -XX:DumpLoadedClassList="$tmp.classlist" "${opts[@]}" -cp "$jar" dev.airlock.cli.CdsTraining \
    >"$tmp.log" 2>&1 && [ -s "$tmp.classlist" ] \
  && cp "$tmp.classlist" "$dir/airlock.classlist" \
  && "$java_bin" -Xshare:dump -XX:SharedClassListFile="$tmp.classlist" -XX:SharedArchiveFile="$tmp" \
    -Xlog:cds=off "${opts[@]}" -cp "$jar" >>"$tmp.log" 2>&1 && [ -s "$tmp" ]; then
  done_with static
fi
rm -f "$tmp" "$tmp.classlist"
if "$java_bin" -XX:ArchiveClassesAtExit="$tmp" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off \
    "${opts[@]}" -cp "$jar" dev.airlock.cli.CdsTraining >>"$tmp.log" 2>&1 && [ -s "$tmp" ]; then
  done_with dynamic
fi
echo "cds-archive: no archive (bin/airlock records one on first use): $(tail -3 "$tmp.log" 2>/dev/null | tr '\n' ' ')" >&2
rm -f "$tmp" "$tmp.log" "$tmp.classlist"
exit 0
