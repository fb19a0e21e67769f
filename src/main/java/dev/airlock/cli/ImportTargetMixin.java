package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.history.ImportHistory;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.transfer.GraphCopier;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What import and mirror share: the target, the policies the content must satisfy before anything is
 * pushed, how names map at the target, the mirror configuration to write, the history database and the
 * blobs in flight.
 */
final class ImportTargetMixin {
  @Option(names = "--to", required = true, paramLabel = "TARGET", description = "host:port[/prefix] or oci:DIR.")
  String to;

  @Option(names = "--policy", paramLabel = "P", description = "Image policy the content must satisfy before anything is pushed.")
  Path policy;

  @Mixin NotationTrustMixin notation = new NotationTrustMixin();

  @Option(names = "--allow-unmatched-rules", description = "A policy entry whose match selects no image is reported"
      + " but does not fail the verification (default: it fails).")
  boolean allowUnmatchedRules;

  @Option(names = "--keep-host", description = "Keep the source host as the first path component (TARGET/docker.io/library/alpine).")
  boolean keepHost;

  @Option(names = "--flatten", description = "Flatten repository paths to one component, reversibly (a/b-c/d -> a-b--c-d).")
  boolean flatten;

  @Option(names = "--prefix", paramLabel = "P", description = "Path prefix under the target for every repository.")
  String prefix;

  @Option(names = "--emit-config", paramLabel = "DIR", description = "Write containerd hosts.toml, registries.conf,"
      + " ImageDigestMirrorSet/ImageTagMirrorSet and mapping.json into DIR.")
  Path emitConfig;

  @Option(names = "--catalog", paramLabel = "DB", description = "Import history database (default: ${XDG_DATA_HOME:-~/.local/share}/airlock/history.db).")
  Path catalog;

  @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "0", description = "Blobs in flight (default: automatic).")
  int jobs;

  /** The target, checked not to be blank. */
  String target() {
    if (to == null || to.isBlank()) {
      throw new InvalidInputException("--to is empty; give a registry (host:port[/prefix]) or oci:DIR");
    }
    return to;
  }

  ReferenceMapper mapper() {
    return new ReferenceMapper(prefix, keepHost, flatten);
  }

  Path history() {
    return catalog != null ? catalog : ImportHistory.defaultPath();
  }

  /** Blobs in flight: {@code -j}, or the automatic count. */
  int streams() {
    return jobs > 0 ? jobs : GraphCopier.defaultParallelism();
  }

  /** The verification request: {@code keys} (none for a mirror), these policies. */
  BundleVerifier.Request verification(List<Path> keys, boolean allowUnsigned) {
    return new BundleVerifier.Request(keys, policy, allowUnsigned).withAllowUnmatchedRules(allowUnmatchedRules)
        .withNotation(notation.trustPolicy, notation.trustStore);
  }
}
