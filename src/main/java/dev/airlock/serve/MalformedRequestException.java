package dev.airlock.serve;

/** A request head the server refuses; {@code status} is what the client is told (400, 414, 431, 505). */
final class MalformedRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;

  MalformedRequestException(int status, String reason) {
    super(reason);
    this.status = status;
  }

  int status() {
    return status;
  }
}
