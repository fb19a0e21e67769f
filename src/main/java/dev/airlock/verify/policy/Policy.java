package dev.airlock.verify.policy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import java.io.IOException;
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
    @JsonProperty("images") List<ImagePolicy> images,
    @JsonProperty("matching") String matching) {

  public Policy(String apiVersion, String kind, Trust trust, List<ImagePolicy> images) {
    this(apiVersion, kind, trust, images, null);
  }

  /**
   * {@code matching: all}: every entry whose match selects an image applies to it (as cluster admission
   * applies every matching policy); the default, {@code first}, applies the first only.
   */
  public boolean matchesAll() {
    return "all".equals(matching);
  }

  public static final String API_VERSION = "airlock.dev/v1";

  /** A signedBy entry that starts so is the public key itself (PEM), as cluster policies carry keys inline. */
  public static final String INLINE_PEM = "-----BEGIN ";

  /** Where Sigstore trust comes from and what time validation uses. */
  public record Trust(
      @JsonProperty("tufRepository") String tufRepository,
      @JsonProperty("tufRoot") String tufRoot,
      @JsonProperty("trustedRoot") String trustedRoot,
      @JsonProperty("trustedRootSha256") String trustedRootSha256,
      @JsonProperty("maxAge") String maxAge,
      @JsonProperty("notation") NotationTrust notation) {

    public Trust withNotation(NotationTrust n) {
      return new Trust(tufRepository, tufRoot, trustedRoot, trustedRootSha256, maxAge, n);
    }

    public Duration maxAgeDuration() {
      if (maxAge == null) {
        return null;
      }
      Duration d;
      try {
        d = Duration.parse(maxAge.startsWith("P") ? maxAge : "P" + maxAge);
      } catch (RuntimeException e) {
        throw new InvalidInputException("policy trust.maxAge '" + maxAge + "' is not an ISO-8601 duration (e.g. P30D)");
      }
      if (d.isNegative() || d.isZero()) {
        throw new InvalidInputException("policy trust.maxAge '" + maxAge + "' must be a positive duration (e.g. P30D)");
      }
      return d;
    }

    /** Every field checked when the policy is read, whether or not a keyless rule will need it. */
    void validate(Path file) {
      try {
        maxAgeDuration();
      } catch (InvalidInputException e) {
        throw new InvalidInputException("policy " + file + ": " + e.getMessage().substring("policy ".length()));
      }
      if (trustedRootSha256 != null) {
        String pin = trustedRootSha256.startsWith("sha256:") ? trustedRootSha256 : "sha256:" + trustedRootSha256;
        if (!dev.airlock.oci.Digest.isValid(pin)) {
          throw new InvalidInputException("policy " + file + ": trust.trustedRootSha256 '" + trustedRootSha256
              + "' is not a sha256 digest (64 hex digits)");
        }
      }
      for (String[] f : new String[][] {{"tufRepository", tufRepository}, {"tufRoot", tufRoot}, {"trustedRoot", trustedRoot}}) {
        if (f[1] != null && f[1].isBlank()) {
          throw new InvalidInputException("policy " + file + ": trust." + f[0] + " is empty");
        }
      }
    }
  }

  /**
   * Notation's own trust policy file ({@code trustpolicy.json} / {@code trustpolicy.oci.json}) and trust
   * store directory ({@code x509/{ca,signingAuthority,tsa}/NAME/}), applied to every image of the bundle.
   */
  public record NotationTrust(
      @JsonProperty("trustPolicy") String trustPolicy,
      @JsonProperty("trustStore") String trustStore) {}

  /** What must hold for references matching {@code match} (a glob: {@code *} within a path segment, {@code **} across). */
  public record ImagePolicy(
      @JsonProperty("match") String match,
      @JsonProperty("require") String require,
      @JsonProperty("rules") List<Rule> rules,
      @JsonProperty("mode") String mode) {

    public ImagePolicy(String match, String require, List<Rule> rules) {
      this(match, require, rules, null);
    }

    /** {@code mode: warn}: the rules are checked and reported, a failure does not fail the verification. */
    public boolean warnOnly() {
      return "warn".equals(mode);
    }

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
      @JsonProperty("sbom") Boolean sbom,
      @JsonProperty("notation") NotationRule notation) {

    public String describe() {
      if (name != null) {
        return name;
      }
      if (notation != null) {
        return "notation " + (notation.identities() == null ? "" : String.join("; ", notation.identities()));
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
      @JsonProperty("issuer") String issuer,
      @JsonProperty("issuerRegexp") String issuerRegexp,
      @JsonProperty("trust") KeylessTrust trust,
      @JsonProperty("bundleOnly") Boolean bundleOnly) {
    public Keyless(String identity, String identityRegexp, String issuer, String issuerRegexp, KeylessTrust trust) {
      this(identity, identityRegexp, issuer, issuerRegexp, trust, null);
    }

    public Keyless(String identity, String identityRegexp, String issuer, String issuerRegexp) {
      this(identity, identityRegexp, issuer, issuerRegexp, null, null);
    }

    public Keyless(String identity, String identityRegexp, String issuer) {
      this(identity, identityRegexp, issuer, null);
    }

    /** The same identity, checked against the trust root restricted to {@code t} (null: the whole trust root). */
    public Keyless withTrust(KeylessTrust t) {
      return new Keyless(identity, identityRegexp, issuer, issuerRegexp, t, bundleOnly);
    }

    /**
     * {@code bundleOnly: true}: only Sigstore bundle referrers (artifactType and layer
     * {@code application/vnd.dev.sigstore.bundle*}) count, never a cosign {@code .sig}/{@code .att} tag
     * signature, as Kyverno's {@code type: SigstoreBundle} verifier reads only bundle referrers.
     */
    public boolean onlyBundles() {
      return Boolean.TRUE.equals(bundleOnly);
    }

    public Keyless withBundleOnly(boolean only) {
      return new Keyless(identity, identityRegexp, issuer, issuerRegexp, trust, only ? Boolean.TRUE : null);
    }

    public dev.airlock.verify.sigstore.CertificateIdentity toIdentity() {
      return new dev.airlock.verify.sigstore.CertificateIdentity(identity, identityRegexp, issuer, issuerRegexp);
    }
  }

  /**
   * What a keyless rule trusts of the trust root, as cluster policies pin it (Kyverno's {@code roots},
   * {@code rekor.pubkey}, {@code ctlog.pubkey}; a policy-controller {@code TrustRoot}'s {@code sigstoreKeys}):
   * only the Fulcio CAs whose chain holds one of {@code fulcioRoots} (PEM certificates), the Rekor logs whose
   * key is one of {@code rekorKeys} and the CT logs whose key is one of {@code ctlogKeys} (PEM public keys).
   * A list left out does not restrict; one that leaves nothing of the trust root fails the rule.
   */
  public record KeylessTrust(
      @JsonProperty("fulcioRoots") List<String> fulcioRoots,
      @JsonProperty("rekorKeys") List<String> rekorKeys,
      @JsonProperty("ctlogKeys") List<String> ctlogKeys) {

    /** Every entry is inline PEM that parses (certificates for fulcioRoots, public keys for the others). */
    public void validate(String where) {
      if (fulcioRoots == null && rekorKeys == null && ctlogKeys == null) {
        throw new InvalidInputException(where + "keyless trust names none of fulcioRoots, rekorKeys, ctlogKeys");
      }
      dev.airlock.verify.sigstore.TrustRootRestriction.certificates(fulcioRoots, where + "keyless trust.fulcioRoots");
      dev.airlock.verify.sigstore.TrustRootRestriction.keys(rekorKeys, where + "keyless trust.rekorKeys");
      dev.airlock.verify.sigstore.TrustRootRestriction.keys(ctlogKeys, where + "keyless trust.ctlogKeys");
    }
  }

  /**
   * A Notation signature by a trusted identity: the trust store directory, which of its named stores to
   * trust (default: every {@code ca:} and {@code signingAuthority:} store, plus the {@code tsa:} stores),
   * the identities ({@code *} or {@code x509.subject: C=.., ST=.., O=..}), and optionally Notation's level,
   * overrides and verifyTimestamp (default strict, always).
   */
  public record NotationRule(
      @JsonProperty("trustStore") String trustStore,
      @JsonProperty("trustStores") List<String> trustStores,
      @JsonProperty("identities") List<String> identities,
      @JsonProperty("level") String level,
      @JsonProperty("override") java.util.Map<String, String> override,
      @JsonProperty("verifyTimestamp") String verifyTimestamp) {}

  public record Attestation(
      @JsonProperty("predicateType") String predicateType,
      @JsonProperty("signedBy") List<String> signedBy,
      @JsonProperty("keyless") Keyless keyless,
      @JsonProperty("conditions") List<Condition> conditions) {

    public Attestation(String predicateType, List<String> signedBy, Keyless keyless) {
      this(predicateType, signedBy, keyless, null);
    }

    public List<Condition> conditionsOrEmpty() {
      return conditions == null ? List.of() : conditions;
    }
  }

  /**
   * A condition on the verified statement's predicate: the value at {@code path} (dot-separated field names,
   * {@code builder.id}) equals, does not equal, is or is not one of the given values; or {@code any} of
   * several conditions holds. All conditions of an attestation rule must hold.
   */
  public record Condition(
      @JsonProperty("path") String path,
      @JsonProperty("equals") String equals,
      @JsonProperty("notEquals") String notEquals,
      @JsonProperty("in") List<String> in,
      @JsonProperty("notIn") List<String> notIn,
      @JsonProperty("any") List<Condition> any) {

    /** Checks the form: {@code any} alone, or a path with exactly one test. */
    public void validate(String where) {
      if (any != null) {
        if (path != null || equals != null || notEquals != null || in != null || notIn != null || any.isEmpty()) {
          throw new InvalidInputException(where + "a condition with 'any' has nothing else and lists at least one condition");
        }
        any.forEach(c -> c.validate(where));
        return;
      }
      int tests = (equals != null ? 1 : 0) + (notEquals != null ? 1 : 0) + (in != null ? 1 : 0) + (notIn != null ? 1 : 0);
      if (path == null || path.isBlank() || tests != 1) {
        throw new InvalidInputException(where + "a condition needs path and exactly one of equals, notEquals, in, notIn");
      }
    }

    /** Whether the predicate satisfies this condition; a missing field is no value (fails equals and in). */
    public boolean holds(com.fasterxml.jackson.databind.JsonNode predicate) {
      if (any != null) {
        return any.stream().anyMatch(c -> c.holds(predicate));
      }
      com.fasterxml.jackson.databind.JsonNode n = predicate;
      for (String f : path.split("\\.")) {
        n = n == null ? null : n.get(f);
      }
      String v = n == null || n.isNull() || n.isContainerNode() ? null : n.asText();
      if (equals != null) {
        return equals.equals(v);
      }
      if (notEquals != null) {
        return !notEquals.equals(v);
      }
      if (in != null) {
        return v != null && in.contains(v);
      }
      return v == null || !notIn.contains(v);
    }

    @Override
    public String toString() {
      if (any != null) {
        return "any of (" + String.join("; ", any.stream().map(Condition::toString).toList()) + ")";
      }
      return path + (equals != null ? " == " + equals : notEquals != null ? " != " + notEquals
          : in != null ? " in " + in : " not in " + notIn);
    }
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * Reads and checks a policy file. Errors are one line naming the file and line, as the spec reader's:
   * {@code policy.yaml:7: unknown field 'signedby' in images[0].rules[0] (expected one of: ...)}; a key file
   * the policy names that does not exist is an error here, not a failed rule.
   */
  public static Policy load(Path file) throws IOException {
    byte[] bytes = dev.airlock.files.BoundedFile.read(file, dev.airlock.files.BoundedFile.DOCUMENT_CAP, "policy");
    dev.airlock.files.BoundedFile.utf8(bytes, "policy " + file, "YAML");
    if (dev.airlock.verify.policy.cluster.ClusterPolicyFiles.isClusterPolicy(bytes)) {
      return dev.airlock.verify.policy.cluster.ClusterPolicyFiles.read(file, bytes);
    }
    Policy p;
    try (com.fasterxml.jackson.core.JsonParser parser = YAML.getFactory().createParser(bytes)) {
      p = YAML.readValue(parser, Policy.class);
      if (parser.nextToken() != null) { // as the spec reader: a second document would be silently ignored
        throw new InvalidInputException(file + ":" + parser.currentLocation().getLineNr()
            + ": a policy is one YAML document; this file holds more (remove the '---' and what follows)");
      }
    } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
      List<com.fasterxml.jackson.databind.JsonMappingException.Reference> path = e.getPath();
      String where = path(path.subList(0, Math.max(0, path.size() - 1)));
      List<String> known = new java.util.ArrayList<>();
      if (e.getKnownPropertyIds() != null) {
        e.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      }
      java.util.Collections.sort(known);
      throw new InvalidInputException(file + ":" + line(bytes, path, e) + ": unknown field '" + e.getPropertyName() + "' in "
          + (where.isEmpty() ? "the top level" : where) + " (expected one of: " + String.join(", ", known) + ")");
    } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
      String where = path(e.getPath());
      throw new InvalidInputException(file + ":" + line(bytes, e.getPath(), e) + ": " + (where.isEmpty() ? "" : where + ": ")
          + Json.firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new InvalidInputException(file + ":" + line(e) + ": not valid YAML: " + Json.firstLine(
          e instanceof com.fasterxml.jackson.core.JsonProcessingException jp ? jp.getOriginalMessage() : e.getMessage()));
    }
    if (p == null || !API_VERSION.equals(p.apiVersion())) {
      throw new InvalidInputException("policy " + file + " must say apiVersion: " + API_VERSION);
    }
    if (p.matching() != null && !p.matching().equals("first") && !p.matching().equals("all")) {
      throw new InvalidInputException("policy " + file + ": matching must be first or all");
    }
    if (p.trust() != null) {
      p.trust().validate(file);
    }
    if (p.trust() != null && p.trust().notation() != null
        && (p.trust().notation().trustPolicy() == null || p.trust().notation().trustStore() == null)) {
      throw new InvalidInputException("policy " + file + ": trust.notation needs trustPolicy and trustStore");
    }
    for (ImagePolicy ip : p.images() == null ? List.<ImagePolicy>of() : p.images()) {
      if (ip.match() == null || ip.rules() == null || ip.rules().isEmpty()) {
        throw new InvalidInputException("policy " + file + ": every images entry needs match and rules");
      }
      ip.required();
      if (ip.mode() != null && !ip.mode().equals("enforce") && !ip.mode().equals("warn")) {
        throw new InvalidInputException("policy " + file + ": mode of '" + ip.match() + "' must be enforce or warn");
      }
      for (Rule r : ip.rules()) {
        int kinds = (r.signedBy() != null ? 1 : 0) + (r.keyless() != null ? 1 : 0) + (r.attestation() != null ? 1 : 0)
            + (Boolean.TRUE.equals(r.sbom()) ? 1 : 0) + (r.notation() != null ? 1 : 0);
        if (kinds != 1) {
          throw new InvalidInputException("policy " + file + ": rule '" + r.describe()
              + "' must have exactly one of signedBy, keyless, attestation, sbom, notation");
        }
        if (r.notation() != null) {
          NotationRules.validate(r.notation(), "policy " + file + ": notation rule: ");
        }
        if (r.keyless() != null) {
          r.keyless().toIdentity();
          if (r.keyless().trust() != null) {
            r.keyless().trust().validate("policy " + file + ": rule '" + r.describe() + "': ");
          }
        }
        requireKeyFiles(file, r.signedBy(), r.describe());
        Attestation a = r.attestation();
        if (a != null && (a.predicateType() == null || (a.signedBy() == null) == (a.keyless() == null))) {
          throw new InvalidInputException("policy " + file + ": attestation rule '" + r.describe()
              + "' needs predicateType and exactly one of signedBy, keyless");
        }
        if (a != null && a.keyless() != null) {
          a.keyless().toIdentity();
          if (a.keyless().trust() != null) {
            a.keyless().trust().validate("policy " + file + ": rule '" + r.describe() + "': ");
          }
        }
        if (a != null) {
          requireKeyFiles(file, a.signedBy(), r.describe());
          a.conditionsOrEmpty().forEach(c -> c.validate("policy " + file + ": attestation rule '" + r.describe() + "': "));
        }
      }
    }
    return p;
  }

  /** Key files are resolved against the policy's directory; one that is not there is the policy's error. */
  private static void requireKeyFiles(Path file, List<String> keys, String rule) {
    if (keys == null) {
      return;
    }
    Path dir = file.toAbsolutePath().getParent();
    for (String k : keys) {
      if (k.startsWith(INLINE_PEM)) {
        continue;
      }
      Path key = dir.resolve(k);
      if (!Files.exists(key)) {
        throw new InvalidInputException("policy " + file + ": key file " + key + " (rule '" + rule + "') does not exist");
      }
      if (!Files.isRegularFile(key)) {
        throw new InvalidInputException("policy " + file + ": key file " + key + " (rule '" + rule
            + "') is not a regular file");
      }
    }
  }

  /**
   * The line of the field at {@code path} ({@code images[0].rules[0].signedby}), found by reading the YAML's
   * tokens; else the parser's location.
   */
  private static int line(byte[] yaml, List<com.fasterxml.jackson.databind.JsonMappingException.Reference> path,
      IOException e) {
    StringBuilder want = new StringBuilder();
    for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : path) {
      want.append('/').append(r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()));
    }
    try (com.fasterxml.jackson.core.JsonParser p = YAML.getFactory().createParser(yaml)) {
      com.fasterxml.jackson.core.JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME
            && p.getParsingContext().pathAsPointer().toString().equals(want.toString())) {
          return p.currentTokenLocation().getLineNr();
        }
      }
    } catch (IOException ignored) {
      // fall back to where the parser stopped
    }
    return line(e);
  }

  private static int line(IOException e) {
    return e instanceof com.fasterxml.jackson.core.JsonProcessingException jp && jp.getLocation() != null
        ? Math.max(1, jp.getLocation().getLineNr()) : 1;
  }

  /** {@code images[0].rules[1]}, as the spec reader names places. */
  private static String path(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder();
    for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  /** A policy with no image rules, only Notation trust (what --notation-trust-policy alone means). */
  public static Policy notationOnly(NotationTrust n) {
    return new Policy(API_VERSION, null, new Trust(null, null, null, null, null, n), List.of());
  }

  /** This policy with Notation trust set (the CLI options override the file's). */
  public Policy withNotation(NotationTrust n) {
    Trust t = trust == null ? new Trust(null, null, null, null, null, n) : trust.withNotation(n);
    return new Policy(apiVersion, kind, t, images, matching);
  }

  public NotationTrust notationTrust() {
    return trust == null ? null : trust.notation();
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
