package dev.airlock.verify.policy.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A strict view of one object of a cluster policy: the fields it may have are named up front, and any
 * other is an error naming it ({@code spec.rules[0].verifyImages[0].skipImageReferences}), since a field
 * the gate silently skipped would make it admit what the cluster refuses.
 */
final class Fields {
  private final String source;
  private final String path;
  private final JsonNode node;

  Fields(String source, String path, JsonNode node) {
    this.source = source;
    this.path = path;
    this.node = node;
    if (node != null && !node.isObject()) {
      throw error(path + " must be an object");
    }
  }

  /** Fails on the first field not in {@code allowed}. */
  Fields only(String... allowed) {
    Set<String> ok = Set.of(allowed);
    if (node == null) {
      return this;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!ok.contains(f)) {
        throw error("unsupported field '" + at(f) + "' (airlock cannot evaluate it at the gate; supported here: "
            + String.join(", ", new java.util.TreeSet<>(ok)) + ")");
      }
    }
    return this;
  }

  /** A field that is accepted only when absent or equal to one of {@code values}. */
  Fields onlyValues(String field, String... values) {
    String v = text(field);
    if (v != null && !List.of(values).contains(v)) {
      throw error("unsupported value '" + v + "' of '" + at(field) + "' (supported: " + String.join(", ", values) + ")");
    }
    return this;
  }

  boolean has(String field) {
    return node != null && node.hasNonNull(field);
  }

  String text(String field) {
    JsonNode n = node == null ? null : node.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isValueNode()) {
      throw error(at(field) + " must be a string");
    }
    return n.asText();
  }

  String required(String field) {
    String v = text(field);
    if (v == null || v.isBlank()) {
      throw error(at(field) + " is required");
    }
    return v;
  }

  Integer integer(String field) {
    JsonNode n = node == null ? null : node.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.canConvertToInt() && !(n.isTextual() && n.asText().matches("[0-9]+"))) {
      throw error(at(field) + " must be a number");
    }
    return n.isTextual() ? Integer.parseInt(n.asText()) : n.asInt();
  }

  Boolean bool(String field) {
    JsonNode n = node == null ? null : node.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isBoolean()) {
      throw error(at(field) + " must be true or false");
    }
    return n.asBoolean();
  }

  Fields object(String field) {
    JsonNode n = node == null ? null : node.get(field);
    return n == null || n.isNull() ? null : new Fields(source, at(field), n);
  }

  /** The objects of a list field (empty when absent). */
  List<Fields> objects(String field) {
    List<Fields> out = new ArrayList<>();
    JsonNode n = node == null ? null : node.get(field);
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw error(at(field) + " must be a list");
    }
    for (int i = 0; i < n.size(); i++) {
      out.add(new Fields(source, at(field) + "[" + i + "]", n.get(i)));
    }
    return out;
  }

  /** The strings of a list field (empty when absent). */
  List<String> texts(String field) {
    List<String> out = new ArrayList<>();
    JsonNode n = node == null ? null : node.get(field);
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw error(at(field) + " must be a list");
    }
    for (JsonNode e : n) {
      if (!e.isValueNode()) {
        throw error(at(field) + " must be a list of strings");
      }
      out.add(e.asText());
    }
    return out;
  }

  JsonNode raw(String field) {
    return node == null ? null : node.get(field);
  }

  String path() {
    return path;
  }

  String at(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  InvalidInputException error(String message) {
    return new InvalidInputException(source + ": " + message);
  }
}
