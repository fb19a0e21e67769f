package dev.airlock.bundler;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.LayoutStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Packs local files as an OCI artifact: a file becomes the one layer as is; a directory becomes a
 * deterministic tar (gzip-compressed when the media type ends in {@code +gzip} or {@code .gzip}). The
 * manifest has the OCI empty config and no timestamp, so the same files give the same digest.
 */
public final class FileArtifactPacker {
  private FileArtifactPacker() {}

  public static final String DEFAULT_ARTIFACT_TYPE = "application/vnd.airlock.files.v1";
  private static final byte[] EMPTY = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  /** A file inside the artifact, for the catalog. */
  public record FileRow(String path, Digest digest, long size) {}

  public record Packed(RawManifest manifest, List<FileRow> files) {}

  public static Packed pack(Path path, String mediaType, String artifactType, LayoutStore layout, Path scratch)
      throws IOException {
    if (!Files.exists(path)) {
      throw new InvalidInputException("artifact path " + path + " does not exist");
    }
    List<FileRow> rows = new ArrayList<>();
    Path content;
    boolean temp = false;
    if (Files.isDirectory(path)) {
      List<Path> files;
      try (Stream<Path> s = Files.walk(path)) {
        files = s.filter(Files::isRegularFile).sorted().toList();
      }
      Files.createDirectories(scratch);
      content = Files.createTempFile(scratch, "artifact-", ".tar");
      temp = true;
      boolean gzip = mediaType.endsWith("+gzip") || mediaType.endsWith(".gzip");
      try (OutputStream f = new BufferedOutputStream(Files.newOutputStream(content));
          OutputStream z = gzip ? new GZIPOutputStream(f) : f;
          TarArchiveOutputStream tar = new TarArchiveOutputStream(z, "UTF-8")) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        for (Path file : files) {
          String rel = path.relativize(file).toString().replace('\\', '/');
          TarArchiveEntry e = new TarArchiveEntry(rel, true);
          e.setSize(Files.size(file));
          e.setMode(0100644);
          e.setModTime(0L);
          e.setIds(0, 0);
          e.setUserName("");
          e.setGroupName("");
          tar.putArchiveEntry(e);
          MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
          try (InputStream in = Files.newInputStream(file)) {
            in.transferTo(new DigestOutputStream(tar, md) {
              @Override
              public void close() {}
            });
          }
          tar.closeArchiveEntry();
          rows.add(new FileRow(rel, Digest.of(Digest.Algorithm.SHA256, md.digest()), Files.size(file)));
        }
        tar.finish();
      }
    } else {
      content = path;
    }
    try {
      Digest d = sha256(content);
      long size = Files.size(content);
      if (!temp) {
        rows.add(new FileRow(path.getFileName().toString(), d, size));
      }
      Descriptor layer = Descriptor.of(mediaType, d, size).withAnnotation(Descriptor.TITLE, path.getFileName().toString());
      Path src = content;
      layout.putBlob("", layer, () -> Files.newInputStream(src));
      Descriptor config = layout.putBytes(MediaTypes.OCI_EMPTY, EMPTY);
      var m = Json.MAPPER.createObjectNode();
      m.put("schemaVersion", 2);
      m.put("mediaType", MediaTypes.OCI_MANIFEST);
      m.put("artifactType", artifactType == null ? DEFAULT_ARTIFACT_TYPE : artifactType);
      m.set("config", config.toTree());
      m.putArray("layers").add(layer.toTree());
      byte[] bytes = Json.write(m);
      layout.putBytes(MediaTypes.OCI_MANIFEST, bytes);
      return new Packed(RawManifest.of(bytes, MediaTypes.OCI_MANIFEST, "artifact " + path), rows);
    } finally {
      if (temp) {
        Files.deleteIfExists(content);
      }
    }
  }

  static Digest sha256(Path file) throws IOException {
    return Digest.sha256(file);
  }
}
