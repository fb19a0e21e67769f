package dev.airlock.audit;

import java.util.Locale;

/**
 * Package versions as SBOMs list them. Semantic versions follow {@link dev.airlock.charts.Semver}; Debian
 * and RPM-style versions ({@code [epoch:]upstream[-revision]}, such as {@code 1:3.0.11-1~deb12u2}) are
 * ordered the way {@code dpkg --compare-versions} orders them, which RPM's {@code epoch:version-release} also
 * follows except in rare corner cases (RPM's {@code ^}).
 */
public final class PackageVersions {
  private PackageVersions() {}

  /** The purl type ({@code pkg:deb/debian/openssl@3.0.11} gives {@code deb}); empty when there is no purl. */
  public static String purlType(String purl) {
    if (purl == null || !purl.startsWith("pkg:")) {
      return "";
    }
    int slash = purl.indexOf('/', 4);
    return slash < 0 ? "" : purl.substring(4, slash).toLowerCase(Locale.ROOT);
  }

  /** The name part of a purl ({@code pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1} gives log4j-core). */
  public static String purlName(String purl) {
    if (purl == null || !purl.startsWith("pkg:")) {
      return null;
    }
    String p = purl;
    int cut = indexOfAny(p, "?#");
    if (cut >= 0) {
      p = p.substring(0, cut);
    }
    int at = p.lastIndexOf('@');
    if (at > p.lastIndexOf('/')) {
      p = p.substring(0, at);
    }
    String name = p.substring(p.lastIndexOf('/') + 1);
    return java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static int indexOfAny(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  /** Whether a package's versions follow Debian/RPM rules: by its purl type, else by not being semver. */
  public static boolean distroStyle(String version, String purl) {
    String t = purlType(purl);
    if (t.equals("deb") || t.equals("rpm") || t.equals("apk") || t.equals("alpm")) {
      return true;
    }
    return dev.airlock.charts.Semver.tryParse(version) == null;
  }

  /** A parsed {@code [epoch:]upstream[-revision]}. */
  record Distro(long epoch, String upstream, String revision, boolean hasEpoch, boolean hasRevision) {
    static Distro parse(String v) {
      String s = v.trim();
      long epoch = 0;
      boolean hasEpoch = false;
      int colon = s.indexOf(':');
      if (colon > 0 && s.substring(0, colon).chars().allMatch(Character::isDigit)) {
        try {
          epoch = Long.parseLong(s.substring(0, colon));
          hasEpoch = true;
          s = s.substring(colon + 1);
        } catch (NumberFormatException e) {
          // an epoch too large for a long: keep the text
        }
      }
      int dash = s.lastIndexOf('-');
      if (dash > 0) {
        return new Distro(epoch, s.substring(0, dash), s.substring(dash + 1), hasEpoch, true);
      }
      return new Distro(epoch, s, "", hasEpoch, false);
    }
  }

  /** dpkg's order of two versions: negative, zero or positive. */
  public static int compareDistro(String a, String b) {
    return compare(Distro.parse(a), Distro.parse(b), true);
  }

  /**
   * Compares a package's version with a version written in a range: the revision counts only when the
   * range names one, so {@code <=3.0.11} includes {@code 3.0.11-1~deb12u2}.
   */
  static int compareToBound(String version, String bound) {
    Distro b = Distro.parse(bound);
    return compare(Distro.parse(version), b, b.hasRevision());
  }

  private static int compare(Distro a, Distro b, boolean revisions) {
    int c = Long.compare(a.epoch(), b.epoch());
    if (c != 0) {
      return c;
    }
    c = verrevcmp(a.upstream(), b.upstream());
    if (c != 0 || !revisions) {
      return c;
    }
    return verrevcmp(a.revision(), b.revision());
  }

  /** The upstream part of a version, without epoch and revision. */
  static String upstream(String version) {
    return Distro.parse(version).upstream();
  }

  /** dpkg's verrevcmp: non-digit runs compared by {@link #order}, digit runs numerically. */
  static int verrevcmp(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() || j < b.length()) {
      int firstDiff = 0;
      while ((i < a.length() && !Character.isDigit(a.charAt(i))) || (j < b.length() && !Character.isDigit(b.charAt(j)))) {
        int ac = i < a.length() ? order(a.charAt(i)) : 0;
        int bc = j < b.length() ? order(b.charAt(j)) : 0;
        if (ac != bc) {
          return ac - bc;
        }
        i++;
        j++;
      }
      while (i < a.length() && a.charAt(i) == '0') {
        i++;
      }
      while (j < b.length() && b.charAt(j) == '0') {
        j++;
      }
      while (i < a.length() && Character.isDigit(a.charAt(i)) && j < b.length() && Character.isDigit(b.charAt(j))) {
        if (firstDiff == 0) {
          firstDiff = a.charAt(i) - b.charAt(j);
        }
        i++;
        j++;
      }
      if (i < a.length() && Character.isDigit(a.charAt(i))) {
        return 1;
      }
      if (j < b.length() && Character.isDigit(b.charAt(j))) {
        return -1;
      }
      if (firstDiff != 0) {
        return firstDiff;
      }
    }
    return 0;
  }

  /** dpkg: {@code ~} sorts before everything (even the end), then the end and digits, letters, then other characters. */
  private static int order(char c) {
    if (Character.isDigit(c)) {
      return 0;
    }
    if (Character.isLetter(c)) {
      return c;
    }
    if (c == '~') {
      return -1;
    }
    return c + 256;
  }
}
