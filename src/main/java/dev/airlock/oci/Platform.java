package dev.airlock.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.airlock.InvalidInputException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An image platform {@code os/arch[/variant]}, normalised the way container runtimes do it:
 * {@code aarch64} is {@code arm64}, {@code x86_64} is {@code amd64}, {@code arm64} has variant
 * {@code v8} unless told otherwise, {@code arm} defaults to {@code v7}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Platform(
    @JsonProperty("architecture") String architecture,
    @JsonProperty("os") String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    @JsonProperty("variant") String variant) {

  public static Platform of(String os, String architecture, String variant) {
    return new Platform(architecture, os, null, null, variant);
  }

  /** Parses {@code os/arch[/variant]} (as given on the command line or in a spec). */
  public static Platform parse(String s) {
    if (s == null || s.isBlank()) {
      throw new InvalidInputException("platform is empty; expected os/arch[/variant], e.g. linux/amd64");
    }
    String[] parts = s.trim().split("/", -1);
    if (parts.length < 2 || parts.length > 3) {
      throw new InvalidInputException("invalid platform '" + s + "': expected os/arch[/variant], e.g. linux/arm64");
    }
    for (String p : parts) {
      if (p.isEmpty() || !p.matches("[a-zA-Z0-9_.-]+")) {
        throw new InvalidInputException("invalid platform '" + s + "': expected os/arch[/variant], e.g. linux/arm64");
      }
    }
    return of(parts[0].toLowerCase(Locale.ROOT), parts[1].toLowerCase(Locale.ROOT),
        parts.length == 3 ? parts[2].toLowerCase(Locale.ROOT) : null);
  }

  public String normalizedOs() {
    String o = os == null ? "" : os.toLowerCase(Locale.ROOT);
    return o.equals("macos") ? "darwin" : o;
  }

  public String normalizedArchitecture() {
    String a = architecture == null ? "" : architecture.toLowerCase(Locale.ROOT);
    switch (a) {
      case "aarch64":
        return "arm64";
      case "x86_64":
      case "x86-64":
        return "amd64";
      case "i386":
      case "i686":
        return "386";
      case "armhf":
      case "armel":
        return "arm";
      default:
        return a;
    }
  }

  public String normalizedVariant() {
    String arch = architecture == null ? "" : architecture.toLowerCase(Locale.ROOT);
    String v = variant == null ? "" : variant.toLowerCase(Locale.ROOT);
    switch (normalizedArchitecture()) {
      case "arm64":
        if (v.isEmpty() || v.equals("8") || v.equals("v8")) {
          return "v8";
        }
        return v.startsWith("v") ? v : "v" + v;
      case "arm":
        if (v.isEmpty()) {
          return arch.equals("armel") ? "v6" : "v7";
        }
        return v.startsWith("v") ? v : "v" + v;
      case "amd64":
        return v.isEmpty() || v.equals("v1") ? "" : v;
      default:
        return v;
    }
  }

  /** The normalised form used for comparison: {@code linux/arm64/v8}, {@code linux/amd64}. */
  public Platform normalized() {
    String v = normalizedVariant();
    return new Platform(normalizedArchitecture(), normalizedOs(), osVersion, osFeatures, v.isEmpty() ? null : v);
  }

  /**
   * True when this platform (as asked for by a user) selects {@code candidate} (as found in an index).
   * A wanted platform without a variant matches the default variant only ({@code linux/arm} is v7,
   * {@code linux/arm64} is v8); os.version is compared only when the wanted platform names one.
   */
  public boolean matches(Platform candidate) {
    if (candidate == null) {
      return false;
    }
    Platform w = normalized();
    Platform c = candidate.normalized();
    if (!w.os().equals(c.os()) || !w.architecture().equals(c.architecture())) {
      return false;
    }
    if (!Objects.equals(w.variant(), c.variant())) {
      return false;
    }
    return w.osVersion() == null || w.osVersion().equals(c.osVersion());
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    b.append(os == null ? "unknown" : os).append('/').append(architecture == null ? "unknown" : architecture);
    if (variant != null && !variant.isEmpty()) {
      b.append('/').append(variant);
    }
    return b.toString();
  }
}
