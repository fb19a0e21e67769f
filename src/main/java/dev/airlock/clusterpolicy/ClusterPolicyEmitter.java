package dev.airlock.clusterpolicy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.airlock.AirlockException;
import dev.airlock.InvalidInputException;
import dev.airlock.verify.policy.Policy;
import dev.airlock.verify.policy.cluster.ClusterPolicyFiles;
import dev.airlock.verify.sigstore.TrustRoot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

/**
 * The cluster policies an import was checked against, handed to the cluster rewritten for the internal
 * registry ({@code import --policy P --emit-config DIR} writes {@code DIR/cluster-policies/P}): the same
 * objects, every image reference rewritten to the name the import gave it ({@link ReferencePatterns}), and
 * for keyless rules the trust material the cluster's verifier needs offline, from the trust root the gate
 * used:
 * <ul>
 *   <li>Kyverno {@code ClusterPolicy}/{@code Policy}: {@code imageReferences} rewritten; keyless entries get
 *       {@code roots} (every Fulcio CA certificate), {@code rekor.pubkey} and {@code ctlog.pubkey} inline (where
 *       they name none), which Kyverno uses instead of fetching Sigstore's TUF root; key entries get
 *       {@code rekor.ignoreTlog} and {@code ctlog.ignoreSCT} (where unset), as the gate checks them by the key
 *       alone and the cluster cannot reach Rekor; a ConfigMap {@code airlock-sigstore-trusted-root} (namespace
 *       kyverno) carries the trusted_root.json itself;
 *   <li>policy-controller {@code ClusterImagePolicy}: {@code images[].glob} rewritten; keyless authorities
 *       without a {@code trustRootRef} reference a {@code TrustRoot} written beside them with
 *       {@code spec.sigstoreKeys} (static keys: nothing in it expires the way TUF metadata does);
 *   <li>Flux {@code OCIRepository}: {@code spec.url} rewritten ({@code spec.insecure: true} for a plain-HTTP
 *       registry).
 * </ul>
 * Before anything is written the result is read back through the gate's own reader
 * ({@link ClusterPolicyFiles#read}) and must give, for every imported image under its internal name, the
 * rules the original gave it under its source name ({@link Verdicts}), and every document must match the
 * JSON Schema written from its CRD ({@link CrdSchemas}). An airlock-format policy file gets nothing (the notes
 * say so).
 */
public final class ClusterPolicyEmitter {
  public static final String DIR = "cluster-policies";
  static final String KYVERNO_CONFIGMAP = "airlock-sigstore-trusted-root";

  private ClusterPolicyEmitter() {}

  /** What will be written: {@code DIR/cluster-policies/NAME}, and what to tell the user. */
  public record Emission(String fileName, byte[] yaml, List<String> notes) {
    /** What {@link #write} would do, for a dry run: nothing is written. */
    public List<String> preview(Path dir) {
      List<String> out = new ArrayList<>();
      if (yaml != null) {
        out.add("would write " + dir.resolve(DIR).resolve(fileName) + " (checked: the gate's verdicts under the internal"
            + " names, the CRD schemas)");
      }
      out.addAll(notes);
      return out;
    }

    /** Writes the file (temp file, renamed) and returns the notes with the file named. */
    public List<String> write(Path dir) throws IOException {
      List<String> out = new ArrayList<>();
      if (yaml != null) {
        Path file = dir.resolve(DIR).resolve(fileName);
        dev.airlock.store.AtomicFiles.write(file, yaml);
        out.add("wrote " + file);
      }
      out.addAll(notes);
      return out;
    }
  }

  /** One imported image: its source reference (as the gate checked it) and its reference at the target. */
  public record Image(String source, String target) {}

  /**
   * Prepares the emission for the policy file (null when there is none).
   *
   * @param mapping source repository to target repository, as the import computed it
   * @param trust the trust root the gate checks keyless rules with; throws (an {@link AirlockException}) when
   *     there is none; called only when a keyless rule needs it
   * @param plainHttp whether the target is reached over plain HTTP
   * @param name the bundle's name (for the names of the objects written)
   */
  public static Emission prepare(Path policyFile, List<Image> images, Map<String, String> mapping,
      Supplier<TrustRoot> trust, boolean plainHttp, String name) throws IOException {
    if (policyFile == null) {
      return null;
    }
    byte[] bytes = dev.airlock.files.BoundedFile.read(policyFile, dev.airlock.files.BoundedFile.DOCUMENT_CAP, "policy");
    String fileName = policyFile.getFileName().toString();
    if (!ClusterPolicyFiles.isClusterPolicy(bytes)) {
      return new Emission(fileName, null, List.of("no cluster policy written: " + policyFile + " is an airlock policy"
          + " (the gate's own format); the cluster's verifiers do not read it"));
    }
    List<ReferencePatterns.Image> imgs = images.stream().map(i -> new ReferencePatterns.Image(i.source(), i.target())).toList();
    Rewriter r = new Rewriter(policyFile, imgs, mapping, trust, plainHttp, MirrorName.of(name));
    List<JsonNode> docs = ClusterPolicyFiles.documents(policyFile, bytes);
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode d : docs) {
      out.add(r.rewrite((ObjectNode) d.deepCopy()));
    }
    out.addAll(r.extra());
    byte[] yaml = EmittedYaml.write(out, "# written by airlock import from " + policyFile.getFileName()
        + ": image references rewritten to the internal registry\n");
    Path emitted = policyFile.resolveSibling(DIR + "/" + fileName);
    Verdicts.requireSame(policyFile, bytes, emitted, yaml, images, r.root());
    try {
      CrdSchemas.check(emitted, ClusterPolicyFiles.documents(emitted, yaml));
    } catch (InvalidInputException e) {
      throw new InvalidInputException("--emit-config: the rewritten " + fileName + " is not what the cluster accepts: "
          + e.getMessage() + "; nothing was imported");
    }
    return new Emission(fileName, yaml, r.notes());
  }

  /** Names of objects airlock writes: {@code airlock-<bundle>} as a Kubernetes name. */
  static final class MirrorName {
    static String of(String bundle) {
      String n = ("airlock-" + (bundle == null ? "bundle" : bundle)).toLowerCase(java.util.Locale.ROOT)
          .replaceAll("[^a-z0-9.-]", "-").replaceAll("^[^a-z0-9]+|[^a-z0-9]+$", "");
      return n.length() > 63 ? n.substring(0, 63).replaceAll("[^a-z0-9]+$", "") : n;
    }
  }

  /** The per-document rewrite, collecting the trust objects to add and the notes. */
  private static final class Rewriter {
    private final Path file;
    private final List<ReferencePatterns.Image> images;
    private final Map<String, String> mapping;
    private final Supplier<TrustRoot> trust;
    private final boolean plainHttp;
    private final String name;
    private final List<String> notes = new ArrayList<>();
    private final List<JsonNode> extra = new ArrayList<>();
    private TrustMaterial material;
    private TrustRoot root;
    private String noMaterial;
    private boolean trustRootAdded;
    private boolean configMapAdded;

    Rewriter(Path file, List<ReferencePatterns.Image> images, Map<String, String> mapping, Supplier<TrustRoot> trust,
        boolean plainHttp, String name) {
      this.file = file;
      this.images = images;
      this.mapping = mapping;
      this.trust = trust;
      this.plainHttp = plainHttp;
      this.name = name;
    }

    List<String> notes() {
      return notes;
    }

    List<JsonNode> extra() {
      return extra;
    }

    /** The trust root the keyless rules were given, or null when none was loaded. */
    TrustRoot root() {
      return root;
    }

    JsonNode rewrite(ObjectNode d) {
      String api = d.path("apiVersion").asText("");
      String kind = d.path("kind").asText("");
      String label = kind + " " + d.path("metadata").path("name").asText("");
      if (api.startsWith("policies.kyverno.io/")) {
        throw new InvalidInputException("--emit-config: " + file + ": " + label + " is read at the gate, but airlock does"
            + " not rewrite an ImageValidatingPolicy for the cluster (no CRD schema here to check it against); emit"
            + " without it or leave --emit-config out; nothing was imported");
      } else if (api.startsWith("kyverno.io/")) {
        kyverno(d, label);
      } else if (api.startsWith("policy.sigstore.dev/") && kind.equals("ClusterImagePolicy")) {
        clusterImagePolicy(d, label);
      } else if (api.startsWith("source.toolkit.fluxcd.io/")) {
        flux(d, label);
      }
      return d;
    }

    private void kyverno(ObjectNode d, String label) {
      BiPredicate<String, String> selects = ClusterPolicyFiles::kyvernoSelects;
      int keyEntries = 0;
      int keylessEntries = 0;
      for (JsonNode rule : d.path("spec").path("rules")) {
        for (JsonNode vi : rule.path("verifyImages")) {
          ObjectNode v = (ObjectNode) vi;
          v.set("imageReferences", patterns(v.path("imageReferences"), selects, label + " imageReferences"));
          List<JsonNode> attestors = new ArrayList<>();
          v.path("attestors").forEach(attestors::add);
          v.path("attestations").forEach(at -> at.path("attestors").forEach(attestors::add));
          for (JsonNode a : attestors) {
            for (JsonNode e : a.path("entries")) {
              if (e.has("keys")) {
                keyEntries += offlineKey((ObjectNode) e.get("keys")) ? 1 : 0;
              } else if (e.has("certificates") && !"Notary".equals(v.path("type").asText())) {
                keyEntries += offlineKey((ObjectNode) e.get("certificates")) ? 1 : 0;
              } else if (e.has("keyless")) {
                keylessEntries += keyless((ObjectNode) e.get("keyless"), label) ? 1 : 0;
              }
            }
          }
        }
      }
      if (keyEntries > 0) {
        notes.add(label + ": " + keyEntries + " key entries set rekor.ignoreTlog and ctlog.ignoreSCT (the gate checks"
            + " them by the key alone; the cluster cannot reach Rekor)");
      }
      if (keylessEntries > 0) {
        notes.add(label + ": " + keylessEntries + " keyless entries carry the trust root's Fulcio CAs (roots), Rekor key"
            + " and CT log key inline: start Kyverno without TUF (--enableTuf=false)" + oneKeyNote());
        if (!configMapAdded) {
          configMapAdded = true;
          extra.add(material.configMap(KYVERNO_CONFIGMAP, "kyverno", material.source()));
          notes.add(label + ": the trusted root is also in ConfigMap kyverno/" + KYVERNO_CONFIGMAP + " (trusted_root.json)");
        }
      }
    }

    private String oneKeyNote() {
      List<String> left = new ArrayList<>();
      if (material.tlogs.size() > 1) {
        left.add((material.tlogs.size() - 1) + " other Rekor logs");
      }
      if (material.ctlogs.size() > 1) {
        left.add((material.ctlogs.size() - 1) + " other CT logs");
      }
      return left.isEmpty() ? "" : "; Kyverno takes one key of each, so signatures logged only in the "
          + String.join(" and ", left) + " of the trust root fail in the cluster (and in this file at the gate)";
    }

    /** A key entry: tlog and SCT checks off where the entry does not set them; true when changed. */
    private static boolean offlineKey(ObjectNode keys) {
      if (keys.has("rekor") || keys.has("ctlog")) {
        return false;
      }
      keys.putObject("rekor").put("ignoreTlog", true);
      keys.putObject("ctlog").put("ignoreSCT", true);
      return true;
    }

    /** A keyless entry: the trust root's material inline where it names none; true when changed. */
    private boolean keyless(ObjectNode k, String label) {
      boolean pinned = k.has("roots") || k.path("rekor").has("pubkey") || k.path("ctlog").has("pubkey");
      if (pinned || !material(label)) {
        return false;
      }
      k.put("roots", material.kyvernoRoots());
      ObjectNode rekor = k.has("rekor") ? (ObjectNode) k.get("rekor") : k.putObject("rekor");
      TrustMaterial.Log tlog = TrustMaterial.preferred(material.tlogs);
      if (tlog != null) {
        if (!rekor.has("url") && !tlog.baseUrl().isEmpty()) {
          rekor.put("url", tlog.baseUrl());
        }
        rekor.put("pubkey", tlog.keyPem());
      }
      TrustMaterial.Log ct = TrustMaterial.preferred(material.ctlogs);
      if (ct != null) {
        (k.has("ctlog") ? (ObjectNode) k.get("ctlog") : k.putObject("ctlog")).put("pubkey", ct.keyPem());
      }
      return true;
    }

    /** Loads the trust material once; false (and a note) when the gate had none. */
    private boolean material(String label) {
      if (material != null) {
        return true;
      }
      if (noMaterial == null) {
        try {
          root = trust.get();
          material = new TrustMaterial(root);
          return true;
        } catch (AirlockException e) {
          noMaterial = e.getMessage();
        }
      }
      notes.add(label + ": keyless rules get no trust material (" + noMaterial + "); the cluster's verifier will"
          + " fetch Sigstore's TUF root itself");
      return false;
    }

    private void clusterImagePolicy(ObjectNode d, String label) {
      ArrayNode globs = Json.array();
      for (JsonNode g : d.path("spec").path("images")) {
        if (!g.has("glob")) {
          globs.add(g);
          continue;
        }
        for (JsonNode p : patterns(Json.array().add(g.get("glob")), ClusterPolicyFiles::clusterImagePolicySelects,
            label + " images")) {
          ObjectNode copy = ((ObjectNode) g).deepCopy();
          copy.set("glob", p);
          globs.add(copy);
        }
      }
      ((ObjectNode) d.get("spec")).set("images", globs);
      int keyless = 0;
      for (JsonNode a : d.path("spec").path("authorities")) {
        ObjectNode k = a.get("keyless") instanceof ObjectNode o ? o : null;
        if (k == null || k.has("trustRootRef") || !material(label)) {
          continue;
        }
        k.put("trustRootRef", name);
        keyless++;
      }
      if (keyless > 0) {
        if (!trustRootAdded) {
          trustRootAdded = true;
          extra.add(material.trustRoot(name, material.source()));
        }
        notes.add(label + ": " + keyless + " keyless authorities reference TrustRoot " + name + " (spec.sigstoreKeys of"
            + " the trust root the gate used)");
      }
    }

    private void flux(ObjectNode d, String label) {
      ObjectNode spec = (ObjectNode) d.get("spec");
      String url = spec.path("url").asText("");
      String repo = url.startsWith("oci://") ? url.substring("oci://".length()) : url;
      String target = mapping.get(repo);
      if (target == null) {
        notes.add(label + ": spec.url " + url + " names no imported repository: left as it is");
      } else {
        spec.put("url", "oci://" + target);
        if (plainHttp && !spec.has("insecure")) {
          spec.put("insecure", true);
          notes.add(label + ": spec.insecure: true (the internal registry is plain HTTP)");
        }
      }
      if (spec.path("verify").has("matchOIDCIdentity") && !spec.path("verify").has("secretRef")) {
        notes.add(label + ": Flux checks keyless signatures against Sigstore's public TUF root and has no field for"
            + " another: source-controller needs to reach it, or the rule fails in the cluster");
      }
    }

    private ArrayNode patterns(JsonNode list, BiPredicate<String, String> selects, String where) {
      ArrayNode out = Json.array();
      for (JsonNode p : list) {
        ReferencePatterns.Rewrite rw = ReferencePatterns.rewrite(p.asText(), selects, mapping, images);
        rw.patterns().forEach(x -> out.add(TextNode.valueOf(x)));
        if (rw.note() != null) {
          notes.add(where + ": " + rw.note());
        }
      }
      return out;
    }
  }

  /** Small JSON tree helpers. */
  static final class Json {
    static ArrayNode array() {
      return dev.airlock.oci.Json.MAPPER.createArrayNode();
    }
  }

  /** Thrown when what would be written does not give the gate's verdicts: nothing is written, nothing pushed. */
  static InvalidInputException refused(Path file, String why) {
    return new InvalidInputException("--emit-config: the rewritten " + file.getFileName() + " would not enforce what the"
        + " gate enforced (" + why + "); nothing was imported");
  }

  /** A trust root's pins must leave something of the gate's trust root (else every keyless rule fails). */
  static void requirePinsHold(Path file, Policy policy, TrustRoot root) {
    if (root == null) {
      return;
    }
    for (Policy.ImagePolicy ip : policy.imagesOrEmpty()) {
      for (Policy.Rule r : ip.rules()) {
        Policy.Keyless k = r.keyless() != null ? r.keyless() : r.attestation() != null ? r.attestation().keyless() : null;
        if (k != null && k.trust() != null) {
          try {
            dev.airlock.verify.sigstore.TrustRootRestriction.restrict(root, k.trust());
          } catch (AirlockException e) {
            throw refused(file, r.describe() + ": " + e.getMessage());
          }
        }
      }
    }
  }
}
