package dev.airlock.registry.http;

import java.io.IOException;

/** A transport failure retrying will not fix: a redirect loop, a refused downgrade to plain HTTP. */
public final class PermanentTransportException extends IOException {
  public PermanentTransportException(String message) {
    super(message);
  }
}
