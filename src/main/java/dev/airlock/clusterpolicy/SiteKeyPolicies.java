package dev.airlock.clusterpolicy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.policy.Policy;
import dev.airlock.verify.policy.cluster.ClusterPolicyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code import --sign-with KEY --emit-config DIR}: cluster policies that require just the site key for the
 * images the import wrote, in {@code DIR/cluster-policies/airlock-site-key.yaml}: a Kyverno {@code ClusterPolicy}
 * ({@code imageReferences} {@code REPO*} for each internal repository: its tags and digests, and, since Kyverno's
 * wildcard spans {@code /}, any repository whose name starts so; the key inline, the log
 * and SCT checks off: the site signature is not logged), a policy-controller {@code ClusterImagePolicy} (a glob
 * per repository, {@code key.data}) and, per image, a Flux {@code OCIRepository} verifying with the Secret
 * {@code flux-system/airlock-site-key} ({@code cosign.pub}) written beside it. Before it is written, the file is
 * read back by the gate's reader: every imported image must get the site key and only it from each object, by
 * tag and (Kyverno) by digest; and every object is checked against its CRD schema.
 */
public final class SiteKeyPolicies {
  public static final String FILE = "airlock-site-key.yaml";
  static final String NAME = "airlock-site-key";
  static final String FLUX_NAMESPACE = "flux-system";

  private SiteKeyPolicies() {}

  /** One imported image: its internal reference (host/repository:tag or @digest) and the digest it was pushed as. */
  public record Image(String target, String digest) {
    String repository() {
      int at = target.indexOf('@');
      if (at >= 0) {
        return target.substring(0, at);
      }
      int colon = target.lastIndexOf(':');
      return colon > target.lastIndexOf('/') ? target.substring(0, colon) : target;
    }

    String tag() {
      String r = repository();
      return target.length() > r.length() && target.charAt(r.length()) == ':' ? target.substring(r.length() + 1) : null;
    }
  }

  /**
   * Writes the file into {@code dir}/cluster-policies (temp file, renamed) and returns the notes.
   *
   * @param legacyTag whether the legacy {@code .sig} tag was written beside the Sigstore bundle referrer
   */
  public static List<String> write(Path dir, PublicKey site, List<Image> images, boolean plainHttp, boolean legacyTag)
      throws IOException {
    if (images.isEmpty()) {
      return List.of("no site-key cluster policy written: the import wrote no image");
    }
    byte[] yaml = yaml(site, images, plainHttp);
    Path file = dir.resolve(ClusterPolicyEmitter.DIR).resolve(FILE);
    check(file, yaml, site, images);
    dev.airlock.store.AtomicFiles.write(file, yaml);
    List<String> notes = new ArrayList<>();
    notes.add("wrote " + file + " (Kyverno ClusterPolicy, policy-controller ClusterImagePolicy, " + images.size()
        + " Flux OCIRepository with Secret " + FLUX_NAMESPACE + "/" + NAME + "): the site key "
        + PublicKeys.keyId(site).substring(0, 12) + " required for " + repositories(images).size() + " repositories");
    if (!legacyTag) {
      notes.add(FILE + ": Kyverno (type Cosign), policy-controller and Flux verify with cosign 2's image-signature"
          + " lookup, the sha256-<hex>.sig tag; this import wrote only the Sigstore bundle referrer: import with"
          + " --sign-legacy-tag for those verifiers to find the site signature");
    }
    return notes;
  }

  static byte[] yaml(PublicKey site, List<Image> images, boolean plainHttp) {
    String pem = PublicKeys.toPem(site);
    List<JsonNode> docs = new ArrayList<>();
    docs.add(kyverno(pem, images));
    docs.add(clusterImagePolicy(pem, images));
    ObjectNode secret = Json.MAPPER.createObjectNode();
    secret.put("apiVersion", "v1");
    secret.put("kind", "Secret");
    secret.putObject("metadata").put("name", NAME).put("namespace", FLUX_NAMESPACE);
    secret.put("type", "Opaque");
    secret.putObject("data").put("cosign.pub", Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8)));
    docs.add(secret);
    Set<String> names = new java.util.HashSet<>();
    for (Image i : images) {
      docs.add(flux(i, plainHttp, names));
    }
    return EmittedYaml.write(docs, "# written by airlock import --sign-with: the images it admitted and signed require"
        + " the site key\n");
  }

  private static Set<String> repositories(List<Image> images) {
    Set<String> out = new java.util.LinkedHashSet<>();
    images.forEach(i -> out.add(i.repository()));
    return out;
  }

  private static ObjectNode kyverno(String pem, List<Image> images) {
    ObjectNode d = Json.MAPPER.createObjectNode();
    d.put("apiVersion", "kyverno.io/v1");
    d.put("kind", "ClusterPolicy");
    d.putObject("metadata").put("name", NAME);
    ObjectNode spec = d.putObject("spec");
    spec.put("validationFailureAction", "Enforce");
    spec.put("background", false);
    ObjectNode rule = spec.putArray("rules").addObject();
    rule.put("name", "signed-by-the-site");
    rule.putObject("match").putArray("any").addObject().putObject("resources").putArray("kinds").add("Pod");
    ObjectNode vi = rule.putArray("verifyImages").addObject();
    ArrayNode refs = vi.putArray("imageReferences");
    for (String r : repositories(images)) {
      refs.add(r + "*"); // Kyverno's * spans ':', '@' and '/': the tags and digests of REPO (and names REPO starts)
    }
    ObjectNode keys = vi.putArray("attestors").addObject().putArray("entries").addObject().putObject("keys");
    keys.put("publicKeys", pem);
    keys.putObject("rekor").put("ignoreTlog", true);
    keys.putObject("ctlog").put("ignoreSCT", true);
    return d;
  }

  private static ObjectNode clusterImagePolicy(String pem, List<Image> images) {
    ObjectNode d = Json.MAPPER.createObjectNode();
    d.put("apiVersion", "policy.sigstore.dev/v1beta1");
    d.put("kind", "ClusterImagePolicy");
    d.putObject("metadata").put("name", NAME);
    ObjectNode spec = d.putObject("spec");
    ArrayNode globs = spec.putArray("images");
    for (String r : repositories(images)) {
      globs.addObject().put("glob", r);
    }
    ObjectNode a = spec.putArray("authorities").addObject();
    a.put("name", "site-key");
    a.putObject("key").put("data", pem).put("hashAlgorithm", "sha256");
    spec.put("mode", "enforce");
    return d;
  }

  private static ObjectNode flux(Image i, boolean plainHttp, Set<String> names) {
    ObjectNode d = Json.MAPPER.createObjectNode();
    d.put("apiVersion", "source.toolkit.fluxcd.io/v1");
    d.put("kind", "OCIRepository");
    String base = ClusterPolicyEmitter.MirrorName.of(i.repository().substring(i.repository().indexOf('/') + 1)
        .replace('/', '-'));
    String name = base;
    for (int n = 2; !names.add(name); n++) {
      name = base + "-" + n;
    }
    d.putObject("metadata").put("name", name).put("namespace", FLUX_NAMESPACE);
    ObjectNode spec = d.putObject("spec");
    spec.put("url", "oci://" + i.repository());
    ObjectNode ref = spec.putObject("ref");
    if (i.tag() != null) {
      ref.put("tag", i.tag());
    } else {
      ref.put("digest", i.digest());
    }
    spec.put("interval", "10m");
    if (plainHttp) {
      spec.put("insecure", true);
    }
    spec.putObject("verify").put("provider", "cosign").putObject("secretRef").put("name", NAME);
    return d;
  }

  /** The file read back by the gate: each image gets the site key, and nothing else, from every object. */
  static void check(Path file, byte[] yaml, PublicKey site, List<Image> images) {
    Policy p = ClusterPolicyFiles.read(file, yaml);
    for (Image i : images) {
      Map<String, Integer> want = new LinkedHashMap<>();
      want.put(i.target(), i.tag() != null ? 3 : 1);
      want.put(i.repository() + "@" + i.digest(), 1);
      for (var w : want.entrySet()) {
        var got = Verdicts.constraints(p, w.getKey());
        boolean siteOnly = got.stream().allMatch(c -> c.required() == 1 && !c.warn() && c.rules().size() == 1
            && c.rules().get(0).signedBy() != null && c.rules().get(0).signedBy().size() == 1
            && PublicKeys.parsePem(c.rules().get(0).signedBy().get(0), "site key").equals(site));
        if (got.size() != w.getValue() || !siteOnly) {
          throw new InvalidInputException("--emit-config: the site-key policy read back gives " + w.getKey() + " "
              + got.size() + " policy entries" + (siteOnly ? "" : " not all requiring only the site key") + ", not "
              + w.getValue() + " requiring it; nothing written");
        }
      }
    }
    try {
      CrdSchemas.check(file, ClusterPolicyFiles.documents(file, yaml));
    } catch (InvalidInputException e) {
      throw new InvalidInputException("--emit-config: the site-key policy is not what the cluster accepts: " + e.getMessage());
    }
  }
}
