package dev.airlock.receipt;

/**
 * Names and constants of the receipt format (docs/deltas.md, "The receipt"). A receipt is a DSSE envelope
 * whose payload, of type {@link #PAYLOAD_TYPE}, is deterministic JSON: which target it describes, when, the
 * blobs and manifests there (digest and size, sorted) and each repository's tags.
 */
public final class ReceiptFormat {
  private ReceiptFormat() {}

  /**
   * The receipt's own format version (independent of the bundle format version). 2: each blob entry may name one
   * repository of the target holding it ({@code [digest, size, repository]}), so the import of a delta can mount a
   * base blob held in a repository it does not import into. 1: {@code [digest, size]}; still read.
   */
  public static final int FORMAT_VERSION = 2;

  /** The DSSE payload type of a receipt. */
  public static final String PAYLOAD_TYPE = "application/vnd.airlock.receipt.v1+json";

  /** The payload's version field. */
  public static final String VERSION_FIELD = "receiptFormatVersion";

  /** A receipt larger than this is refused (about 10 million blobs). */
  public static final long MAX_FILE_BYTES = 2L * 1024 * 1024 * 1024;
}
