package dev.airlock.audit;

import dev.airlock.InvalidInputException;
import dev.airlock.charts.Semver;
import dev.airlock.charts.SemverRange;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A package version range for {@code audit --package NAME@RANGE}, in the syntax of chart version ranges
 * (docs/bundle-spec.md): comparators {@code = != > >= < <=} joined by spaces or commas (AND) and {@code ||}
 * (OR), {@code ~1.2}, {@code ^1.2}, wildcards {@code 3.0.x} / {@code 3.0.*}, hyphen ranges {@code 1.2 - 1.4} and a
 * bare version.
 *
 * <p>A semantic version (one {@link Semver} parses, and no Debian, RPM, Alpine or Arch purl) is matched by
 * {@link SemverRange} exactly as chart versions are. Any other version is matched by the fallback: the same
 * comparators in dpkg's order ({@link PackageVersions#compareDistro}); a bound without a revision ignores the
 * package's revision ({@code <=3.0.11} includes {@code 3.0.11-1~deb12u2}); a bare version or {@code =V}
 * matches the whole version or its upstream part; {@code 3.0.x} matches an upstream part of 3.0 or starting
 * with {@code 3.0.}; {@code ~V} and {@code ^V} are {@code >=V} below the next minor or major version.
 */
public final class VersionRange {
  private final String text;
  private final SemverRange semver;
  private final List<List<Predicate<String>>> fallback;

  private VersionRange(String text, SemverRange semver, List<List<Predicate<String>>> fallback) {
    this.text = text;
    this.semver = semver;
    this.fallback = fallback;
  }

  public static VersionRange parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException("the version range after @ is empty");
    }
    SemverRange semver;
    try {
      semver = SemverRange.parse(text);
    } catch (InvalidInputException e) {
      semver = null; // a Debian-style bound such as 1:2.3-4: only the fallback can read it
    }
    List<List<Predicate<String>>> alts = new ArrayList<>();
    for (String alt : text.split("\\|\\|")) {
      String a = alt.trim().replaceAll("\\s+-\\s+", " - ").replace(',', ' ');
      a = a.replaceAll("(>=|<=|!=|>|<|=|~|\\^)\\s+", "$1");
      if (a.isBlank()) {
        throw new InvalidInputException("invalid version range '" + text + "': empty alternative");
      }
      String[] tokens = a.trim().split("\\s+");
      List<Predicate<String>> all = new ArrayList<>();
      for (int i = 0; i < tokens.length; i++) {
        if (i + 2 < tokens.length && tokens[i + 1].equals("-")) {
          String lo = tokens[i];
          String hi = tokens[i + 2];
          all.add(v -> PackageVersions.compareToBound(v, lo) >= 0);
          all.add(v -> PackageVersions.compareToBound(v, hi) <= 0);
          i += 2;
        } else {
          all.add(comparator(tokens[i], text));
        }
      }
      alts.add(all);
    }
    return new VersionRange(text.trim(), semver, alts);
  }

  private static Predicate<String> comparator(String t, String range) {
    String op = t.replaceAll("^(>=|<=|!=|>|<|=|~>|~|\\^)?.*$", "$1");
    String v = t.substring(op.length());
    if (v.isEmpty()) {
      throw new InvalidInputException("invalid version range '" + range + "': '" + t + "' has no version");
    }
    if (v.equals("*") || v.equalsIgnoreCase("x")) {
      return x -> true;
    }
    String wildcardPrefix = v.matches(".*\\.[xX*]$") ? v.substring(0, v.length() - 2) : null;
    if (wildcardPrefix != null && (op.isEmpty() || op.equals("="))) {
      return x -> prefixMatch(PackageVersions.upstream(x), wildcardPrefix);
    }
    String bound = wildcardPrefix != null ? wildcardPrefix : v;
    return switch (op) {
      case "", "=" -> x -> PackageVersions.compareDistro(x, bound) == 0
          || PackageVersions.compareDistro(PackageVersions.upstream(x), bound) == 0;
      case "!=" -> x -> PackageVersions.compareToBound(x, bound) != 0;
      case ">" -> x -> PackageVersions.compareToBound(x, bound) > 0;
      case ">=" -> x -> PackageVersions.compareToBound(x, bound) >= 0;
      case "<" -> x -> PackageVersions.compareToBound(x, bound) < 0;
      case "<=" -> x -> PackageVersions.compareToBound(x, bound) <= 0;
      case "~", "~>" -> {
        String hi = next(bound, bound.split("\\.").length >= 2 ? 2 : 1, range);
        yield x -> PackageVersions.compareToBound(x, bound) >= 0 && PackageVersions.compareToBound(x, hi) < 0;
      }
      case "^" -> {
        String hi = next(bound, 1, range);
        yield x -> PackageVersions.compareToBound(x, bound) >= 0 && PackageVersions.compareToBound(x, hi) < 0;
      }
      default -> throw new InvalidInputException("invalid version range '" + range + "': unknown operator in '" + t + "'");
    };
  }

  /** {@code 3.0} matches 3.0, 3.0.11, 3.0~rc1 and 3.0+dfsg, not 3.01 or 3.0a. */
  private static boolean prefixMatch(String upstream, String prefix) {
    if (!upstream.startsWith(prefix)) {
      return false;
    }
    if (upstream.length() == prefix.length()) {
      return true;
    }
    return !Character.isLetterOrDigit(upstream.charAt(prefix.length()));
  }

  /** The version after {@code v} at {@code parts} numeric components: next(3.0.11, 2) = 3.1, next(3.0.11, 1) = 4. */
  private static String next(String v, int parts, String range) {
    String up = PackageVersions.upstream(v);
    String[] nums = up.split("\\.");
    List<Long> n = new ArrayList<>();
    for (int i = 0; i < Math.min(parts, nums.length); i++) {
      String digits = nums[i].replaceAll("^(\\d+).*$", "$1");
      if (!digits.matches("\\d+")) {
        throw new InvalidInputException("invalid version range '" + range + "': '" + v + "' does not start with numbers");
      }
      n.add(Long.parseLong(digits));
    }
    n.set(n.size() - 1, n.get(n.size() - 1) + 1);
    StringBuilder b = new StringBuilder();
    Distro d = Distro.of(v);
    if (d.hasEpoch) {
      b.append(d.epoch).append(':');
    }
    for (int i = 0; i < n.size(); i++) {
      b.append(i == 0 ? "" : ".").append(n.get(i));
    }
    return b.append('~').toString(); // below every 3.1 pre-release (3.1~rc1) and 3.1 itself
  }

  private record Distro(long epoch, boolean hasEpoch) {
    static Distro of(String v) {
      PackageVersions.Distro d = PackageVersions.Distro.parse(v);
      return new Distro(d.epoch(), d.hasEpoch());
    }
  }

  /** Whether {@code version} (of a package with {@code purl}, may be null) is in the range. */
  public boolean matches(String version, String purl) {
    if (version == null || version.isBlank()) {
      return false;
    }
    if (semver != null && !PackageVersions.distroStyle(version, purl)) {
      return semver.matches(Semver.tryParse(version));
    }
    for (List<Predicate<String>> all : fallback) {
      if (all.stream().allMatch(p -> p.test(version))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return text;
  }
}
