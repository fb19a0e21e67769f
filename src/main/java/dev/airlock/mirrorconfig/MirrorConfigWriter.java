package dev.airlock.mirrorconfig;

import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.Reference;
import dev.airlock.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes the mirror configuration for the clusters from the mapping an import actually used
 * (source repository {@code docker.io/library/alpine} -> target {@code registry.internal:5000/library/alpine}):
 * <ul>
 *   <li>{@code containerd/certs.d/<source host>/hosts.toml} (a path-prefix mirror with {@code override_path});
 *   <li>{@code registries.conf} for podman and CRI-O (one {@code [[registry]]} per repository);
 *   <li>{@code image-digest-mirror-set.yaml} and {@code image-tag-mirror-set.yaml} (Kubernetes/OpenShift);
 *   <li>{@code mapping.json}: the mapping itself.
 * </ul>
 * containerd can only mirror a whole host under one path prefix: a host whose repositories were renamed
 * otherwise (flattened) gets no hosts.toml, and {@link #write} says so. A source host with a port gets the
 * directory {@code HOST:PORT}, the name containerd looks up.
 *
 * <p>Where an import put a filtered index in place of a platform-filtered original (the original's digest
 * is not at the mirror), every file says so in a comment naming both digests, and mapping.json lists it:
 * a client pulling by tag gets the filtered index, a reference pinned to the original's digest finds nothing.
 */
public final class MirrorConfigWriter {
  private MirrorConfigWriter() {}

  /**
   * One imported image: what its target reference resolves to.
   *
   * @param source the full source reference ({@code docker.io/library/alpine:3.20})
   * @param target the reference at the target ({@code registry.internal:5000/library/alpine:3.20})
   * @param sourceDigest the digest in the bundle
   * @param digest what {@code target} resolves to: {@code sourceDigest}, or a filtered index's digest
   * @param platforms the platforms carried (for an index; empty otherwise)
   * @param leftOut the platforms of a platform-filtered index left out of the bundle
   */
  public record Image(String source, String target, Digest sourceDigest, Digest digest, List<String> platforms,
      List<String> leftOut) {
    public boolean filtered() {
      return !digest.equals(sourceDigest);
    }
  }

  /** Writes everything into {@code dir}; returns notes for the user (what was written, what could not be). */
  public static List<String> write(Path dir, String name, Map<String, String> mapping, boolean plainHttp)
      throws IOException {
    return write(dir, name, mapping, plainHttp, List.of());
  }

  /** As {@link #write(Path, String, Map, boolean)}, naming what each image's target reference resolves to. */
  public static List<String> write(Path dir, String name, Map<String, String> mapping, boolean plainHttp,
      List<Image> images) throws IOException {
    List<String> notes = new ArrayList<>();
    String replaced = replacedComment(images);
    Map<String, Map<String, String>> byHost = new TreeMap<>();
    mapping.forEach((src, dst) -> byHost.computeIfAbsent(Reference.parse(src).registry(), h -> new TreeMap<>()).put(src, dst));
    String scheme = plainHttp ? "http://" : "https://";
    for (Map.Entry<String, Map<String, String>> e : byHost.entrySet()) {
      String host = e.getKey();
      String base = commonBase(e.getValue());
      Path file = dir.resolve("containerd").resolve("certs.d").resolve(host).resolve("hosts.toml");
      if (base == null) {
        notes.add("no containerd hosts.toml for " + host + ": its repositories were not mapped under one path prefix"
            + " (use registries.conf or the mirror sets)");
        continue;
      }
      int slash = base.indexOf('/');
      String targetHost = slash < 0 ? base : base.substring(0, slash);
      String path = slash < 0 ? "" : base.substring(slash);
      StringBuilder t = new StringBuilder();
      t.append("# written by airlock import: ").append(host).append(" is mirrored at ").append(base).append('\n');
      t.append(replacedComment(images.stream().filter(i -> Reference.parse(i.source()).registry().equals(host)).toList()));
      t.append("server = \"").append(serverUrl(host)).append("\"\n\n");
      t.append("[host.\"").append(scheme).append(targetHost).append("/v2").append(path).append("\"]\n");
      t.append("  capabilities = [\"pull\", \"resolve\"]\n");
      t.append("  override_path = true\n");
      AtomicFiles.write(file, t.toString().getBytes(StandardCharsets.UTF_8));
      notes.add("wrote " + file);
    }
    StringBuilder rc = new StringBuilder("# written by airlock import (podman, CRI-O): containers-registries.conf(5)\n");
    rc.append(replaced);
    mapping.forEach((src, dst) -> {
      rc.append("\n[[registry]]\nprefix = \"").append(src).append("\"\nlocation = \"").append(src).append("\"\n");
      rc.append("\n[[registry.mirror]]\nlocation = \"").append(dst).append("\"\n");
      if (plainHttp) {
        rc.append("insecure = true\n");
      }
    });
    write(dir.resolve("registries.conf"), rc.toString(), notes);
    write(dir.resolve("image-digest-mirror-set.yaml"),
        mirrorSet("ImageDigestMirrorSet", "imageDigestMirrors", name, mapping, replaced), notes);
    write(dir.resolve("image-tag-mirror-set.yaml"),
        mirrorSet("ImageTagMirrorSet", "imageTagMirrors", name, mapping, replaced), notes);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("repositories", new TreeMap<>(mapping));
    if (!images.isEmpty()) {
      List<Map<String, Object>> list = new ArrayList<>();
      for (Image i : images) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("source", i.source());
        e.put("target", i.target());
        e.put("digest", i.digest().toString());
        if (!i.platforms().isEmpty() || !i.leftOut().isEmpty()) {
          e.put("index", i.filtered() ? "filtered" : i.leftOut().isEmpty() ? "full" : "kept-sparse");
          e.put("platforms", i.platforms());
        }
        if (!i.leftOut().isEmpty()) {
          e.put("sourceDigest", i.sourceDigest().toString());
          e.put("leftOut", i.leftOut());
        }
        list.add(e);
      }
      m.put("images", list);
    }
    write(dir.resolve("mapping.json"), new String(Json.write(m), StandardCharsets.UTF_8) + "\n", notes);
    return notes;
  }

  private static void write(Path file, String text, List<String> notes) throws IOException {
    AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    notes.add("wrote " + file);
  }

  /** The target prefix under which every source path of one host sits, or null when there is none. */
  static String commonBase(Map<String, String> hostMapping) {
    String base = null;
    for (Map.Entry<String, String> e : hostMapping.entrySet()) {
      String path = Reference.parse(e.getKey()).repository();
      String dst = e.getValue();
      if (!dst.endsWith("/" + path)) {
        return null;
      }
      String b = dst.substring(0, dst.length() - path.length() - 1);
      if (base != null && !base.equals(b)) {
        return null;
      }
      base = b;
    }
    return base;
  }

  static String serverUrl(String host) {
    return "https://" + (host.equals(Reference.DOCKER_HUB) ? "registry-1.docker.io" : host);
  }

  /**
   * Comment lines naming each image whose target holds a filtered index in place of the original, or "".
   */
  static String replacedComment(List<Image> images) {
    StringBuilder b = new StringBuilder();
    for (Image i : images) {
      if (i.filtered()) {
        b.append("# ").append(i.source()).append(": the platform-filtered index ").append(i.sourceDigest())
            .append(" is not at the mirror; ").append(i.target()).append(" is the filtered index ").append(i.digest())
            .append(" (").append(String.join(", ", i.platforms())).append("): pull by tag, by that digest or by a")
            .append(" platform's digest; a reference pinned to the original digest finds nothing there\n");
      }
    }
    return b.toString();
  }

  static String mirrorSet(String kind, String field, String name, Map<String, String> mapping) {
    return mirrorSet(kind, field, name, mapping, "");
  }

  static String mirrorSet(String kind, String field, String name, Map<String, String> mapping, String comment) {
    StringBuilder y = new StringBuilder();
    y.append("# written by airlock import\n").append(comment)
        .append("apiVersion: config.openshift.io/v1\nkind: ").append(kind).append('\n');
    y.append("metadata:\n  name: ").append(k8sName("airlock-" + name)).append('\n');
    y.append("spec:\n  ").append(field).append(":\n");
    mapping.forEach((src, dst) -> y.append("  - source: ").append(src).append("\n    mirrors:\n    - ").append(dst).append('\n'));
    return y.toString();
  }

  static String k8sName(String s) {
    String n = s.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.-]", "-").replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
    return n.length() > 253 ? n.substring(0, 253) : n;
  }
}
