package dev.airlock.mirrorconfig;

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
 * otherwise (flattened) gets no hosts.toml, and {@link #write} says so.
 */
public final class MirrorConfigWriter {
  private MirrorConfigWriter() {}

  /** Writes everything into {@code dir}; returns notes for the user (what was written, what could not be). */
  public static List<String> write(Path dir, String name, Map<String, String> mapping, boolean plainHttp)
      throws IOException {
    List<String> notes = new ArrayList<>();
    Map<String, Map<String, String>> byHost = new TreeMap<>();
    mapping.forEach((src, dst) -> byHost.computeIfAbsent(Reference.parse(src).registry(), h -> new TreeMap<>()).put(src, dst));
    String scheme = plainHttp ? "http://" : "https://";
    for (Map.Entry<String, Map<String, String>> e : byHost.entrySet()) {
      String host = e.getKey();
      String base = commonBase(e.getValue());
      Path file = dir.resolve("containerd").resolve("certs.d").resolve(host.replace(':', '_')).resolve("hosts.toml");
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
      t.append("server = \"").append(serverUrl(host)).append("\"\n\n");
      t.append("[host.\"").append(scheme).append(targetHost).append("/v2").append(path).append("\"]\n");
      t.append("  capabilities = [\"pull\", \"resolve\"]\n");
      t.append("  override_path = true\n");
      AtomicFiles.write(file, t.toString().getBytes(StandardCharsets.UTF_8));
      notes.add("wrote " + file);
    }
    StringBuilder rc = new StringBuilder("# written by airlock import (podman, CRI-O): containers-registries.conf(5)\n");
    mapping.forEach((src, dst) -> {
      rc.append("\n[[registry]]\nprefix = \"").append(src).append("\"\nlocation = \"").append(src).append("\"\n");
      rc.append("\n[[registry.mirror]]\nlocation = \"").append(dst).append("\"\n");
      if (plainHttp) {
        rc.append("insecure = true\n");
      }
    });
    write(dir.resolve("registries.conf"), rc.toString(), notes);
    write(dir.resolve("image-digest-mirror-set.yaml"), mirrorSet("ImageDigestMirrorSet", "imageDigestMirrors", name, mapping), notes);
    write(dir.resolve("image-tag-mirror-set.yaml"), mirrorSet("ImageTagMirrorSet", "imageTagMirrors", name, mapping), notes);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("repositories", new TreeMap<>(mapping));
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

  static String mirrorSet(String kind, String field, String name, Map<String, String> mapping) {
    StringBuilder y = new StringBuilder();
    y.append("# written by airlock import\napiVersion: config.openshift.io/v1\nkind: ").append(kind).append('\n');
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
