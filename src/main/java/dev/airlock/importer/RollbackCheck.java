package dev.airlock.importer;

import dev.airlock.history.ImportHistory;
import dev.airlock.oci.Descriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Rollback protection: an old, validly signed bundle stays valid forever, so importing it again could put
 * older content back at a target. The import history says which bundles went where; a bundle created (the
 * signed {@code org.opencontainers.image.created} of its root index) before the newest bundle of the same
 * name imported into the same target is refused unless the caller allows it.
 */
final class RollbackCheck {
  private RollbackCheck() {}

  /** The bundle's signed creation time, or null (no root, no or an unreadable annotation). */
  static Instant created(BundleContent bundle) throws IOException {
    if (bundle.rootDigest() == null) {
      return null;
    }
    String c = bundle.store().getManifest("", bundle.rootDigest().toString()).annotations().get(Descriptor.CREATED);
    if (c == null) {
      return null;
    }
    try {
      return Instant.parse(c);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Why {@code bundle} may not be imported into {@code target}: a newer bundle of its name went there
   * before; null when it may (no history, a bundle without a known creation time, or none newer).
   */
  static String refusal(Path history, String target, BundleContent bundle) throws IOException {
    if (history == null || !Files.exists(history) || bundle.rootDigest() == null) {
      return null;
    }
    Instant created = created(bundle);
    if (created == null) {
      return null;
    }
    ImportHistory.ImportedBundle newest = null;
    Instant newestCreated = null;
    for (ImportHistory.ImportedBundle b : ImportHistory.open(history).importedBundles(target, bundle.name())) {
      Instant t;
      try {
        t = Instant.parse(b.created());
      } catch (DateTimeParseException e) {
        continue;
      }
      if (newestCreated == null || t.isAfter(newestCreated)) {
        newest = b;
        newestCreated = t;
      }
    }
    if (newest == null || !created.isBefore(newestCreated)) {
      return null;
    }
    return "bundle '" + bundle.name() + "' " + bundle.path().getFileName() + " (" + bundle.rootDigest().shortForm()
        + ") was created " + created + ", before bundle '" + bundle.name() + "' " + Path.of(newest.bundlePath()).getFileName()
        + " (" + dev.airlock.oci.Digest.parse(newest.bundleDigest()).shortForm() + ") created "
        + newestCreated + ", imported into " + target + " at " + newest.finished() + " (import #" + newest.importId()
        + "): refusing to roll back; nothing was imported (--allow-older imports it anyway)";
  }
}
