package dev.airlock.serve;

/** One HTTP byte range ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}) against a known length. */
final class ByteRange {
  private ByteRange() {}

  /** {first, last} inclusive, or null when the range is malformed, multiple or not satisfiable. */
  static long[] parse(String header, long length) {
    String h = header.trim();
    if (!h.startsWith("bytes=") || h.contains(",")) {
      return null;
    }
    String spec = h.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).trim();
      String b = spec.substring(dash + 1).trim();
      long first;
      long last;
      if (a.isEmpty()) {
        long suffix = Long.parseLong(b);
        if (suffix <= 0) {
          return null;
        }
        first = Math.max(0, length - suffix);
        last = length - 1;
      } else {
        first = Long.parseLong(a);
        last = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
      }
      if (first < 0 || first >= length || last < first) {
        return null;
      }
      return new long[] {first, last};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
