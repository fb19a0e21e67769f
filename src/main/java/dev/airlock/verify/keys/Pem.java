package dev.airlock.verify.keys;

import dev.airlock.InvalidInputException;
import java.util.Base64;

/** One PEM block: its type and decoded bytes. */
public record Pem(String type, byte[] der) {
  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";

  /** Parses the first PEM block in {@code text}. */
  public static Pem parse(String text, String what) {
    int b = text.indexOf(BEGIN);
    if (b < 0) {
      throw new InvalidInputException(what + " is not a PEM file (no -----BEGIN line)");
    }
    int typeEnd = text.indexOf("-----", b + BEGIN.length());
    if (typeEnd < 0) {
      throw new InvalidInputException(what + ": malformed PEM header");
    }
    String type = text.substring(b + BEGIN.length(), typeEnd);
    String endLine = END + type + "-----";
    int e = text.indexOf(endLine, typeEnd);
    if (e < 0) {
      throw new InvalidInputException(what + ": PEM block '" + type + "' has no END line");
    }
    String body = text.substring(typeEnd + 5, e);
    StringBuilder b64 = new StringBuilder();
    for (String line : body.split("\r?\n")) {
      if (line.contains(":")) {
        continue; // RFC 1421 headers
      }
      b64.append(line.trim());
    }
    try {
      return new Pem(type, Base64.getDecoder().decode(b64.toString()));
    } catch (IllegalArgumentException ex) {
      throw new InvalidInputException(what + ": PEM body is not base64");
    }
  }

  /** PEM text with 64-character lines, as Go's encoding/pem writes it. */
  public static String encode(String type, byte[] der) {
    String b64 = Base64.getEncoder().encodeToString(der);
    StringBuilder sb = new StringBuilder("-----BEGIN ").append(type).append("-----\n");
    for (int i = 0; i < b64.length(); i += 64) {
      sb.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
    }
    return sb.append("-----END ").append(type).append("-----\n").toString();
  }
}
