package dev.airlock.store.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.DigestMismatchException;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.archive.DockerArchiveStore.ArchiveImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a legacy {@code docker save} {@code manifest.json} and generates one Docker v2 schema 2 manifest
 * per image. Layer and config digests are computed in one streaming pass over their tar entries.
 */
final class DockerSaveManifests {
  private DockerSaveManifests() {}

  interface Result<T> {
    T make(Map<Digest, TarEntry> blobs, Map<Digest, RawManifest> manifests, List<ArchiveImage> images);
  }

  private record Hashed(Digest digest, boolean gzip) {}

  static <T> T read(ArchiveFile f, TarIndex tar, String what, Result<T> result) throws IOException {
    TarEntry mj = tar.get("manifest.json");
    if (mj == null || !mj.isFile()) {
      throw new InvalidInputException(what + " is not a docker save archive (no manifest.json and no OCI layout)");
    }
    JsonNode list = DockerArchiveStore.readJson(f, mj, what + ": manifest.json");
    if (!list.isArray() || list.isEmpty()) {
      throw new InvalidInputException(what + ": manifest.json is not a non-empty array of images");
    }
    Map<Digest, TarEntry> blobs = new LinkedHashMap<>();
    Map<Digest, RawManifest> manifests = new LinkedHashMap<>();
    List<ArchiveImage> images = new ArrayList<>();
    Map<String, Hashed> hashed = new HashMap<>();
    int pos = 0;
    for (JsonNode img : list) {
      String where = what + ": manifest.json[" + pos + "]";
      if (!img.path("Config").isTextual() || !img.path("Layers").isArray()) {
        throw new InvalidInputException(where + " has no Config or Layers");
      }
      TarEntry cfgEntry = file(tar, img.path("Config").asText(), where);
      byte[] cfgBytes = TarLayoutStore.readSmall(f, cfgEntry, where + " config");
      Digest cfgDigest = Digest.sha256(cfgBytes);
      String named = nameDigest(cfgEntry.name());
      if (named != null && !named.equals(cfgDigest.hex())) {
        throw new DigestMismatchException(where + " config '" + cfgEntry.name() + "' content does not match its name",
            "sha256:" + named, cfgDigest.toString());
      }
      JsonNode cfg = dev.airlock.oci.Json.tree(cfgBytes, where + " config");
      JsonNode diffIds = cfg.path("rootfs").path("diff_ids");
      blobs.put(cfgDigest, cfgEntry);
      StringBuilder m = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"").append(MediaTypes.DOCKER_MANIFEST)
          .append("\",\"config\":{\"mediaType\":\"").append(MediaTypes.DOCKER_CONFIG).append("\",\"size\":")
          .append(cfgBytes.length).append(",\"digest\":\"").append(cfgDigest).append("\"},\"layers\":[");
      int i = 0;
      for (JsonNode l : img.path("Layers")) {
        TarEntry le = file(tar, l.asText(), where);
        Hashed h = hashed.get(le.name());
        if (h == null) {
          h = hash(f, le);
          hashed.put(le.name(), h);
        }
        if (!h.gzip() && diffIds.isArray() && diffIds.size() == img.path("Layers").size()
            && !h.digest().toString().equals(diffIds.get(i).asText())) {
          throw new DigestMismatchException(where + " layer '" + le.name() + "' does not match the config's diff_ids["
              + i + "]", diffIds.get(i).asText(), h.digest().toString());
        }
        blobs.put(h.digest(), le);
        m.append(i > 0 ? "," : "").append("{\"mediaType\":\"")
            .append(h.gzip() ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.DOCKER_LAYER).append("\",\"size\":")
            .append(le.size()).append(",\"digest\":\"").append(h.digest()).append("\"}");
        i++;
      }
      m.append("]}");
      RawManifest manifest = RawManifest.of(m.toString().getBytes(StandardCharsets.UTF_8), null, where + " (generated)");
      manifests.put(manifest.digest(), manifest);
      List<String> refs = new ArrayList<>();
      for (JsonNode t : img.path("RepoTags")) {
        refs.add(DockerArchiveStore.normalise(t.asText()));
      }
      images.add(new ArchiveImage(pos, List.copyOf(refs), manifest.descriptor()));
      pos++;
    }
    return result.make(blobs, manifests, images);
  }

  /** {@code <hex>.json}, {@code <hex>.tar} or {@code blobs/sha256/<hex>}: the hex the name promises, or null. */
  private static String nameDigest(String name) {
    String base = name.substring(name.lastIndexOf('/') + 1);
    int dot = base.indexOf('.');
    String hex = dot < 0 ? base : base.substring(0, dot);
    return hex.matches("[0-9a-f]{64}") ? hex : null;
  }

  /** The regular file {@code name} refers to, following one relative symbolic link inside the archive. */
  private static TarEntry file(TarIndex tar, String rawName, String where) {
    String name = TarIndex.normalise(rawName, where);
    TarEntry e = tar.get(name);
    for (int hops = 0; e != null && e.isLink() && hops < 8; hops++) {
      String target = e.type() == TarEntry.Type.HARDLINK ? e.linkTarget()
          : resolveRelative(name.contains("/") ? name.substring(0, name.lastIndexOf('/')) : "", e.linkTarget(), where);
      name = TarIndex.normalise(target, where);
      e = tar.get(name);
    }
    if (e == null || !e.isFile()) {
      throw new InvalidInputException(where + " refers to '" + TarIndex.printable(rawName) + "', which is not a file in the archive");
    }
    return e;
  }

  private static String resolveRelative(String dir, String target, String where) {
    if (target.startsWith("/")) {
      throw new InvalidInputException(where + ": link to absolute path '" + TarIndex.printable(target) + "'");
    }
    Deque<String> parts = new ArrayDeque<>();
    for (String p : (dir.isEmpty() ? target : dir + "/" + target).split("/")) {
      if (p.equals("..")) {
        if (parts.isEmpty()) {
          throw new InvalidInputException(where + ": link '" + TarIndex.printable(target) + "' escapes the archive");
        }
        parts.removeLast();
      } else if (!p.isEmpty() && !p.equals(".")) {
        parts.addLast(p);
      }
    }
    return String.join("/", parts);
  }

  private static Hashed hash(ArchiveFile f, TarEntry e) throws IOException {
    MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    byte[] buf = new byte[1 << 16];
    boolean gzip = false;
    boolean first = true;
    try (InputStream in = f.open(e)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        if (first) {
          gzip = n >= 2 && (buf[0] & 0xff) == 0x1f && (buf[1] & 0xff) == 0x8b;
          first = false;
        }
        md.update(buf, 0, n);
      }
    }
    return new Hashed(Digest.of(Digest.Algorithm.SHA256, md.digest()), gzip);
  }

}
