package dev.airlock.importer;

import java.io.IOException;

/**
 * Opens a registry as an import target and probes what it supports. The registry client plugs in here
 * ({@code dev.airlock.registry.RegistryStore}); tests can plug a store of their own.
 */
@FunctionalInterface
public interface RegistryTargets {
  ImportTarget open(String hostPort, String prefix, String spec) throws IOException;

  /** Used while the registry client is not part of this build. */
  RegistryTargets UNAVAILABLE = (hostPort, prefix, spec) -> {
    throw new dev.airlock.InvalidInputException("importing into a registry (" + spec + ") is not available yet in this"
        + " build; import into an OCI layout with --to oci:DIR and serve it with airlock serve");
  };
}
