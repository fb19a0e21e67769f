package dev.airlock.importer;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Reference;
import java.util.regex.Pattern;

/**
 * Maps a source reference's repository to a repository of the target. By default the source host is
 * dropped ({@code docker.io/library/alpine} -> {@code PREFIX/library/alpine}); {@code keepHost} keeps it
 * as the first component ({@code PREFIX/docker.io/library/alpine}, a port written {@code host_5000});
 * {@code flatten} makes the part after the prefix one component ({@link FlatNames}).
 */
public record ReferenceMapper(String prefix, boolean keepHost, boolean flatten) {
  private static final Pattern PATH = Pattern.compile(
      "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");

  public ReferenceMapper {
    prefix = prefix == null ? "" : trimSlashes(prefix);
    if (!prefix.isEmpty() && !PATH.matcher(prefix).matches()) {
      throw new InvalidInputException("prefix '" + prefix + "' is not a valid repository path"
          + " (lowercase letters, digits, separators . _ - in /-separated components)");
    }
  }

  static String trimSlashes(String s) {
    String t = s;
    while (t.startsWith("/")) {
      t = t.substring(1);
    }
    while (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }

  /** The target repository path (without the target host) for a source reference. */
  public String map(Reference source) {
    String path = keepHost ? source.registry().replace(':', '_').toLowerCase(java.util.Locale.ROOT) + "/" + source.repository()
        : source.repository();
    if (flatten) {
      path = FlatNames.flatten(path);
    }
    String out = prefix.isEmpty() ? path : prefix + "/" + path;
    if (!PATH.matcher(out).matches() || out.length() > 255) {
      throw new InvalidInputException("cannot map " + source.name() + ": '" + out + "' is not a valid repository name");
    }
    return out;
  }
}
