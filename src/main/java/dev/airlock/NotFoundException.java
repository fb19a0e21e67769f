package dev.airlock;

/** Content (a manifest, a blob, a tag) that the store or registry does not have. */
public class NotFoundException extends AirlockException {
  public NotFoundException(String message) {
    super(message);
  }
}
