package dev.airlock.receipt;

import dev.airlock.store.ContentStore;
import dev.airlock.verify.keys.SigningKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.TreeSet;

/**
 * Takes a receipt of a target: the inventory of the named repositories ({@link TargetInventory}), written by
 * {@link ReceiptWriter}. {@code airlock import --receipt} runs it after the check after import (so the receipt
 * describes the target as proven, re-read), over the repositories the import wrote; {@code airlock receipt
 * --from} over the repositories it is given or finds.
 */
public final class ReceiptTaker {
  private ReceiptTaker() {}

  public static ReceiptWriter.Written take(ContentStore store, String targetName, Collection<String> repositories,
      SigningKey key, Path out, String tool, TargetInventory.Listener listener) throws IOException {
    try (DigestInventory inv = DigestInventory.create()) {
      TargetInventory.walk(store, new TreeSet<>(repositories), inv, listener);
      return ReceiptWriter.write(inv, targetName, Instant.now(), tool, key, out);
    }
  }

  /**
   * The name a receipt gives a target: a registry's {@code host:port}, a layout's {@code oci:} and its absolute,
   * normalized path; so the same target is named the same by import, receipt --from and a delta's import.
   */
  public static String targetName(String host, String layoutSpec) {
    if (host != null) {
      return host;
    }
    String dir = layoutSpec.startsWith("oci:") ? layoutSpec.substring(4) : layoutSpec;
    return "oci:" + Path.of(dir).toAbsolutePath().normalize();
  }
}
