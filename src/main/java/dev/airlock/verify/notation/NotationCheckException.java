package dev.airlock.verify.notation;

/** A validation of a Notation signature failed; {@link #check()} is the reason category. */
public final class NotationCheckException extends Exception {
  private final Check check;

  public NotationCheckException(Check check, String message) {
    super(message);
    this.check = check;
  }

  public NotationCheckException(Check check, String message, Throwable cause) {
    super(message, cause);
    this.check = check;
  }

  public Check check() {
    return check;
  }
}
