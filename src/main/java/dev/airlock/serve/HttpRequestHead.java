package dev.airlock.serve;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The request line and header fields of one HTTP/1.x request, parsed strictly: origin-form targets of
 * visible ASCII, token header names, no line folding, one consistent Content-Length. Header names are
 * kept lower-cased; repeated fields are joined with {@code ", "}.
 */
record HttpRequestHead(String method, String rawPath, String rawQuery, boolean http10, Map<String, String> headers) {
  static final int MAX_HEADERS = 100;
  private static final java.util.regex.Pattern LINE_END = java.util.regex.Pattern.compile("\r?\n");
  private static final java.util.regex.Pattern CONTENT_LENGTH = java.util.regex.Pattern.compile("[0-9]{1,18}");

  /** The value of {@code name} (any case), or null. */
  String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /** True when the client wants the connection kept open after this request. */
  boolean keepAlive() {
    String c = header("connection");
    String tokens = c == null ? "" : "," + c.toLowerCase(Locale.ROOT).replace(" ", "") + ",";
    if (tokens.contains(",close,")) {
      return false;
    }
    return !http10 || tokens.contains(",keep-alive,");
  }

  /** True when a body follows the head (which this server never reads). */
  boolean hasBody() {
    String cl = header("content-length");
    return header("transfer-encoding") != null || (cl != null && !cl.equals("0"));
  }

  /** Parses {@code len} bytes of head (request line, fields, up to but not including the empty line). */
  static HttpRequestHead parse(byte[] buf, int len) throws MalformedRequestException {
    String text = new String(buf, 0, len, StandardCharsets.ISO_8859_1);
    String[] lines = LINE_END.split(text, -1);
    String[] parts = lines[0].split(" ", -1);
    if (parts.length != 3 || parts[0].isEmpty() || !isToken(parts[0])) {
      throw new MalformedRequestException(400, "malformed request line");
    }
    String version = parts[2];
    if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
      throw new MalformedRequestException(version.startsWith("HTTP/") ? 505 : 400, "unsupported HTTP version");
    }
    String target = parts[1];
    if (!target.startsWith("/") || !isVisibleAscii(target)) {
      throw new MalformedRequestException(400, "request target must be an absolute path");
    }
    if (lines.length - 1 > MAX_HEADERS) {
      throw new MalformedRequestException(431, "too many header fields");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      int colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line.substring(0, colon))) {
        throw new MalformedRequestException(400, "malformed header field");
      }
      String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).strip();
      if (hasControl(value)) {
        throw new MalformedRequestException(400, "control character in header field");
      }
      String before = headers.get(name);
      if (before != null && name.equals("content-length") && !before.equals(value)) {
        throw new MalformedRequestException(400, "conflicting Content-Length");
      }
      headers.put(name, before == null || name.equals("content-length") ? value : before + ", " + value);
    }
    String cl = headers.get("content-length");
    if (cl != null && !CONTENT_LENGTH.matcher(cl).matches()) {
      throw new MalformedRequestException(400, "malformed Content-Length");
    }
    if (!version.equals("HTTP/1.0") && !headers.containsKey("host")) {
      throw new MalformedRequestException(400, "HTTP/1.1 request without Host");
    }
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    String query = q < 0 ? null : target.substring(q + 1);
    return new HttpRequestHead(parts[0], path, query, version.equals("HTTP/1.0"), headers);
  }

  /** True when {@code s} holds a control character other than a tab. */
  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x20 && ch != '\t' || ch == 0x7f) {
        return true;
      }
    }
    return false;
  }

  private static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return !s.isEmpty();
  }

  private static boolean isVisibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }
}
