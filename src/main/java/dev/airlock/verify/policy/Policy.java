package dev.airlock.verify.policy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An image verification policy (YAML); see docs/verification.md. Relative file names are resolved
 * against the policy file's directory.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record Policy(
    @JsonProperty("apiVersion") String apiVersion,
    @JsonProperty("kind") String kind,
    @JsonProperty("trust") Trust trust,
    @JsonProperty("images") List<ImagePolicy> images) {

  public static final String API_VERSION = "airlock.dev/v1";

  /** Where Sigstore trust comes from and what time validation uses. */
  public record Trust(
      @JsonProperty("tufRepository") String tufRepository,
      @JsonProperty("tufRoot") String tufRoot,
      @JsonProperty("trustedRoot") String trustedRoot,
      @JsonProperty("trustedRootSha256") String trustedRootSha256,
      @JsonProperty("maxAge") String maxAge) {

    public Duration maxAgeDuration() {
      if (maxAge == null) {
        return null;
      }
      try {
        return Duration.parse(maxAge.startsWith("P") ? maxAge : "P" + maxAge);
      } catch (RuntimeException e) {
        throw new InvalidInputException("policy trust.maxAge '" + maxAge + "' is not an ISO-8601 duration (e.g. P30D)");
      }
    }
  }

  /** What must hold for references matching {@code match} (a glob: {@code *} within a path segment, {@code **} across). */
  public record ImagePolicy(
      @JsonProperty("match") String match,
      @JsonProperty("require") String require,
      @JsonProperty("rules") List<Rule> rules) {

    public boolean matches(String ref) {
      return glob(match).matcher(ref).matches();
    }

    /** How many rules must pass: all (default), any (1) or a number. */
    public int required() {
      if (require == null || require.equals("all")) {
        return rules.size();
      }
      if (require.equals("any")) {
        return 1;
      }
      try {
        int n = Integer.parseInt(require);
        if (n < 1 || n > rules.size()) {
          throw new InvalidInputException("policy for '" + match + "': require " + n + " of " + rules.size() + " rules");
        }
        return n;
      } catch (NumberFormatException e) {
        throw new InvalidInputException("policy for '" + match + "': require must be all, any or a number");
      }
    }
  }

  /** One rule; exactly one of signedBy, keyless, attestation, sbom. */
  public record Rule(
      @JsonProperty("name") String name,
      @JsonProperty("signedBy") List<String> signedBy,
      @JsonProperty("keyless") Keyless keyless,
      @JsonProperty("attestation") Attestation attestation,
      @JsonProperty("sbom") Boolean sbom) {

    public String describe() {
      if (name != null) {
        return name;
      }
      if (signedBy != null) {
        return "signed by " + String.join(", ", signedBy);
      }
      if (keyless != null) {
        return "keyless " + keyless.toIdentity();
      }
      if (attestation != null) {
        return "attestation " + attestation.predicateType();
      }
      return "sbom present";
    }
  }

  public record Keyless(
      @JsonProperty("identity") String identity,
      @JsonProperty("identityRegexp") String identityRegexp,
      @JsonProperty("issuer") String issuer) {
    public dev.airlock.verify.sigstore.CertificateIdentity toIdentity() {
      return new dev.airlock.verify.sigstore.CertificateIdentity(identity, identityRegexp, issuer);
    }
  }

  public record Attestation(
      @JsonProperty("predicateType") String predicateType,
      @JsonProperty("signedBy") List<String> signedBy,
      @JsonProperty("keyless") Keyless keyless) {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public static Policy load(Path file) throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = Json.readCapped(in, 1 << 20, "policy " + file);
    }
    Policy p;
    try {
      p = YAML.readValue(bytes, Policy.class);
    } catch (IOException e) {
      throw new InvalidInputException("policy " + file + " is not valid: " + Json.firstLine(e.getMessage()));
    }
    if (p == null || !API_VERSION.equals(p.apiVersion())) {
      throw new InvalidInputException("policy " + file + " must say apiVersion: " + API_VERSION);
    }
    for (ImagePolicy ip : p.images() == null ? List.<ImagePolicy>of() : p.images()) {
      if (ip.match() == null || ip.rules() == null || ip.rules().isEmpty()) {
        throw new InvalidInputException("policy " + file + ": every images entry needs match and rules");
      }
      ip.required();
      for (Rule r : ip.rules()) {
        int kinds = (r.signedBy() != null ? 1 : 0) + (r.keyless() != null ? 1 : 0) + (r.attestation() != null ? 1 : 0)
            + (Boolean.TRUE.equals(r.sbom()) ? 1 : 0);
        if (kinds != 1) {
          throw new InvalidInputException("policy " + file + ": rule '" + r.describe()
              + "' must have exactly one of signedBy, keyless, attestation, sbom");
        }
        if (r.keyless() != null) {
          r.keyless().toIdentity();
        }
        Attestation a = r.attestation();
        if (a != null && (a.predicateType() == null || (a.signedBy() == null) == (a.keyless() == null))) {
          throw new InvalidInputException("policy " + file + ": attestation rule '" + r.describe()
              + "' needs predicateType and exactly one of signedBy, keyless");
        }
        if (a != null && a.keyless() != null) {
          a.keyless().toIdentity();
        }
      }
    }
    return p;
  }

  public List<ImagePolicy> imagesOrEmpty() {
    return images == null ? List.of() : images;
  }

  static Pattern glob(String g) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < g.length(); i++) {
      char c = g.charAt(i);
      if (c == '*' && i + 1 < g.length() && g.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else if (c == '?') {
        re.append("[^/]");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString());
  }
}
