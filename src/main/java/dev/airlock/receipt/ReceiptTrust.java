package dev.airlock.receipt;

import dev.airlock.VerificationException;
import java.io.IOException;
import java.security.PublicKey;
import java.util.List;

/**
 * Whether a receipt may be used: a signed receipt must verify with one of the given keys; an unsigned one (or a
 * signed one without a key to check it) only when the user accepts it unchecked. Fails closed, naming the receipt.
 */
public final class ReceiptTrust {
  private ReceiptTrust() {}

  /** Returns how the receipt was accepted, for reports: {@code signed by key 0a1b2c3d4e5f} or {@code unsigned}. */
  public static String check(Receipt r, List<PublicKey> keys, boolean allowUnsigned) throws IOException {
    if (!keys.isEmpty()) {
      var by = r.verifiedBy(keys);
      if (by.isPresent()) {
        return "signed by key " + by.get().substring(0, 12);
      }
      if (r.signatures().isEmpty()) {
        throw new VerificationException(r.describe() + " is not signed; --receipt-key needs a signed receipt"
            + " (write it with --sign-receipt / --key)");
      }
      throw new VerificationException(r.describe() + " is not signed by " + (keys.size() == 1 ? "the key given" : "any of the keys given")
          + " (its signature names key " + shortId(r.signatures().get(0).keyId())
          + "): it was tampered with, or signed by another key");
    }
    if (!allowUnsigned) {
      throw new VerificationException(r.describe() + (r.signatures().isEmpty() ? " is not signed" : " is signed (key "
          + shortId(r.signatures().get(0).keyId()) + ")") + ": give --receipt-key PUB to check it, or"
          + " --allow-unsigned-receipt to use it unchecked");
    }
    return r.signatures().isEmpty() ? "unsigned (accepted with --allow-unsigned-receipt)"
        : "signature not checked (--allow-unsigned-receipt)";
  }

  private static String shortId(String keyId) {
    return keyId == null || keyId.isEmpty() ? "(none named)" : keyId.substring(0, Math.min(12, keyId.length()));
  }
}
