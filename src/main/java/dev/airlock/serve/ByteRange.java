package dev.airlock.serve;

/**
 * One HTTP byte range ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}) against a known length. As
 * registries do (RFC 9110 lets a server ignore Range), a header airlock does not serve as one range (several
 * ranges, another unit, a malformed spec) is ignored and the whole blob is sent; only a well-formed single
 * range outside the blob is unsatisfiable (416).
 */
final class ByteRange {
  private ByteRange() {}

  /** Returned for a single range that lies outside the blob: answer 416. */
  static final long[] UNSATISFIABLE = new long[0];

  /** {first, last} inclusive; null to ignore the header (send 200 and the whole blob); {@link #UNSATISFIABLE}. */
  static long[] parse(String header, long length) {
    String h = header.trim();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6) || h.contains(",")) {
      return null; // another unit, or several ranges
    }
    String spec = h.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String a = spec.substring(0, dash).trim();
    String b = spec.substring(dash + 1).trim();
    if (!a.chars().allMatch(Character::isDigit) || !b.chars().allMatch(Character::isDigit) || a.isEmpty() && b.isEmpty()
        || a.length() > 18 || b.length() > 18) {
      return null; // malformed
    }
    long first;
    long last;
    if (a.isEmpty()) {
      long suffix = Long.parseLong(b);
      if (suffix <= 0) {
        return UNSATISFIABLE;
      }
      first = Math.max(0, length - suffix);
      last = length - 1;
    } else {
      first = Long.parseLong(a);
      if (!b.isEmpty() && Long.parseLong(b) < first) {
        return null; // invalid: ignored, as a registry does
      }
      last = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
    }
    if (first >= length || length == 0) {
      return UNSATISFIABLE;
    }
    return new long[] {first, last};
  }
}
