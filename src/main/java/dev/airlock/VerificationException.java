package dev.airlock;

/** A signature, policy or integrity check failed. The CLI maps it to exit code 3. */
public class VerificationException extends AirlockException {
  public VerificationException(String message) {
    super(message);
  }

  public VerificationException(String message, Throwable cause) {
    super(message, cause);
  }
}
