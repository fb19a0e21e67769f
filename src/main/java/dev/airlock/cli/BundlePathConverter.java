package dev.airlock.cli;

import java.nio.file.Path;
import picocli.CommandLine;

/**
 * A bundle or layout argument, written as a path or the way skopeo users write one: {@code oci-archive:FILE}
 * or {@code oci:DIR} (as {@code inspect} and {@code copy} take them). A bundle is read whole, so a
 * {@code :REF} after the path is refused rather than read as part of the file name.
 */
final class BundlePathConverter implements CommandLine.ITypeConverter<Path> {
  @Override
  public Path convert(String value) {
    for (String prefix : new String[] {"oci-archive:", "oci:"}) {
      if (value.startsWith(prefix)) {
        String rest = value.substring(prefix.length());
        if (rest.isEmpty()) {
          throw new CommandLine.TypeConversionException("'" + value + "' names no file");
        }
        Path p = Path.of(rest);
        int colon = rest.lastIndexOf(':');
        if (!p.toFile().exists() && colon > 0 && Path.of(rest.substring(0, colon)).toFile().exists()) {
          throw new CommandLine.TypeConversionException("'" + value + "': a bundle is read whole, without a ':"
              + rest.substring(colon + 1) + "' ref; name just " + prefix + rest.substring(0, colon));
        }
        return p;
      }
    }
    return Path.of(value);
  }
}
