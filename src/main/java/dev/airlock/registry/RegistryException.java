package dev.airlock.registry;

import dev.airlock.AirlockException;

/** A registry call that failed and will not heal by retrying (or stopped healing): one clear line. */
public class RegistryException extends AirlockException {
  private final RegistryError error;

  public RegistryException(String summary, RegistryError error) {
    super(error.message(summary));
    this.error = error;
  }

  public RegistryException(String summary, RegistryError error, Throwable cause) {
    super(error.message(summary), cause);
    this.error = error;
  }

  public RegistryError error() {
    return error;
  }

  public int status() {
    return error.status();
  }

  /** The registry's error code from the distribution error body, or null. */
  public String code() {
    return error.code();
  }
}
