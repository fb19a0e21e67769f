package dev.airlock.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.VerifyingInputStream;
import dev.airlock.store.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Reads named entries of a bundle tarball without unpacking it: random access for a plain tar, one
 * streaming pass per entry for a zstd-compressed one. Used to get the catalog out of a bundle.
 */
public final class BundleArchive {
  private BundleArchive() {}

  private static final int JSON_CAP = 16 * 1024 * 1024;

  /** Finds catalog.db through index.json, the root index and the metadata manifest; copies it to {@code target}. */
  public static void extractCatalog(Path bundle, Path target) throws IOException {
    JsonNode index = json(bundle, "index.json", null, -1);
    JsonNode rootDesc = null;
    for (JsonNode m : index.path("manifests")) {
      if (BundleFormat.ROOT_REF_NAME.equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        rootDesc = m;
      }
    }
    if (rootDesc == null) {
      throw new InvalidInputException(bundle + " is not an airlock bundle: index.json has no " + BundleFormat.ROOT_REF_NAME);
    }
    JsonNode root = json(bundle, blobName(rootDesc), Digest.parse(rootDesc.path("digest").asText()), rootDesc.path("size").asLong());
    JsonNode metaDesc = null;
    for (JsonNode m : root.path("manifests")) {
      if (BundleFormat.METADATA_ARTIFACT_TYPE.equals(m.path("artifactType").asText())) {
        metaDesc = m;
      }
    }
    if (metaDesc == null) {
      throw new InvalidInputException(bundle + ": the bundle root lists no metadata manifest");
    }
    JsonNode meta = json(bundle, blobName(metaDesc), Digest.parse(metaDesc.path("digest").asText()), metaDesc.path("size").asLong());
    for (JsonNode layer : meta.path("layers")) {
      if (BundleFormat.CATALOG_MEDIA_TYPE.equals(layer.path("mediaType").asText())) {
        Digest d = Digest.parse(layer.path("digest").asText());
        Path tmp = AtomicFiles.tempBeside(target);
        try {
          try (InputStream in = new VerifyingInputStream(open(bundle, d.blobPath()), d, layer.path("size").asLong(),
              "catalog in " + bundle); OutputStream out = Files.newOutputStream(tmp)) {
            in.transferTo(out);
          }
          AtomicFiles.moveIntoPlace(tmp, target);
        } finally {
          Files.deleteIfExists(tmp);
        }
        return;
      }
    }
    throw new InvalidInputException(bundle + ": the metadata manifest has no catalog layer");
  }

  /**
   * The metadata manifest's layers, found through index.json, the root index and the metadata manifest, each
   * read with its digest checked against the descriptor that names it (index.json itself is not covered by
   * a signature: call this on a bundle that just verified).
   */
  public static java.util.List<dev.airlock.oci.Descriptor> metadataLayers(Path bundle) throws IOException {
    JsonNode index = json(bundle, "index.json", null, -1);
    JsonNode rootDesc = null;
    for (JsonNode m : index.path("manifests")) {
      if (BundleFormat.ROOT_REF_NAME.equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        rootDesc = m;
      }
    }
    if (rootDesc == null) {
      throw new InvalidInputException(bundle + " is not an airlock bundle: index.json has no " + BundleFormat.ROOT_REF_NAME);
    }
    JsonNode root = json(bundle, blobName(rootDesc), Digest.parse(rootDesc.path("digest").asText()), rootDesc.path("size").asLong());
    java.util.List<dev.airlock.oci.Descriptor> out = new java.util.ArrayList<>();
    for (JsonNode m : root.path("manifests")) {
      if (BundleFormat.METADATA_ARTIFACT_TYPE.equals(m.path("artifactType").asText())) {
        JsonNode meta = json(bundle, blobName(m), Digest.parse(m.path("digest").asText()), m.path("size").asLong());
        for (JsonNode layer : meta.path("layers")) {
          out.add(dev.airlock.oci.Descriptor.fromTree(layer));
        }
        return out;
      }
    }
    throw new InvalidInputException(bundle + ": the bundle root lists no metadata manifest");
  }

  private static String blobName(JsonNode desc) {
    return Digest.parse(desc.path("digest").asText()).blobPath();
  }

  private static JsonNode json(Path bundle, String name, Digest digest, long size) throws IOException {
    try (InputStream raw = open(bundle, name);
        InputStream in = digest == null ? raw : new VerifyingInputStream(raw, digest, size, name + " in " + bundle)) {
      return Json.tree(Json.readCapped(in, JSON_CAP, name + " in " + bundle), name + " in " + bundle);
    }
  }

  /**
   * The bytes of the named entries that exist (each at most {@code cap} bytes, else an error), in one pass
   * over a zstd stream or by random access into a plain tar. Names not in the tar are left out.
   */
  public static java.util.Map<String, byte[]> readEntries(Path bundle, java.util.Set<String> names, int cap)
      throws IOException {
    java.util.Map<String, byte[]> out = new java.util.HashMap<>();
    if (names.isEmpty()) {
      return out;
    }
    if (isZstd(bundle)) {
      try (TarArchiveInputStream tar = new TarArchiveInputStream(zstd(bundle))) {
        TarArchiveEntry e;
        while (out.size() < names.size() && (e = tar.getNextEntry()) != null) {
          if (names.contains(e.getName())) {
            out.put(e.getName(), Json.readCapped(tar, cap, e.getName() + " in " + bundle));
          }
        }
      }
      return out;
    }
    try (TarFile tf = tarFile(bundle)) {
      for (TarArchiveEntry e : tf.getEntries()) {
        if (names.contains(e.getName())) {
          try (InputStream in = tf.getInputStream(e)) {
            out.put(e.getName(), Json.readCapped(in, cap, e.getName() + " in " + bundle));
          }
        }
      }
    }
    return out;
  }

  /** Opens one entry's bytes. */
  public static InputStream open(Path bundle, String name) throws IOException {
    if (isZstd(bundle)) {
      TarArchiveInputStream tar = new TarArchiveInputStream(zstd(bundle));
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.getName().equals(name)) {
          return tar;
        }
      }
      tar.close();
      throw new InvalidInputException(bundle + " has no entry " + name);
    }
    TarFile tf = tarFile(bundle);
    for (TarArchiveEntry e : tf.getEntries()) {
      if (e.getName().equals(name)) {
        InputStream in = tf.getInputStream(e);
        return new java.io.FilterInputStream(in) {
          @Override
          public void close() throws IOException {
            super.close();
            tf.close();
          }
        };
      }
    }
    tf.close();
    throw new InvalidInputException(bundle + " has no entry " + name);
  }

  /** A plain tar opened for random access: the file, or the tarball a set of parts makes up (read in place). */
  private static TarFile tarFile(Path bundle) throws IOException {
    try {
      return dev.airlock.bundle.parts.PartSet.isPartSet(bundle)
          ? new TarFile(dev.airlock.bundle.parts.PartSet.open(bundle)) : new TarFile(bundle);
    } catch (IOException e) {
      throw new InvalidInputException(bundle + " is not a tar file: " + e.getMessage());
    }
  }

  /**
   * A bundle that cannot be read as the tarball it claims to be, in words that name it and what was
   * expected (the compressor's own "Truncated source" says neither).
   */
  public static InvalidInputException unreadable(Path bundle, IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return new InvalidInputException(bundle + " does not exist");
    }
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new InvalidInputException(bundle + " is not a readable airlock bundle (expected a tar, or a"
        + " zstd-compressed tar, of an OCI image layout): " + why, e);
  }

  /** The decompressed bytes of a .tar.zst bundle; a damaged stream is an error naming the file. */
  private static InputStream zstd(Path bundle) throws IOException {
    InputStream z = new ZstdInputStream(new BufferedInputStream(Files.newInputStream(bundle), 1 << 16));
    return new java.io.FilterInputStream(z) {
      @Override
      public int read() throws IOException {
        try {
          return super.read();
        } catch (IOException e) {
          throw damaged(e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (IOException e) {
          throw damaged(e);
        }
      }

      private InvalidInputException damaged(IOException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new InvalidInputException(bundle + ": the zstd stream is damaged or cut short (" + why
            + "); expected a complete zstd-compressed tar of an airlock bundle", e);
      }
    };
  }

  /** Whether the file is one zstd stream (a .tar.zst bundle), by its magic bytes. */
  public static boolean isZstd(Path file) throws IOException {
    if (dev.airlock.bundle.parts.PartSet.isPartSet(file)) {
      return false; // parts hold an uncompressed tarball
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
          && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd;
    }
  }
}
