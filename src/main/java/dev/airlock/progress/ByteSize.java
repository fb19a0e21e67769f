package dev.airlock.progress;

import java.util.Locale;

/** Byte counts for people: {@code 1.5 MiB}. The one formatter every command uses. */
public final class ByteSize {
  private ByteSize() {}

  public static String human(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
