package dev.airlock;

/** Input that cannot be accepted: a malformed reference, digest, JSON or YAML document, a bad path. */
public class InvalidInputException extends AirlockException {
  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
