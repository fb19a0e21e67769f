package dev.airlock.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The Notation trust policy and trust store a cluster's notation, Ratify or Kyverno use: verify, import, mirror. */
final class NotationTrustMixin {
  @Option(names = "--notation-trust-policy", paramLabel = "FILE",
      description = "Notation trust policy (trustpolicy.json / trustpolicy.oci.json) every image must satisfy.")
  Path trustPolicy;

  @Option(names = "--notation-trust-store", paramLabel = "DIR",
      description = "Notation trust store directory (x509/{ca,signingAuthority,tsa}/NAME/), with --notation-trust-policy.")
  Path trustStore;
}
