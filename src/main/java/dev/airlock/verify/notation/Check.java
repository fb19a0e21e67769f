package dev.airlock.verify.notation;

/**
 * The validations of a Notation signature, in the order they run, and the reason category a failure is
 * reported under. Trusted identity is judged with the action of authenticity, as the trust policy has no
 * key of its own for it.
 */
public enum Check {
  INTEGRITY("integrity"),
  AUTHENTICITY("authenticity"),
  TRUSTED_IDENTITY("trusted identity"),
  EXPIRY("expiry"),
  AUTHENTIC_TIMESTAMP("authentic timestamp"),
  REVOCATION("revocation");

  private final String label;

  Check(String label) {
    this.label = label;
  }

  /** How reports name it: {@code trusted identity}, {@code authentic timestamp}. */
  public String label() {
    return label;
  }
}
