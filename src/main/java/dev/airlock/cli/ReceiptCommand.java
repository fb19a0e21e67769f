package dev.airlock.cli;

import dev.airlock.InvalidInputException;
import dev.airlock.importer.ImportItem;
import dev.airlock.importer.ImportResult;
import dev.airlock.importer.ImportTarget;
import dev.airlock.importer.RegistryTargets;
import dev.airlock.receipt.ReceiptTaker;
import dev.airlock.receipt.ReceiptWriter;
import dev.airlock.receipt.TargetInventory;
import dev.airlock.verify.keys.KeyPassword;
import dev.airlock.verify.keys.SigningKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.TreeSet;

/** Receipts written by the CLI: after an import ({@code import --receipt}). */
final class ReceiptCommand {
  private ReceiptCommand() {}

  /** The receipt of the repositories an import wrote, re-read from its target once the import is proven. */
  static ReceiptWriter.Written afterImport(String to, RegistryTargets targets, ImportResult r, SigningKey key, Path out)
      throws IOException {
    TreeSet<String> repos = new TreeSet<>();
    for (ImportItem i : r.plan().items()) {
      repos.add(i.targetRepository());
    }
    try (ImportTarget t = ImportTarget.open(to, targets)) {
      return ReceiptTaker.take(t.store(), ReceiptTaker.targetName(t.host(), to), repos, key, out,
          "airlock " + Main.version(), TargetInventory.Listener.NONE);
    }
  }

  /** A cosign private key, the password from the environment or a prompt. */
  static SigningKey signingKey(Path key) throws IOException {
    if (!java.nio.file.Files.isRegularFile(key)) {
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
