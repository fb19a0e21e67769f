package dev.airlock.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.airlock.InvalidInputException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content digest {@code algorithm:hex}. Only {@code sha256} (64 lowercase hex) and {@code sha512}
 * (128 lowercase hex) are accepted, so a digest can always be turned into a safe relative path.
 */
public final class Digest implements Comparable<Digest> {
  public enum Algorithm {
    SHA256("sha256", "SHA-256", 64),
    SHA512("sha512", "SHA-512", 128);

    private final String id;
    private final String jcaName;
    private final int hexLength;

    Algorithm(String id, String jcaName, int hexLength) {
      this.id = id;
      this.jcaName = jcaName;
      this.hexLength = hexLength;
    }

    public String id() {
      return id;
    }

    public int hexLength() {
      return hexLength;
    }

    public MessageDigest newMessageDigest() {
      try {
        return MessageDigest.getInstance(jcaName);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(jcaName + " is not available in this JVM", e);
      }
    }

    static Algorithm byId(String id) {
      for (Algorithm a : values()) {
        if (a.id.equals(id)) {
          return a;
        }
      }
      return null;
    }
  }

  private final Algorithm algorithm;
  private final String hex;

  private Digest(Algorithm algorithm, String hex) {
    this.algorithm = algorithm;
    this.hex = hex;
  }

  /** Parses and strictly validates a digest string. */
  @JsonCreator
  public static Digest parse(String s) {
    if (s == null) {
      throw new InvalidInputException("digest is missing");
    }
    int colon = s.indexOf(':');
    if (colon <= 0) {
      throw new InvalidInputException("invalid digest '" + printable(s) + "': expected algorithm:hex");
    }
    Algorithm alg = Algorithm.byId(s.substring(0, colon));
    if (alg == null) {
      throw new InvalidInputException(
          "unsupported digest algorithm in '" + printable(s) + "': only sha256 and sha512 are accepted");
    }
    String hex = s.substring(colon + 1);
    if (hex.length() != alg.hexLength || !isLowerHex(hex)) {
      throw new InvalidInputException(
          "invalid digest '" + printable(s) + "': " + alg.id + " needs " + alg.hexLength + " lowercase hex characters");
    }
    return new Digest(alg, hex);
  }

  /** True when {@code s} is a valid digest string. */
  public static boolean isValid(String s) {
    try {
      parse(s);
      return true;
    } catch (InvalidInputException e) {
      return false;
    }
  }

  public static Digest of(Algorithm algorithm, byte[] rawHash) {
    return new Digest(algorithm, HexFormat.of().formatHex(rawHash));
  }

  public static Digest sha256(byte[] content) {
    return of(Algorithm.SHA256, Algorithm.SHA256.newMessageDigest().digest(content));
  }

  /** The sha256 of a file's bytes, read once as a stream (memory flat whatever its size). */
  public static Digest sha256(java.nio.file.Path file) throws java.io.IOException {
    java.security.MessageDigest md = Algorithm.SHA256.newMessageDigest();
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
      }
    }
    return of(Algorithm.SHA256, md.digest());
  }

  public static Digest sha256Hex(String hex) {
    return parse("sha256:" + hex);
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  public String hex() {
    return hex;
  }

  /** The layout path below the layout root: {@code blobs/sha256/<hex>}. Safe by construction. */
  public String blobPath() {
    return "blobs/" + algorithm.id + "/" + hex;
  }

  /** The cosign / referrers fallback tag form: {@code sha256-<hex>}. */
  public String tagForm() {
    return algorithm.id + "-" + hex;
  }

  /** A short form for people: {@code sha256:0123456789ab}. */
  public String shortForm() {
    return algorithm.id + ":" + hex.substring(0, 12);
  }

  public MessageDigest newMessageDigest() {
    return algorithm.newMessageDigest();
  }

  @JsonValue
  @Override
  public String toString() {
    return algorithm.id + ":" + hex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && d.algorithm == algorithm && d.hex.equals(hex);
  }

  @Override
  public int hashCode() {
    return Objects.hash(algorithm, hex);
  }

  @Override
  public int compareTo(Digest o) {
    return toString().compareTo(o.toString());
  }

  private static boolean isLowerHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  static String printable(String s) {
    String t = s.length() > 100 ? s.substring(0, 100) + "..." : s;
    StringBuilder b = new StringBuilder();
    for (char c : t.toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
