package dev.airlock.verify.notation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Notation trust policy document ({@code trustpolicy.json} or {@code trustpolicy.oci.json}, version
 * 1.0), read and validated as the Notation CLI validates it: a document that Notation would refuse is
 * refused here with a one-line reason naming the statement. See docs/verification.md, "Notation".
 */
public final class TrustPolicyDocument {
  private static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Pattern STORE_NAME = Pattern.compile("[a-zA-Z0-9_.-]+");
  private static final Pattern REPOSITORY = Pattern.compile(
      "[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)+");
  private static final Set<String> STATEMENT_FIELDS = Set.of("name", "registryScopes", "signatureVerification",
      "trustStores", "trustedIdentities");
  private static final Set<String> VERIFICATION_FIELDS = Set.of("level", "override", "verifyTimestamp");

  private final String source;
  private final List<TrustPolicyStatement> statements;

  private TrustPolicyDocument(String source, List<TrustPolicyStatement> statements) {
    this.source = source;
    this.statements = List.copyOf(statements);
  }

  public static TrustPolicyDocument load(Path file) throws IOException {
    byte[] bytes = dev.airlock.files.BoundedFile.read(file, dev.airlock.files.BoundedFile.DOCUMENT_CAP, "Notation trust policy");
    return parse(bytes, file.toString());
  }

  /** Parses and validates; {@code source} names the document in messages. */
  public static TrustPolicyDocument parse(byte[] json, String source) {
    String where = "Notation trust policy " + source + ": ";
    JsonNode root;
    try {
      root = STRICT.readTree(json);
    } catch (IOException e) {
      throw new InvalidInputException(where + "not valid JSON: " + Json.firstLine(e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() + " at line " + (j.getLocation() == null ? "?" : j.getLocation().getLineNr()) : e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidInputException(where + "not a JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("version") && !f.equals("trustPolicies")) {
        throw new InvalidInputException(where + "unknown field \"" + f + "\"");
      }
    }
    if (!"1.0".equals(root.path("version").asText(null))) {
      throw new InvalidInputException(where + "unsupported version " + root.path("version")
          + " (the supported version is \"1.0\")");
    }
    JsonNode list = root.path("trustPolicies");
    if (!list.isArray() || list.isEmpty()) {
      throw new InvalidInputException(where + "the document can not have zero trust policy statements");
    }
    List<TrustPolicyStatement> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> scopes = new HashSet<>();
    boolean global = false;
    for (JsonNode s : list) {
      TrustPolicyStatement st = statement(s, where);
      if (!names.add(st.name())) {
        throw new InvalidInputException(where + "multiple trust policy statements use the name \"" + st.name()
            + "\"; statement names must be unique");
      }
      if (st.isGlobal()) {
        if (global) {
          throw new InvalidInputException(where + "multiple trust policy statements use the wildcard scope '*'");
        }
        global = true;
      } else {
        for (String scope : st.registryScopes()) {
          if (!scopes.add(scope)) {
            throw new InvalidInputException(where + "registry scope \"" + scope
                + "\" is in more than one statement; a scope can belong to one statement only");
          }
        }
      }
      out.add(st);
    }
    return new TrustPolicyDocument(source, out);
  }

  private static TrustPolicyStatement statement(JsonNode s, String where) {
    if (!s.isObject()) {
      throw new InvalidInputException(where + "every trustPolicies entry must be an object");
    }
    String name = s.path("name").isTextual() ? s.path("name").asText().trim() : "";
    if (name.isEmpty()) {
      throw new InvalidInputException(where + "a trust policy statement is missing a name; every statement needs one");
    }
    String at = where + "statement \"" + name + "\": ";
    for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!STATEMENT_FIELDS.contains(f)) {
        throw new InvalidInputException(at + "unknown field \"" + f + "\"");
      }
    }
    List<String> scopes = strings(s, "registryScopes", at);
    if (scopes.isEmpty()) {
      throw new InvalidInputException(at + "has zero registry scopes; it needs at least one");
    }
    if (scopes.contains("*") && scopes.size() > 1) {
      throw new InvalidInputException(at + "the wildcard scope '*' cannot be used with other scope values");
    }
    for (String scope : scopes) {
      if (!scope.equals("*") && !REPOSITORY.matcher(scope).matches()) {
        throw new InvalidInputException(at + "registry scope \"" + scope
            + "\" is not a fully qualified repository (registry/namespace/repository, no tag or digest)");
      }
    }
    JsonNode sv = s.path("signatureVerification");
    if (!sv.isObject()) {
      throw new InvalidInputException(at + "signatureVerification is missing");
    }
    for (Iterator<String> it = sv.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!VERIFICATION_FIELDS.contains(f)) {
        throw new InvalidInputException(at + "unknown field \"signatureVerification." + f + "\"");
      }
    }
    String level = sv.path("level").asText("");
    if (!Set.of("strict", "permissive", "audit", "skip").contains(level)) {
      throw new InvalidInputException(at + "invalid signatureVerification level \"" + level
          + "\" (strict, permissive, audit or skip)");
    }
    Map<String, String> overrides = new LinkedHashMap<>();
    JsonNode ov = sv.path("override");
    if (!ov.isMissingNode() && !ov.isNull()) {
      if (!ov.isObject()) {
        throw new InvalidInputException(at + "signatureVerification.override must be a map");
      }
      if (level.equals("skip")) {
        throw new InvalidInputException(at + "signatureVerification level skip cannot be overridden");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = ov.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String key = e.getKey();
        String value = e.getValue().asText("");
        if (key.equals("integrity")) {
          throw new InvalidInputException(at + "integrity validation cannot be overridden");
        }
        if (!Set.of("authenticity", "authenticTimestamp", "expiry", "revocation").contains(key)) {
          throw new InvalidInputException(at + "unknown validation type \"" + key + "\" in override");
        }
        boolean ok = value.equals("enforce") || value.equals("log") || (value.equals("skip") && key.equals("revocation"));
        if (!ok) {
          throw new InvalidInputException(at + "invalid action \"" + value + "\" for " + key
              + " (enforce or log" + (key.equals("revocation") ? " or skip" : "") + ")");
        }
        overrides.put(key, value);
      }
    }
    String verifyTimestamp = sv.has("verifyTimestamp") ? sv.path("verifyTimestamp").asText("") : TrustPolicyStatement.ALWAYS;
    if (!verifyTimestamp.equals(TrustPolicyStatement.ALWAYS) && !verifyTimestamp.equals(TrustPolicyStatement.AFTER_CERT_EXPIRY)) {
      throw new InvalidInputException(at + "invalid verifyTimestamp \"" + verifyTimestamp + "\" (always or afterCertExpiry)");
    }
    List<String> stores = strings(s, "trustStores", at);
    List<String> identities = strings(s, "trustedIdentities", at);
    if (level.equals("skip")) {
      if (!stores.isEmpty() || !identities.isEmpty()) {
        throw new InvalidInputException(at + "is set to skip signature verification but has trust stores or trusted"
            + " identities; remove them to skip verification");
      }
      return new TrustPolicyStatement(name, scopes, VerificationLevel.of(level, null), verifyTimestamp, stores, false, List.of());
    }
    if (stores.isEmpty() || identities.isEmpty()) {
      throw new InvalidInputException(at + "is missing trust stores or trusted identities; both must be given");
    }
    validateStores(stores, at);
    List<DistinguishedName> dns = identities(identities, at);
    return new TrustPolicyStatement(name, scopes, VerificationLevel.of(level, overrides), verifyTimestamp, stores,
        dns.isEmpty(), dns);
  }

  /** Checks {@code type:name} trust store references; shared with other policy front ends. */
  public static void validateStores(List<String> stores, String at) {
    Set<String> seen = new HashSet<>();
    for (String ts : stores) {
      int colon = ts.indexOf(':');
      if (colon < 0) {
        throw new InvalidInputException(at + "trust store \"" + ts + "\" is not of the form type:name");
      }
      String type = ts.substring(0, colon);
      String n = ts.substring(colon + 1);
      if (!TrustStore.TYPES.contains(type)) {
        throw new InvalidInputException(at + "unsupported trust store type \"" + type + "\" in \"" + ts
            + "\" (ca, signingAuthority or tsa)");
      }
      if (!STORE_NAME.matcher(n).matches()) {
        throw new InvalidInputException(at + "unsupported trust store name \"" + n + "\" in \"" + ts
            + "\"; names must match ^[a-zA-Z0-9_.-]+$");
      }
      if (!seen.add(ts)) {
        throw new InvalidInputException(at + "trust store \"" + ts + "\" is listed twice");
      }
    }
  }

  /**
   * Parses trusted identities: {@code *} alone (returns an empty list), or {@code x509.subject: DN} values
   * that each name at least C, ST and O and do not overlap. Shared with other policy front ends.
   */
  public static List<DistinguishedName> identities(List<String> identities, String at) {
    if (identities.contains("*")) {
      if (identities.size() > 1) {
        throw new InvalidInputException(at + "the wildcard trusted identity '*' cannot be used with other values");
      }
      return List.of();
    }
    List<DistinguishedName> out = new ArrayList<>();
    for (String id : identities) {
      int colon = id.indexOf(':');
      if (colon < 0) {
        throw new InvalidInputException(at + "trusted identity \"" + id + "\" is missing separator ':'"
            + " (write x509.subject: C=..., ST=..., O=...)");
      }
      String prefix = id.substring(0, colon).trim();
      if (!prefix.equals("x509.subject")) {
        throw new InvalidInputException(at + "trusted identity \"" + id + "\" uses an unsupported prefix \"" + prefix
            + "\" (x509.subject)");
      }
      DistinguishedName dn;
      try {
        dn = DistinguishedName.parse(id.substring(colon + 1));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(at + "trusted identity \"" + id + "\" is not a distinguished name: " + e.getMessage());
      }
      for (String must : List.of("C", "ST", "O")) {
        if (!dn.attributes().containsKey(must)) {
          throw new InvalidInputException(at + "trusted identity \"" + id + "\" has no " + must
              + " attribute; an identity must name at least C, ST and O");
        }
      }
      for (DistinguishedName other : out) {
        if (other.isSubsetOf(dn) || dn.isSubsetOf(other)) {
          throw new InvalidInputException(at + "trusted identities \"" + other + "\" and \"" + dn + "\" overlap");
        }
      }
      out.add(dn);
    }
    return out;
  }

  private static List<String> strings(JsonNode s, String field, String at) {
    JsonNode n = s.path(field);
    if (n.isMissingNode() || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new InvalidInputException(at + field + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode v : n) {
      if (!v.isTextual()) {
        throw new InvalidInputException(at + field + " must be a list of strings");
      }
      out.add(v.asText());
    }
    return out;
  }

  public String source() {
    return source;
  }

  public List<TrustPolicyStatement> statements() {
    return statements;
  }

  /**
   * The statement for a repository ({@code registry.example/team/app}): the one whose scopes name it,
   * else the global one, else none (Notation then treats the artifact as untrusted).
   */
  public Optional<TrustPolicyStatement> statementFor(String repository) {
    for (TrustPolicyStatement s : statements) {
      if (s.registryScopes().contains(repository)) {
        return Optional.of(s);
      }
    }
    return statements.stream().filter(TrustPolicyStatement::isGlobal).findFirst();
  }
}
