package dev.airlock.importer;

import dev.airlock.InvalidInputException;

/**
 * Reversible flattening of repository paths for registries that limit nesting: {@code a/b/c} becomes
 * {@code a-b-c}. Every {@code -} of the original is doubled first, so a single {@code -} can only come
 * from a {@code /} (path components never start or end with {@code -}) and every original run of
 * dashes becomes an even run: two different paths never flatten to the same name, and
 * {@link #unflatten} gives the original back.
 */
public final class FlatNames {
  private FlatNames() {}

  public static String flatten(String path) {
    return path.replace("-", "--").replace('/', '-');
  }

  public static String unflatten(String flat) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < flat.length()) {
      char c = flat.charAt(i);
      if (c != '-') {
        out.append(c);
        i++;
        continue;
      }
      int run = 0;
      while (i < flat.length() && flat.charAt(i) == '-') {
        run++;
        i++;
      }
      if (run == 1) {
        out.append('/');
      } else if (run % 2 == 0) {
        out.append("-".repeat(run / 2));
      } else {
        throw new InvalidInputException("'" + flat + "' is not a flattened name (odd run of dashes)");
      }
    }
    return out.toString();
  }
}
