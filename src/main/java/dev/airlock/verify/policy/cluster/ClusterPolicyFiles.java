package dev.airlock.verify.policy.cluster;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.airlock.InvalidInputException;
import dev.airlock.verify.policy.Policy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Cluster policies read as gate policies: a YAML file of one or several documents holding Kyverno
 * {@code ClusterPolicy}/{@code Policy} ({@code verifyImages}), sigstore policy-controller
 * {@code ClusterImagePolicy} and Flux {@code OCIRepository} ({@code spec.verify}) objects, plus the
 * {@code Secret}/{@code ConfigMap} manifests whose keys they reference. Each is mapped to airlock's own
 * {@link Policy} (see docs/verification.md, "Cluster policies"), so the gate evaluates exactly what
 * airlock evaluates for its own format; every matching object applies to an image, as in the cluster.
 * A field airlock cannot evaluate offline is an error naming it.
 */
public final class ClusterPolicyFiles {
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  private ClusterPolicyFiles() {}

  /** Whether the file's first document is a Kubernetes object (its apiVersion is not airlock's). */
  public static boolean isClusterPolicy(byte[] yaml) {
    try (JsonParser p = YAML.getFactory().createParser(yaml)) {
      JsonNode first = YAML.readTree(p);
      if (first == null || !first.isObject()) {
        return false;
      }
      String api = first.path("apiVersion").asText("");
      return !api.isEmpty() && !api.equals(Policy.API_VERSION) && first.hasNonNull("kind");
    } catch (IOException e) {
      return false;
    }
  }

  /** The documents of the file, mapped to one airlock policy. */
  public static Policy read(Path file, byte[] yaml) {
    List<JsonNode> docs = documents(file, yaml);
    KubeObjects objects = new KubeObjects(file.toString(), docs);
    List<Policy.ImagePolicy> images = new ArrayList<>();
    int policies = 0;
    for (int i = 0; i < docs.size(); i++) {
      JsonNode d = docs.get(i);
      String api = d.path("apiVersion").asText("");
      String kind = d.path("kind").asText("");
      String name = d.path("metadata").path("name").asText("document " + (i + 1));
      String source = file + ": " + kind + " " + name;
      if (api.startsWith("kyverno.io/") && (kind.equals("ClusterPolicy") || kind.equals("Policy"))) {
        images.addAll(KyvernoPolicy.map(source, name, d, objects));
        policies++;
      } else if (api.startsWith("policies.kyverno.io/") && kind.equals("ImageValidatingPolicy")) {
        images.addAll(KyvernoImageValidatingPolicy.map(source, name, d, objects));
        policies++;
      } else if (api.startsWith("policy.sigstore.dev/") && kind.equals("ClusterImagePolicy")) {
        images.addAll(SigstoreClusterImagePolicy.map(source, name, d, objects));
        policies++;
      } else if (api.startsWith("source.toolkit.fluxcd.io/") && kind.equals("OCIRepository")) {
        images.addAll(FluxOciRepository.map(source, name, d, objects));
        policies++;
      } else if (api.equals("v1") && (kind.equals("Secret") || kind.equals("ConfigMap"))
          || api.startsWith("policy.sigstore.dev/") && kind.equals("TrustRoot")) {
        continue;
      } else {
        throw new InvalidInputException(file + ": document " + (i + 1) + " is " + api + " " + kind
            + ", not a policy airlock reads (Kyverno ClusterPolicy/Policy/ImageValidatingPolicy, policy-controller ClusterImagePolicy,"
            + " Flux OCIRepository, or a Secret/ConfigMap/TrustRoot they reference)");
      }
    }
    if (policies == 0) {
      throw new InvalidInputException(file + " holds no cluster policy (only Secret/ConfigMap/TrustRoot manifests)");
    }
    if (images.isEmpty()) {
      throw new InvalidInputException(file + ": its policies verify no image");
    }
    return new Policy(Policy.API_VERSION, "ClusterPolicies", null, images, "all");
  }

  /** The documents of a cluster policy file, each a Kubernetes object, parsed as {@link #read} parses them. */
  public static List<JsonNode> documents(Path file, byte[] yaml) {
    List<JsonNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNextValue()) {
        JsonNode n = it.nextValue();
        if (n == null || n.isNull() || n.isMissingNode()) {
          continue;
        }
        if (!n.isObject()) {
          throw new InvalidInputException(file + ": document " + (out.size() + 1) + " is not a Kubernetes object");
        }
        out.add(n);
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof InvalidInputException iie) {
        throw iie;
      }
      String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException jp ? jp.getOriginalMessage() : e.getMessage();
      int line = e instanceof com.fasterxml.jackson.core.JsonProcessingException jp && jp.getLocation() != null
          ? Math.max(1, jp.getLocation().getLineNr()) : 1;
      throw new InvalidInputException(file + ":" + line + ": not valid YAML: " + dev.airlock.oci.Json.firstLine(m));
    }
    return out;
  }

  /** Whether a Kyverno {@code imageReferences} pattern selects {@code ref}, as the gate reads it. */
  public static boolean kyvernoSelects(String pattern, String ref) {
    return new Policy.ImagePolicy(anySegments(pattern), "all", List.of()).matches(ref);
  }

  /** Whether a policy-controller {@code images[].glob} selects {@code ref}, as the gate reads it. */
  public static boolean clusterImagePolicySelects(String glob, String ref) {
    return new Policy.ImagePolicy(SigstoreClusterImagePolicy.glob(glob), "all", List.of()).matches(ref);
  }

  /** A Kubernetes glob of an image reference ({@code *} matches across '/', as Kyverno's wildcards do) in airlock's form. */
  static String anySegments(String glob) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*') {
        b.append("**");
        while (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
          i++;
        }
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** A wildcard pattern ({@code *}, {@code ?}) as an anchored regular expression. */
  static String wildcardRegexp(String w) {
    StringBuilder re = new StringBuilder();
    StringBuilder lit = new StringBuilder();
    for (char c : w.toCharArray()) {
      if (c == '*' || c == '?') {
        if (lit.length() > 0) {
          re.append(java.util.regex.Pattern.quote(lit.toString()));
          lit.setLength(0);
        }
        re.append(c == '*' ? ".*" : ".");
      } else {
        lit.append(c);
      }
    }
    if (lit.length() > 0) {
      re.append(java.util.regex.Pattern.quote(lit.toString()));
    }
    return re.toString();
  }

  /** A Go regexp matched with MatchString (anywhere in the value) as a whole-value Java regexp. */
  static String unanchored(String goRegexp) {
    return ".*(?:" + goRegexp + ").*";
  }

  /** Every PEM public key block of {@code text}, each checked to parse. */
  static List<String> pemKeys(Fields where, String field, String text) {
    List<String> out = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\\s]+-----END PUBLIC KEY-----").matcher(text);
    while (m.find()) {
      String pem = m.group() + "\n";
      try {
        dev.airlock.verify.keys.PublicKeys.parsePem(pem, where.at(field));
      } catch (RuntimeException e) {
        throw where.error(where.at(field) + ": " + e.getMessage());
      }
      out.add(pem);
    }
    if (out.isEmpty()) {
      throw where.error(where.at(field) + " holds no PEM public key (-----BEGIN PUBLIC KEY-----)");
    }
    return out;
  }
}
