package dev.airlock.bundle.parts;

import dev.airlock.InvalidInputException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A volume size as {@code bundle --volume-size} takes it: a number of bytes with an optional suffix
 * ({@code k}, {@code M}, {@code G}, {@code T} and {@code kB}... are decimal; {@code KiB}, {@code MiB},
 * {@code GiB}, {@code TiB} binary), or a media preset (the recordable capacity of the disc, in 2048-byte
 * sectors). See docs/bundle-format.md, "Parts".
 */
public final class VolumeSize {
  private VolumeSize() {}

  /** The smallest volume a part (its manifest, headers and some data) fits in. */
  public static final long MINIMUM = 64 * 1024;

  /** Presets: name to bytes. */
  public static final Map<String, Long> PRESETS = presets();

  private static Map<String, Long> presets() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("dvd", 2_295_104L * 2048); // DVD±R single layer, "4.7 GB"
    m.put("dvd-dl", 4_171_712L * 2048); // DVD+R dual layer, "8.5 GB"
    m.put("bd25", 12_219_392L * 2048); // BD-R single layer
    m.put("bd50", 24_438_784L * 2048); // BD-R dual layer
    return java.util.Collections.unmodifiableMap(m);
  }

  private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([kKmMgGtT]?)(i?)([bB]?)");

  public static long parse(String text) {
    String t = text == null ? "" : text.trim();
    Long preset = PRESETS.get(t.toLowerCase(Locale.ROOT));
    if (preset != null) {
      return preset;
    }
    Matcher m = SIZE.matcher(t);
    if (!m.matches() || (!m.group(3).isEmpty() && m.group(2).isEmpty())) {
      throw new InvalidInputException("--volume-size '" + text + "' is not a size (e.g. 4.7G, 4GiB, 700M, 1048576)"
          + " nor a preset (" + String.join(", ", PRESETS.keySet()) + ")");
    }
    boolean binary = !m.group(3).isEmpty();
    int power = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "" -> 0;
      case "k" -> 1;
      case "m" -> 2;
      case "g" -> 3;
      default -> 4;
    };
    BigDecimal unit = BigDecimal.valueOf(binary ? 1024 : 1000).pow(power);
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(unit);
    long v;
    try {
      v = bytes.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
    } catch (ArithmeticException e) {
      throw new InvalidInputException("--volume-size '" + text + "' is too large");
    }
    if (v < MINIMUM) {
      throw new InvalidInputException("--volume-size '" + text + "' is " + v + " bytes; a volume must hold at least "
          + MINIMUM + " bytes (64 KiB)");
    }
    return v;
  }
}
