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
    return take(store, targetName, repositories, Instant.now(), key, out, tool, listener);
  }

  /** {@link #take(ContentStore, String, Collection, SigningKey, Path, String, TargetInventory.Listener)} at {@code created}. */
  public static ReceiptWriter.Written take(ContentStore store, String targetName, Collection<String> repositories,
      Instant created, SigningKey key, Path out, String tool, TargetInventory.Listener listener) throws IOException {
    try (DigestInventory inv = DigestInventory.create()) {
      TargetInventory.walk(store, new TreeSet<>(repositories), inv, listener);
      return ReceiptWriter.write(inv, targetName, created, tool, key, out);
    }
  }

  /**
   * A receipt's {@code created}: {@code option} (an RFC 3339 time in UTC, {@code 2026-12-02T10:00:00Z}) when given,
   * else {@code SOURCE_DATE_EPOCH} (seconds) when set, else now; to the second. A fixed value makes the receipt of
   * the same target byte-identical (signed ones too: the signatures are deterministic).
   */
  public static Instant created(String optionName, String option, String sourceDateEpoch) {
    if (option != null) {
      try {
        return Instant.parse(option.strip()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
      } catch (java.time.format.DateTimeParseException e) {
        throw new dev.airlock.InvalidInputException(optionName + " '" + option + "' is not a time such as"
            + " 2026-12-02T10:00:00Z (RFC 3339, UTC)");
      }
    }
    if (sourceDateEpoch != null && !sourceDateEpoch.isBlank()) {
      long s;
      try {
        s = Long.parseLong(sourceDateEpoch.strip());
      } catch (NumberFormatException e) {
        throw new dev.airlock.InvalidInputException("SOURCE_DATE_EPOCH '" + sourceDateEpoch + "' is not a number of seconds");
      }
      if (s < 0 || s > 253402300799L) {
        throw new dev.airlock.InvalidInputException("SOURCE_DATE_EPOCH '" + sourceDateEpoch + "' is out of range");
      }
      return Instant.ofEpochSecond(s);
    }
    return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
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
