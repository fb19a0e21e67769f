package dev.airlock.sitesign.pkcs11;

import dev.airlock.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A PKCS#11 URI (RFC 7512) naming a private key: path attributes ({@code token}, {@code manufacturer},
 * {@code model}, {@code serial}, {@code slot-id}, {@code object}, {@code id}, {@code type}) separated by {@code ;},
 * query attributes ({@code pin-value}, {@code pin-source}, {@code module-path}, {@code module-name}) after
 * {@code ?} separated by {@code &}; values percent-decoded. An attribute airlock cannot honour is refused (a key
 * is never picked by a partial match), except vendor attributes ({@code x-...}), which RFC 7512 lets be ignored.
 */
public record Pkcs11Uri(Map<String, String> path, Map<String, String> query) {
  private static final Set<String> PATH = Set.of("token", "manufacturer", "model", "serial", "slot-id", "object", "id",
      "type", "library-manufacturer", "library-description", "library-version", "slot-description",
      "slot-manufacturer");
  private static final Set<String> QUERY = Set.of("pin-value", "pin-source", "module-path", "module-name");

  public static Pkcs11Uri parse(String uri) {
    if (uri == null || !uri.startsWith("pkcs11:")) {
      throw new InvalidInputException("not a PKCS#11 URI (pkcs11:token=...;object=...): " + redact(uri));
    }
    String rest = uri.substring("pkcs11:".length());
    int q = rest.indexOf('?');
    Map<String, String> path = attributes(q < 0 ? rest : rest.substring(0, q), ";", PATH, uri);
    Map<String, String> query = q < 0 ? Map.of() : attributes(rest.substring(q + 1), "&", QUERY, uri);
    String type = path.get("type");
    if (type != null && !type.equals("private")) {
      throw new InvalidInputException("PKCS#11 URI " + redact(uri) + ": type=" + type + " does not name a private key");
    }
    if (!path.containsKey("object")) {
      throw new InvalidInputException("PKCS#11 URI " + redact(uri) + " names no key: add object=LABEL");
    }
    if (query.containsKey("pin-value") && query.containsKey("pin-source")) {
      throw new InvalidInputException("PKCS#11 URI " + redact(uri) + ": give pin-value or pin-source, not both");
    }
    return new Pkcs11Uri(Map.copyOf(path), Map.copyOf(query));
  }

  private static Map<String, String> attributes(String part, String sep, Set<String> known, String uri) {
    Map<String, String> out = new LinkedHashMap<>();
    if (part.isEmpty()) {
      return out;
    }
    for (String a : part.split(sep, -1)) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new InvalidInputException("PKCS#11 URI " + redact(uri) + ": '" + (a.startsWith("pin-value") ? "pin-value"
            : a) + "' is not name=value");
      }
      String name = a.substring(0, eq).toLowerCase(java.util.Locale.ROOT);
      if (name.startsWith("x-")) {
        continue;
      }
      if (!known.contains(name)) {
        throw new InvalidInputException("PKCS#11 URI " + redact(uri) + ": attribute '" + name + "' is not supported"
            + " (supported: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
      if (out.put(name, decode(a.substring(eq + 1), name, uri)) != null) {
        throw new InvalidInputException("PKCS#11 URI " + redact(uri) + ": attribute '" + name + "' given twice");
      }
    }
    return out;
  }

  private static String decode(String v, String name, String uri) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = v.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '%') {
        if (i + 2 >= b.length || Character.digit(b[i + 1], 16) < 0 || Character.digit(b[i + 2], 16) < 0) {
          throw new InvalidInputException("PKCS#11 URI " + redact(uri) + ": bad percent-encoding in " + name);
        }
        out.write(Character.digit(b[i + 1], 16) * 16 + Character.digit(b[i + 2], 16));
        i += 2;
      } else {
        out.write(b[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  public String token() {
    return path.get("token");
  }

  public String object() {
    return path.get("object");
  }

  /** The URI for messages: the PIN never shown. */
  public static String redact(String uri) {
    return uri == null ? "null" : uri.replaceAll("(?i)pin-value=[^&]*", "pin-value=***");
  }

  /** Without query attributes or PIN, for messages. */
  public String describe() {
    StringBuilder sb = new StringBuilder("pkcs11:");
    path.forEach((k, v) -> sb.append(sb.length() > 7 ? ";" : "").append(k).append('=').append(v));
    return sb.toString();
  }
}
