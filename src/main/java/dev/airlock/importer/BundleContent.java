package dev.airlock.importer;

import dev.airlock.InvalidInputException;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.store.archive.TarLayoutStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An opened bundle: its content store (read in place, never extracted), its index.json entries and its
 * identity (the root index digest, which the bundle signature covers, and the bundle name).
 */
public record BundleContent(Path path, ContentStore store, List<Descriptor> entries, Digest rootDigest, String name)
    implements Closeable {

  /** Opens a bundle tarball or a bundle layout directory. */
  public static BundleContent open(Path path) throws IOException {
    if (Files.isDirectory(path) && !dev.airlock.bundle.parts.PartSet.isPartSet(path)) {
      LayoutStore store = LayoutStore.open(path);
      return of(path, store, store.index());
    }
    if (Files.isRegularFile(path) || dev.airlock.bundle.parts.PartSet.isPartSet(path)) { // a tarball, or a set of parts
      TarLayoutStore store = TarLayoutStore.open(path);
      try {
        return of(path, store, store.index());
      } catch (IOException | RuntimeException e) {
        store.close();
        throw e;
      }
    }
    throw new InvalidInputException("bundle " + path + " does not exist");
  }

  /** Opens a bundle tarball whose decompression (when it is compressed) stops at {@code maxExpanded} bytes. */
  public static BundleContent open(Path path, long maxExpanded) throws IOException {
    if (!Files.isRegularFile(path)) {
      return open(path);
    }
    TarLayoutStore store = TarLayoutStore.open(path, maxExpanded);
    try {
      return of(path, store, store.index());
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * A bundle file not opened yet: its path and file name only, no store. A compressed bundle is verified
   * from its file like this (reading the stream, nothing decompressed to disk) before it is opened.
   */
  static BundleContent unopened(Path path) {
    return new BundleContent(path, null, List.of(), null, path.getFileName() == null ? path.toString()
        : path.getFileName().toString());
  }

  static BundleContent of(Path path, ContentStore store, List<Descriptor> entries) throws IOException {
    Digest root = null;
    String name = path.getFileName() == null ? path.toString() : path.getFileName().toString();
    for (Descriptor d : entries) {
      if (BundleFormat.ROOT_REF_NAME.equals(d.annotation(Descriptor.REF_NAME))) {
        root = d.digest();
        RawManifest m = store.getManifest("", root.toString());
        String n = m.annotations().get(BundleFormat.ANNOTATION_BUNDLE_NAME);
        if (n != null && !n.isBlank()) {
          name = n;
        }
      }
    }
    return new BundleContent(path, store, List.copyOf(entries), root, name);
  }

  @Override
  public void close() throws IOException {
    if (store != null) {
      store.close();
    }
  }
}
