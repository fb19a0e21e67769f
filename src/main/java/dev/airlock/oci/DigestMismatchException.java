package dev.airlock.oci;

import java.io.IOException;

/**
 * Content whose bytes do not hash to the digest (or size) it was announced with. It is an
 * {@link IOException} because it is raised at the end of a stream, from {@code read()}.
 */
public class DigestMismatchException extends IOException {
  private final String expected;
  private final String actual;

  public DigestMismatchException(String what, String expected, String actual) {
    super(what + ": expected " + expected + ", got " + actual);
    this.expected = expected;
    this.actual = actual;
  }

  public String expected() {
    return expected;
  }

  public String actual() {
    return actual;
  }
}
