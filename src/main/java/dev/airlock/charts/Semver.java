package dev.airlock.charts;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A semantic version as Helm uses them: {@code MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]}, with an
 * optional leading {@code v}. Missing minor/patch are 0. Ordered by semver precedence (build ignored).
 */
public record Semver(long major, long minor, long patch, String prerelease, String original) implements Comparable<Semver> {
  private static final Pattern FORM = Pattern.compile(
      "v?(0|[1-9]\\d*)(?:\\.(0|[1-9]\\d*))?(?:\\.(0|[1-9]\\d*))?(?:-([0-9A-Za-z.-]+))?(?:\\+([0-9A-Za-z.-]+))?");

  /** Parses a version, or returns null when {@code s} is not one. */
  public static Semver tryParse(String s) {
    if (s == null) {
      return null;
    }
    Matcher m = FORM.matcher(s.trim());
    if (!m.matches()) {
      return null;
    }
    try {
      return new Semver(Long.parseLong(m.group(1)), m.group(2) == null ? 0 : Long.parseLong(m.group(2)),
          m.group(3) == null ? 0 : Long.parseLong(m.group(3)), m.group(4), s.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public boolean isPrerelease() {
    return prerelease != null;
  }

  @Override
  public int compareTo(Semver o) {
    int c = Long.compare(major, o.major);
    if (c == 0) {
      c = Long.compare(minor, o.minor);
    }
    if (c == 0) {
      c = Long.compare(patch, o.patch);
    }
    if (c != 0) {
      return c;
    }
    if (prerelease == null || o.prerelease == null) {
      return prerelease == null ? (o.prerelease == null ? 0 : 1) : -1;
    }
    String[] a = prerelease.split("\\.");
    String[] b = o.prerelease.split("\\.");
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      boolean an = a[i].matches("\\d+");
      boolean bn = b[i].matches("\\d+");
      int x;
      if (an && bn) {
        x = new java.math.BigInteger(a[i]).compareTo(new java.math.BigInteger(b[i]));
      } else if (an != bn) {
        x = an ? -1 : 1;
      } else {
        x = a[i].compareTo(b[i]);
      }
      if (x != 0) {
        return x;
      }
    }
    return Integer.compare(a.length, b.length);
  }

  @Override
  public String toString() {
    return original;
  }
}
