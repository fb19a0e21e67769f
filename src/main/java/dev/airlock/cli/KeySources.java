package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.verify.keys.KeyPassword;
import dev.airlock.verify.keys.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a signing key comes from, for every command that signs (bundle --key, receipt --key, import
 * --sign-receipt and --sign-with): a cosign-format encrypted key file (password from AIRLOCK_PASSWORD,
 * COSIGN_PASSWORD or a prompt), or a key on a PKCS#11 token named by an RFC 7512 {@code pkcs11:} URI.
 */
final class KeySources {
  private KeySources() {}

  /** The key {@code spec} names; {@code pkcs11Module} (may be null) is the module for a {@code pkcs11:} URI. */
  static SigningKey load(String spec, Path pkcs11Module) throws IOException {
    if (spec == null || spec.isBlank()) {
      throw new InvalidInputException("the signing key is empty: give a cosign key file or a pkcs11: URI");
    }
    if (spec.startsWith("pkcs11:")) {
      return dev.airlock.sitesign.pkcs11.Pkcs11Keys.open(spec, pkcs11Module, System.getenv(), System.console());
    }
    Path key = Path.of(spec);
    if (!Files.isRegularFile(key)) {
      throw new InvalidInputException("key file " + key + " does not exist");
    }
    char[] pw = KeyPassword.resolve(System.getenv(), System.console(), "Enter password for private key " + key + ": ", false);
    try {
      return SigningKey.load(key, pw);
    } finally {
      java.util.Arrays.fill(pw, '\0');
    }
  }
}
