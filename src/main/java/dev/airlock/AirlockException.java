package dev.airlock;

/**
 * Base of every error airlock reports to a person. The message is one line that names what failed
 * (a reference, a digest, a file); the CLI prints it as is and adds the stack trace only with --debug.
 */
public class AirlockException extends RuntimeException {
  public AirlockException(String message) {
    super(message);
  }

  public AirlockException(String message, Throwable cause) {
    super(message, cause);
  }
}
