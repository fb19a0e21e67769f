#!/usr/bin/env bash
# distribution.sh TARGET VERSION [JDK [ARCH [JMODS]]]: writes the self-contained distribution
# TARGET/airlock-VERSION-linux-ARCH.tar.gz (and .sha256 beside it), which runs on Linux with no Java
# installed. Run by the build (package phase) after the jar, the distribution's jar (TARGET/dist/airlock.jar,
# without native libraries) and the class list (TARGET/airlock.classlist, scripts/cds-archive.sh).
#
#   airlock-VERSION-linux-ARCH/
#     bin/airlock            the launcher (the same script as a checkout's bin/airlock)
#     lib/airlock.jar        airlock and its libraries, without any platform's native libraries
#     lib/native/            this platform's: libsqlitejdbc.so, libzstd-jni.so
#     lib/airlock.classlist  the classes the commands load; the first command run where the distribution
#                            was unpacked writes lib/airlock.jsa from it (a Java 17 class-data archive holds
#                            the jar's absolute path, so it cannot be made in advance)
#     runtime/               a jlink image of JDK (default: the JDK running the build) with only the modules
#                            airlock uses
#     README.txt, VERSION
#
# ARCH is x86_64 (default: this machine's) or aarch64; a runtime for another architecture than the JDK's
# own needs JMODS, the jmods directory of a JDK of that architecture and of the same version as JDK's jlink.
# Never half-written: everything is built in TARGET/dist/ and the tarball renamed into place.
set -euo pipefail
target="${1:?usage: distribution.sh TARGET VERSION [JDK [ARCH [JMODS]]]}"
version="${2:?usage: distribution.sh TARGET VERSION [JDK [ARCH [JMODS]]]}"
jdk="${3:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}"
arch="${4:-$(uname -m)}"
jmods="${5:-}"
here="$(cd "$(dirname "$0")/.." && pwd)"
case "$arch" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) echo "distribution: no distribution for linux-$arch" >&2; exit 1 ;;
esac
# The JDK modules airlock uses: `jdeps --print-module-deps` on the jar lists java.base, java.compiler,
# java.desktop, java.naming, java.net.http, java.security.jgss, java.sql and jdk.unsupported; of those,
# java.compiler (an annotation of errorprone), java.desktop (java.beans in snakeyaml's and commons' bean
# helpers), java.naming (Bouncy Castle's LDAP CRL fetching) and java.security.jgss (Kerberos in Apache
# HttpClient) are only named by code airlock never runs, and DistributionIT runs every command without
# them. jdk.crypto.ec is a service provider jdeps cannot see: it holds ECDSA, EdDSA and the EC TLS key
# exchanges. java.sql brings java.logging and java.xml.
# jdk.crypto.cryptoki is the SunPKCS11 provider, for keys on PKCS#11 tokens (pkcs11: URIs, issue 17).
modules="java.base,java.net.http,java.sql,jdk.crypto.cryptoki,jdk.crypto.ec,jdk.unsupported"

name="airlock-$version-linux-$arch"
dist="$target/dist"
stage="$dist/$name"
out="$target/$name.tar.gz"
jar="$dist/airlock.jar"
[ -f "$jar" ] || { echo "distribution: $jar not found (the build's distribution-jar step writes it)" >&2; exit 1; }
[ -x "$jdk/bin/jlink" ] || { echo "distribution: $jdk has no jlink: give a JDK (-Dairlock.dist.jdk=DIR)" >&2; exit 1; }
jdk_arch=$(sed -n 's/^OS_ARCH="\(.*\)"/\1/p' "$jdk/release" 2>/dev/null || true)
case "$jdk_arch" in amd64) jdk_arch=x86_64 ;; arm64) jdk_arch=aarch64 ;; esac
if [ -z "$jmods" ]; then
  if [ -n "$jdk_arch" ] && [ "$jdk_arch" != "$arch" ]; then
    echo "distribution: $jdk is a linux-$jdk_arch JDK; a linux-$arch runtime needs that platform's jmods (JMODS)" >&2
    exit 1
  fi
  [ -d "$jdk/jmods" ] && jmods="$jdk/jmods" # without jmods, a JDK 24+ links from its own run-time image
fi
t0=$SECONDS
rm -rf "$stage" "$out" "$out.sha256"
mkdir -p "$stage/bin" "$stage/lib"

"$jdk/bin/jlink" ${jmods:+--module-path "$jmods"} --add-modules "$modules" --output "$stage/runtime" \
  --strip-debug --no-header-files --no-man-pages --compress=0 --generate-cds-archive 2>"$dist/jlink.log" \
  || { cat "$dist/jlink.log" >&2; exit 1; }
# No links in the tarball (extract-self refuses them): jlink links the modules' legal notices to
# java.base's, and Debian's JDK links cacerts to /etc/ssl/certs/java/cacerts; each becomes a copy.
find "$stage/runtime" -type l | while read -r l; do
  cp --remove-destination "$(readlink -f "$l")" "$l"
done
# the archive for heaps over 32 GiB (airlock runs in 128 MiB), and native symbol tables
rm -f "$stage/runtime/lib/server/classes_nocoops.jsa"
if command -v strip >/dev/null; then
  find "$stage/runtime" -name '*.so' -exec strip --strip-unneeded {} +
fi

cp "$here/bin/airlock" "$stage/bin/airlock"
chmod 0755 "$stage/bin/airlock"
cp "$jar" "$stage/lib/airlock.jar"
if [ -f "$target/airlock.classlist" ]; then
  cp "$target/airlock.classlist" "$stage/lib/airlock.classlist"
fi
JAVA_HOME="$jdk" bash "$here/scripts/native-libs.sh" "$target/airlock.jar" "$stage/lib/native" "$arch" >/dev/null
echo "$version" >"$stage/VERSION"
cat >"$stage/README.txt" <<EOF
airlock $version for Linux $arch: offline air-gap bundler and mirror for OCI content.

This directory runs as it is, from anywhere, with no Java installed: bin/airlock uses the Java runtime
in runtime/ (only the modules airlock needs). Put bin/airlock on PATH or call it by its path:

  $name/bin/airlock --help

The first command run here writes lib/airlock.jsa (a class-data archive that makes every later command
start faster) in the background; a read-only directory only goes without it. See the project README,
"Carrying airlock across", for checking this tarball and for taking it out of a bundle (extract-self).
EOF

# the tarball: sorted names, owner 0, one modification time, no gzip timestamp; renamed when whole
epoch="${SOURCE_DATE_EPOCH:-1767225600}" # 2026-01-01, the pom's project.build.outputTimestamp
find "$stage" -exec touch -h -d "@$epoch" {} +
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$dist" -cf - "$name" \
  | gzip -n -6 >"$out.part"
mv -f "$out.part" "$out"
(cd "$target" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256.part" && mv -f "$name.tar.gz.sha256.part" "$name.tar.gz.sha256")
echo "distribution: wrote $out ($(du -k "$out" | cut -f1) KiB; runtime $(du -sk "$stage/runtime" | cut -f1) KiB," \
  "jar $(du -k "$stage/lib/airlock.jar" | cut -f1) KiB, native $(du -sk "$stage/lib/native" | cut -f1) KiB unpacked)" \
  "in $((SECONDS - t0)) s"
