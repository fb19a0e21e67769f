package dev.airlock.registry;

import dev.airlock.NotFoundException;

/** A 404 from a registry: the manifest, blob or repository is not there. */
public class RegistryNotFoundException extends NotFoundException {
  private final RegistryError error;

  public RegistryNotFoundException(String summary, RegistryError error) {
    super(error.message(summary));
    this.error = error;
  }

  public RegistryError error() {
    return error;
  }
}
