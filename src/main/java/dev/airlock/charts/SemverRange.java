package dev.airlock.charts;

import dev.airlock.InvalidInputException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A version constraint as Helm users write them: comparators joined by spaces or commas (AND) and
 * {@code ||} (OR). Comparators: {@code =, !=, >, >=, <, <=}, {@code ~1.2} (patch updates),
 * {@code ^1.2} (no major change), wildcards {@code 1.2.x} / {@code *}, hyphen ranges {@code 1.2 - 1.4},
 * and a bare version (exact). Pre-releases match only when the constraint itself names a pre-release.
 */
public final class SemverRange {
  private final String text;
  private final List<List<Predicate<Semver>>> alternatives;
  private final boolean allowsPrerelease;

  private SemverRange(String text, List<List<Predicate<Semver>>> alternatives, boolean allowsPrerelease) {
    this.text = text;
    this.alternatives = alternatives;
    this.allowsPrerelease = allowsPrerelease;
  }

  public static SemverRange parse(String s) {
    if (s == null || s.isBlank()) {
      throw new InvalidInputException("version range is empty");
    }
    List<List<Predicate<Semver>>> alts = new ArrayList<>();
    boolean pre = false;
    for (String alt : s.split("\\|\\|")) {
      String a = alt.trim().replaceAll("\\s*-\\s+|\\s+-\\s*", " - ").replace(',', ' ');
      a = a.replaceAll("(>=|<=|!=|>|<|=|~|\\^)\\s+", "$1");
      String[] tokens = a.trim().split("\\s+");
      if (a.isBlank()) {
        throw new InvalidInputException("invalid version range '" + s + "': empty alternative");
      }
      List<Predicate<Semver>> all = new ArrayList<>();
      for (int i = 0; i < tokens.length; i++) {
        if (i + 2 < tokens.length && tokens[i + 1].equals("-")) {
          Semver lo = version(tokens[i], s);
          Bound hi = bound(tokens[i + 2], s);
          all.add(v -> v.compareTo(lo) >= 0);
          all.add(hi.exactParts == 3 ? v -> v.compareTo(hi.v) <= 0 : v -> v.compareTo(hi.next()) < 0);
          pre |= lo.isPrerelease();
          i += 2;
          continue;
        }
        String t = tokens[i];
        pre |= t.contains("-");
        all.add(comparator(t, s));
      }
      alts.add(all);
    }
    return new SemverRange(s.trim(), alts, pre);
  }

  /** A version with how many parts were given (for wildcards and hyphen ranges). */
  private record Bound(Semver v, int exactParts) {
    Semver next() {
      return switch (exactParts) {
        case 0 -> new Semver(Long.MAX_VALUE, 0, 0, null, "max");
        case 1 -> new Semver(v.major() + 1, 0, 0, "0", "");
        case 2 -> new Semver(v.major(), v.minor() + 1, 0, "0", "");
        default -> new Semver(v.major(), v.minor(), v.patch() + 1, "0", "");
      };
    }
  }

  private static Bound bound(String t, String range) {
    String x = t.startsWith("v") ? t.substring(1) : t;
    if (x.equals("*") || x.equalsIgnoreCase("x")) {
      return new Bound(new Semver(0, 0, 0, null, "0"), 0);
    }
    String[] parts = x.split("[-+]", 2)[0].split("\\.");
    int exact = 0;
    for (String p : parts) {
      if (p.equals("*") || p.equalsIgnoreCase("x")) {
        break;
      }
      exact++;
    }
    String cleaned = x.replaceAll("\\.[xX*]", "");
    Semver v = version(cleaned, range);
    return new Bound(v, Math.min(exact, 3));
  }

  private static Semver version(String t, String range) {
    Semver v = Semver.tryParse(t);
    if (v == null) {
      throw new InvalidInputException("invalid version range '" + range + "': '" + t + "' is not a version");
    }
    return v;
  }

  private static Predicate<Semver> comparator(String t, String range) {
    String op = t.replaceAll("^(>=|<=|!=|>|<|=|~>|~|\\^)?.*$", "$1");
    String rest = t.substring(op.length());
    if (rest.isEmpty()) {
      throw new InvalidInputException("invalid version range '" + range + "': '" + t + "' has no version");
    }
    Bound b = bound(rest, range);
    Semver v = b.v;
    return switch (op) {
      case "" , "=" -> b.exactParts == 3 ? x -> x.compareTo(v) == 0
          : x -> x.compareTo(v) >= 0 && x.compareTo(b.next()) < 0;
      case "!=" -> x -> x.compareTo(v) != 0;
      case ">" -> b.exactParts == 3 ? x -> x.compareTo(v) > 0 : x -> x.compareTo(b.next()) >= 0;
      case ">=" -> x -> x.compareTo(v) >= 0;
      case "<" -> x -> x.compareTo(v) < 0;
      case "<=" -> b.exactParts == 3 ? x -> x.compareTo(v) <= 0 : x -> x.compareTo(b.next()) < 0;
      case "~", "~>" -> {
        Semver hi = b.exactParts <= 1 ? new Semver(v.major() + 1, 0, 0, "0", "")
            : new Semver(v.major(), v.minor() + 1, 0, "0", "");
        yield x -> x.compareTo(v) >= 0 && x.compareTo(hi) < 0;
      }
      case "^" -> {
        Semver hi = v.major() > 0 || b.exactParts <= 1 ? new Semver(v.major() + 1, 0, 0, "0", "")
            : v.minor() > 0 || b.exactParts == 2 ? new Semver(0, v.minor() + 1, 0, "0", "")
            : new Semver(0, 0, v.patch() + 1, "0", "");
        yield x -> x.compareTo(v) >= 0 && x.compareTo(hi) < 0;
      }
      default -> throw new InvalidInputException("invalid version range '" + range + "': unknown operator in '" + t + "'");
    };
  }

  public boolean matches(Semver v) {
    if (v.isPrerelease() && !allowsPrerelease) {
      return false;
    }
    for (List<Predicate<Semver>> all : alternatives) {
      if (all.stream().allMatch(p -> p.test(v))) {
        return true;
      }
    }
    return false;
  }

  /** The newest of {@code versions} (strings that are not versions are ignored) that matches. */
  public Optional<Semver> newest(Collection<String> versions) {
    Semver best = null;
    for (String s : versions) {
      Semver v = Semver.tryParse(s);
      if (v != null && matches(v) && (best == null || v.compareTo(best) > 0)) {
        best = v;
      }
    }
    return Optional.ofNullable(best);
  }

  @Override
  public String toString() {
    return text;
  }
}
