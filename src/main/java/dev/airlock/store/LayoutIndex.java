package dev.airlock.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The entries of an OCI layout's {@code index.json}, shared by the directory and the tar back ends.
 * Entries are kept as JSON objects so that fields airlock does not know survive a rewrite.
 */
public final class LayoutIndex {
  private LayoutIndex() {}

  /** Parses {@code index.json}; every entry must be an object with a valid digest. */
  public static List<ObjectNode> parse(byte[] bytes, String what) {
    JsonNode idx = Json.tree(bytes, what);
    JsonNode ms = idx.path("manifests");
    if (!ms.isArray()) {
      throw new InvalidInputException(what + " has no 'manifests' array");
    }
    List<ObjectNode> out = new ArrayList<>();
    int i = 0;
    for (JsonNode m : ms) {
      if (!m.isObject()) {
        throw new InvalidInputException(what + ": manifests[" + i + "] is not an object");
      }
      try {
        Digest.parse(m.path("digest").asText(null));
        descriptor((ObjectNode) m, what);
      } catch (InvalidInputException e) {
        throw new InvalidInputException(what + ": manifests[" + i + "]: " + e.getMessage());
      }
      out.add((ObjectNode) m);
      i++;
    }
    return out;
  }

  public static Descriptor descriptor(ObjectNode n, String what) {
    try {
      return Descriptor.fromTree(n);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(what + ": invalid descriptor: " + Json.firstLine(e.getMessage()));
    }
  }

  public static String refName(JsonNode entry) {
    return entry.path("annotations").path(Descriptor.REF_NAME).asText(null);
  }

  public static Optional<Descriptor> byRefName(List<ObjectNode> entries, String name, String what) {
    for (ObjectNode n : entries) {
      if (name.equals(refName(n))) {
        return Optional.of(descriptor(n, what));
      }
    }
    return Optional.empty();
  }

  public static Optional<Descriptor> byDigest(List<ObjectNode> entries, Digest digest, String what) {
    for (ObjectNode n : entries) {
      if (digest.toString().equals(n.path("digest").asText())) {
        return Optional.of(descriptor(n, what));
      }
    }
    return Optional.empty();
  }

  /**
   * Tags under {@code repository}: with an empty repository every ref name as is; otherwise the part after
   * {@code repository:} of ref names that start with it.
   */
  public static List<String> tags(List<ObjectNode> entries, String repository) {
    String prefix = repository == null || repository.isEmpty() ? "" : repository + ":";
    Set<String> out = new TreeSet<>();
    for (ObjectNode n : entries) {
      String name = refName(n);
      if (name == null) {
        continue;
      }
      if (prefix.isEmpty()) {
        out.add(name);
      } else if (name.startsWith(prefix) && name.indexOf(':', prefix.length()) < 0
          && name.indexOf('/', prefix.length()) < 0) {
        out.add(name.substring(prefix.length()));
      }
    }
    return new ArrayList<>(out);
  }

  public static String refName(String repository, String tag) {
    return repository == null || repository.isEmpty() ? tag : repository + ":" + tag;
  }
}
