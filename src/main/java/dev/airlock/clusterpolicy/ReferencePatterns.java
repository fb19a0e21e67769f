package dev.airlock.clusterpolicy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Rewrites an image reference pattern of a cluster policy ({@code docker.io/library/alpine:3.*},
 * {@code ghcr.io/acme/*}) to the names the import gave the repositories at the internal registry. The
 * rewrite must select, among the imported images, exactly the targets of the sources the original selects;
 * it is tried in this order, the first that does is kept:
 * <ol>
 *   <li>the pattern's literal start names an imported repository followed by its tag or digest part: that
 *       repository is replaced by its target ({@code docker.io/library/alpine:3.*} ->
 *       {@code registry.internal:5000/library/alpine:3.*});
 *   <li>the literal start is a prefix the import replaced by one target prefix for every repository under it
 *       ({@code ghcr.io/acme/*} -> {@code registry.internal:5000/acme/*}): the prefix is replaced;
 *   <li>one {@code TARGET:*} and {@code TARGET@*} per repository it selects (names flattened, or a prefix the
 *       import split);
 *   <li>the exact target reference of every image it selects.
 * </ol>
 * A pattern that selects no imported image and has no imported repository under its literal start is left as
 * it is (the gate reported it as matching nothing).
 */
final class ReferencePatterns {
  private ReferencePatterns() {}

  /** One imported image: the source reference the gate checked, the target reference it now has. */
  record Image(String source, String target) {}

  /** The rewritten patterns, and a note when the rewrite is not a plain substitution (else null). */
  record Rewrite(List<String> patterns, String note) {}

  /**
   * @param selects how the policy kind matches a pattern against a reference (as the gate reads it)
   * @param mapping source repository to target repository ({@code docker.io/library/alpine} ->
   *     {@code registry.internal:5000/library/alpine})
   */
  static Rewrite rewrite(String pattern, BiPredicate<String, String> selects, Map<String, String> mapping,
      List<Image> images) {
    int w = firstWildcard(pattern);
    String literal = w < 0 ? pattern : pattern.substring(0, w);
    String repo = null;
    for (String s : mapping.keySet()) {
      boolean names = literal.length() == s.length() ? w < 0 && literal.equals(s)
          : literal.startsWith(s) && ":@".indexOf(literal.charAt(s.length())) >= 0;
      if (names && (repo == null || s.length() > repo.length())) {
        repo = s;
      }
    }
    if (repo != null) {
      List<String> c = List.of(mapping.get(repo) + pattern.substring(repo.length()));
      if (equivalent(pattern, c, selects, images)) {
        return new Rewrite(c, null);
      }
    } else {
      String base = null;
      boolean one = true;
      int under = 0;
      for (Map.Entry<String, String> e : mapping.entrySet()) {
        if (!e.getKey().startsWith(literal)) {
          continue;
        }
        under++;
        String rest = e.getKey().substring(literal.length());
        String t = e.getValue();
        if (!t.endsWith(rest)) {
          one = false;
          break;
        }
        String b = t.substring(0, t.length() - rest.length());
        if (base != null && !base.equals(b)) {
          one = false;
          break;
        }
        base = b;
      }
      boolean selectsAny = images.stream().anyMatch(i -> selects.test(pattern, i.source()));
      if (under == 0 && !selectsAny) {
        return new Rewrite(List.of(pattern), "'" + pattern + "' selects no imported image: left as it is");
      }
      if (under > 0 && one) {
        List<String> c = List.of(base + pattern.substring(literal.length()));
        if (equivalent(pattern, c, selects, images)) {
          return new Rewrite(c, null);
        }
      }
    }
    Set<String> perRepo = new LinkedHashSet<>();
    List<String> exact = new ArrayList<>();
    for (Image i : images) {
      if (selects.test(pattern, i.source())) {
        String t = repository(i.target());
        perRepo.add(t + ":*");
        perRepo.add(t + "@*");
        exact.add(i.target());
      }
    }
    List<String> c = List.copyOf(perRepo);
    if (!c.isEmpty() && equivalent(pattern, c, selects, images)) {
      return new Rewrite(c, "'" + pattern + "' became one pattern per imported repository it selects (" + c.size() / 2
          + "): the import did not rename its repositories under one prefix");
    }
    return new Rewrite(exact, "'" + pattern + "' became the " + exact.size() + " imported references it selects:"
        + " no pattern over the internal names selects exactly those");
  }

  /** Whether {@code rewritten} selects the targets of exactly the imported images {@code pattern} selects. */
  static boolean equivalent(String pattern, List<String> rewritten, BiPredicate<String, String> selects, List<Image> images) {
    for (Image i : images) {
      boolean before = selects.test(pattern, i.source());
      boolean after = rewritten.stream().anyMatch(p -> selects.test(p, i.target()));
      if (before != after) {
        return false;
      }
    }
    return true;
  }

  /** {@code host/repo} of {@code host/repo:tag} or {@code host/repo@sha256:...}. */
  static String repository(String ref) {
    int at = ref.indexOf('@');
    String r = at >= 0 ? ref.substring(0, at) : ref;
    int colon = r.lastIndexOf(':');
    return colon > r.lastIndexOf('/') ? r.substring(0, colon) : r;
  }

  private static int firstWildcard(String p) {
    for (int i = 0; i < p.length(); i++) {
      if (p.charAt(i) == '*' || p.charAt(i) == '?') {
        return i;
      }
    }
    return -1;
  }
}
