package dev.airlock.verify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleTarWriter;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.progress.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A bundle tarball unpacked once, so that copies with another index.json can be written exactly as airlock
 * writes bundles ({@link BundleTarWriter}: the same canonical tar, only index.json differs).
 */
public final class RewrittenBundle {
  private final Path blobDir;
  private final Map<Digest, Long> blobs = new TreeMap<>();
  private final byte[] index;

  private RewrittenBundle(Path blobDir, byte[] index) {
    this.blobDir = blobDir;
    this.index = index;
  }

  /** Unpacks {@code tar} (a plain bundle tarball) into {@code work}. */
  public static RewrittenBundle unpack(Path tar, Path work) throws IOException {
    byte[] index = null;
    Map<Digest, Long> blobs = new TreeMap<>();
    try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = t.getNextEntry()) != null) {
        if (e.isDirectory()) {
          continue;
        }
        if (e.getName().equals("index.json")) {
          index = t.readAllBytes();
        } else if (e.getName().startsWith("blobs/")) {
          Path p = work.resolve(e.getName());
          Files.createDirectories(p.getParent());
          Files.copy(t, p);
          String[] parts = e.getName().split("/");
          blobs.put(Digest.parse(parts[1] + ":" + parts[2]), e.getSize());
        }
      }
    }
    RewrittenBundle b = new RewrittenBundle(work, index);
    b.blobs.putAll(blobs);
    return b;
  }

  /** A copy of index.json as a tree, to edit. */
  public ObjectNode index() {
    return (ObjectNode) Json.tree(index, "index.json");
  }

  /** Writes the bundle with index.json as {@code edit} leaves it. */
  public Path write(Path out, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode i = index();
    edit.accept(i);
    return write(out, Json.write(i));
  }

  /** Writes the bundle with these index.json bytes. */
  public Path write(Path out, byte[] indexJson) throws IOException {
    BundleTarWriter.write(out, blobs, d -> blobDir.resolve(d.blobPath()), indexJson, false, ProgressListener.NONE);
    return out;
  }

  /** Writes the bundle with its own index.json. */
  public Path write(Path out) throws IOException {
    return write(out, index);
  }
}
