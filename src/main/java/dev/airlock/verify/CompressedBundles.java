package dev.airlock.verify;

import dev.airlock.VerificationException;
import dev.airlock.store.archive.ExpansionBound;
import dev.airlock.verify.integrity.BundleScan;
import dev.airlock.verify.integrity.BundleTarScanner;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;

/**
 * Before a compressed bundle (.tar.zst) is decompressed to a temporary file for random access, it is read
 * once as a stream, which fills no disk: verified (signature against pinned keys, integrity), or with
 * {@code --allow-unsigned} only scanned (every blob hashed to its name, the layout's references checked).
 * Either gives the bound its decompression must stay within ({@link ExpansionBound}).
 */
public final class CompressedBundles {
  private CompressedBundles() {}

  /** Verifies {@code bundle} against {@code keys} from its stream; the bound of its expansion when it passed. */
  public static long verifiedBound(Path bundle, List<PublicKey> keys) throws IOException {
    VerificationReport report = OfflineVerifier.verify(bundle, VerifyOptions.withKeys(keys));
    if (!report.passed()) {
      throw new VerificationException(bundle + " failed verification, nothing was decompressed: " + report.firstFailure());
    }
    return report.expandedBound();
  }

  /** Scans {@code bundle} from its stream (no signature checked); the bound of its expansion. */
  public static long scannedBound(Path bundle) throws IOException {
    try (BundleScan scan = BundleTarScanner.scan(bundle, Path.of(System.getProperty("java.io.tmpdir")))) {
      return ExpansionBound.of(scan.blobs());
    }
  }
}
