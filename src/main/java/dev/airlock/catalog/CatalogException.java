package dev.airlock.catalog;

import dev.airlock.AirlockException;

/** The catalog could not be written or read. */
public final class CatalogException extends AirlockException {
  public CatalogException(String message, Throwable cause) {
    super(message, cause);
  }
}
