package dev.airlock.verify.policy;

import dev.airlock.AirlockException;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import dev.airlock.store.ContentStore;
import dev.airlock.verify.ImageResult;
import dev.airlock.verify.RuleResult;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.dsse.Statement;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.sigstore.CertificateIdentity;
import dev.airlock.verify.sigstore.SigstoreBundleVerifier;
import dev.airlock.verify.sigstore.TrustRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.time.Instant;
import dev.airlock.verify.notation.NotationArtifactVerifier;
import dev.airlock.verify.notation.NotationResult;
import dev.airlock.verify.notation.NotationVerifier;
import dev.airlock.verify.notation.TrustPolicyDocument;
import dev.airlock.verify.notation.TrustStore;

/**
 * Evaluates an image policy over any {@link ContentStore} (a layout, a bundle): for each entry whose ref
 * name matches a policy pattern (first match wins), every rule is checked against the signatures,
 * attestations and SBOMs stored for the image's digest.
 */
public final class PolicyEvaluator {
  private final ContentStore store;
  private final Policy policy;
  private final Path policyDir;
  private final Supplier<TrustRoot> trustRoot;
  private final java.util.Map<Policy.KeylessTrust, TrustRoot> restricted = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, PublicKey> keyCache = new HashMap<>();
  private boolean allowUnmatched;
  private final Instant verificationTime;
  private final Map<Path, TrustStore> notationStores = new HashMap<>();
  private List<Descriptor> entries = List.of();
  private List<java.security.cert.X509CRL> carriedCrls;

  /** @param trustRoot supplies the Sigstore trust root for keyless rules (may throw when none is available) */
  public PolicyEvaluator(ContentStore store, Policy policy, Path policyDir, Supplier<TrustRoot> trustRoot) {
    this(store, policy, policyDir, trustRoot, Instant.now());
  }

  /** @param verificationTime "now" for Notation signatures (expiry, certificate validity, CRL currency) */
  public PolicyEvaluator(ContentStore store, Policy policy, Path policyDir, Supplier<TrustRoot> trustRoot,
      Instant verificationTime) {
    this.store = store;
    this.policy = policy;
    this.policyDir = policyDir;
    this.trustRoot = trustRoot;
    this.verificationTime = verificationTime;
  }

  /**
   * {@code true}: a policy entry whose {@code match} selects no image is reported but does not fail the
   * verification ({@code --allow-unmatched-rules}); by default it fails it, since a typo in a pattern would
   * otherwise turn its rules off unseen.
   */
  public PolicyEvaluator allowUnmatched(boolean b) {
    this.allowUnmatched = b;
    return this;
  }

  /**
   * Evaluates every entry with a ref name (cosign tag-scheme entries excluded), then adds one result per
   * policy entry that selected no image: failed, unless {@link #allowUnmatched}.
   */
  public List<ImageResult> evaluate(List<Descriptor> entries) throws IOException {
    this.entries = entries;
    this.carriedCrls = null;
    List<ImageResult> out = new ArrayList<>();
    List<String> refs = new ArrayList<>();
    java.util.Set<Policy.ImagePolicy> used = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    Policy.NotationTrust nt = policy.notationTrust();
    TrustPolicyDocument notationPolicy = null;
    TrustStore notationStore = null;
    if (nt != null) {
      notationPolicy = TrustPolicyDocument.load(policyDir.resolve(nt.trustPolicy()));
      notationStore = notationStore(nt.trustStore());
    }
    for (Descriptor e : entries) {
      String ref = e.annotation(Descriptor.REF_NAME);
      if (ref == null || ref.matches(".*:sha256-[0-9a-f]{64}\\.(sig|att|sbom)$")
          || ref.equals(dev.airlock.bundle.BundleFormat.ROOT_REF_NAME)
          || dev.airlock.verify.notation.CarriedCrls.carriesCrls(e)) {
        continue;
      }
      refs.add(ref);
      for (Policy.ImagePolicy ip : policy.imagesOrEmpty()) {
        if (ip.matches(ref)) {
          out.add(evaluate(ref, e.digest(), ip));
          used.add(ip);
          if (!policy.matchesAll()) {
            break;
          }
        }
      }
      if (notationPolicy != null) {
        out.add(notationTrustPolicy(ref, e.digest(), notationPolicy, notationStore));
      }
    }
    List<Policy.ImagePolicy> all = policy.imagesOrEmpty();
    for (int i = 0; i < all.size(); i++) {
      Policy.ImagePolicy ip = all.get(i);
      if (!used.contains(ip)) {
        out.add(unmatched(i, ip, refs));
      }
    }
    return out;
  }

  /** The result for a policy entry that selected no image, saying why and what the bundle holds. */
  private ImageResult unmatched(int index, Policy.ImagePolicy ip, List<String> refs) {
    boolean shadowed = !policy.matchesAll() && refs.stream().anyMatch(ip::matches);
    String why = "images[" + index + "] match '" + ip.match() + "' selects no image of the bundle"
        + (shadowed ? " (an earlier entry takes the images it matches: the first match wins)"
            : refs.isEmpty() ? " (it holds none)" : " (it holds " + String.join(", ", refs.stream().limit(5).toList())
                + (refs.size() > 5 ? " and " + (refs.size() - 5) + " more" : "") + ")")
        + (allowUnmatched ? "; allowed by --allow-unmatched-rules" : "; its rules would never be enforced"
            + " (fix the pattern, or pass --allow-unmatched-rules)");
    return new ImageResult("(no image)", "-", ip.match(), ip.rules().size(),
        List.of(new RuleResult("match " + ip.match(), allowUnmatched, why)), List.of(), allowUnmatched);
  }

  /** Every image against Notation's own trust policy: the statement whose scope names its repository, else the global one. */
  private ImageResult notationTrustPolicy(String ref, Digest digest, TrustPolicyDocument doc, TrustStore ts) throws IOException {
    String repo = repositoryOf(ref);
    var st = doc.statementFor(repo);
    String label = "notation trust policy " + Path.of(doc.source()).getFileName();
    if (st.isEmpty()) {
      RuleResult r = new RuleResult(label, false, "no statement of " + doc.source() + " applies to " + repo
          + " (Notation treats an artifact no statement covers as untrusted)");
      return new ImageResult(ref, digest.toString(), label, 1, List.of(r), List.of(), false);
    }
    RawManifest image = store.getManifest(repo, digest.toString());
    NotationArtifactVerifier.Verdict v = NotationArtifactVerifier.verify(store, repo, image.descriptor(), st.get(),
        new NotationVerifier(ts, carriedCrls(), verificationTime));
    RuleResult r = new RuleResult(label + " statement '" + st.get().name() + "'", v.passed(), v.summary());
    return new ImageResult(ref, digest.toString(), label, 1, List.of(r), notes(v), v.passed(), v.signatures());
  }

  /** The CRLs the bundle carries (read once per evaluation, when a Notation signature is first checked). */
  private List<java.security.cert.X509CRL> carriedCrls() throws IOException {
    if (carriedCrls == null) {
      carriedCrls = dev.airlock.verify.notation.CarriedCrls.read(store, entries, PolicyEvaluator::repositoryOf);
    }
    return carriedCrls;
  }

  /** The signatures tried before the one the verdict names. */
  private static List<String> notes(NotationArtifactVerifier.Verdict v) {
    List<String> notes = new ArrayList<>();
    for (int i = 0; i < v.signatures().size() - 1; i++) {
      notes.add(v.signatures().get(i).summary());
    }
    return notes;
  }

  private TrustStore notationStore(String dir) throws IOException {
    Path p = policyDir.resolve(dir).toAbsolutePath().normalize();
    TrustStore ts = notationStores.get(p);
    if (ts == null) {
      ts = TrustStore.load(p);
      notationStores.put(p, ts);
    }
    return ts;
  }

  /**
   * A rule's trust store: a directory, or (cluster policies carry certificates inline, as Kyverno's Notary
   * attestors do) PEM certificates, which then make up each of the rule's named stores.
   */
  private TrustStore notationStore(Policy.NotationRule n) throws IOException {
    if (!n.trustStore().startsWith(Policy.INLINE_PEM)) {
      return notationStore(n.trustStore());
    }
    List<java.security.cert.X509Certificate> certs = new ArrayList<>();
    try {
      for (var c : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(
          new java.io.ByteArrayInputStream(n.trustStore().getBytes(StandardCharsets.UTF_8)))) {
        certs.add((java.security.cert.X509Certificate) c);
      }
    } catch (java.security.cert.CertificateException e) {
      throw new dev.airlock.InvalidInputException("notation rule: the policy's certificates do not parse: " + e.getMessage());
    }
    Map<String, List<java.security.cert.X509Certificate>> stores = new java.util.TreeMap<>();
    for (String name : n.trustStores()) {
      stores.put(name, certs);
    }
    return TrustStore.of("the policy's certificates", stores, List.of());
  }

  private RuleResult notation(ImageEvidence ev, Policy.Rule r) throws IOException {
    TrustStore ts = notationStore(r.notation());
    var st = NotationRules.statement(r.notation(), ts, "notation rule '" + r.describe() + "': ");
    NotationArtifactVerifier.Verdict v = NotationArtifactVerifier.verify(store, ev.repository, ev.image.descriptor(), st,
        new NotationVerifier(ts, carriedCrls(), verificationTime));
    ev.notation.addAll(v.signatures());
    return new RuleResult(r.describe(), v.passed(), v.summary());
  }

  ImageResult evaluate(String ref, Digest digest, Policy.ImagePolicy ip) throws IOException {
    ImageEvidence ev = new ImageEvidence(store, repositoryOf(ref), digest);
    List<RuleResult> results = new ArrayList<>();
    for (Policy.Rule r : ip.rules()) {
      results.add(check(ev, r));
    }
    List<String> notes = new ArrayList<>();
    boolean notationChecked = policy.notationTrust() != null || ip.rules().stream().anyMatch(x -> x.notation() != null);
    for (RawManifest m : notationChecked ? List.<RawManifest>of() : ev.referrersOfType(MediaTypes.NOTATION_SIGNATURE)) {
      notes.add("notation signature " + m.digest().shortForm() + " present, not verified (no notation rule applies)");
    }
    long passed = results.stream().filter(RuleResult::passed).count();
    boolean ok = passed >= ip.required();
    if (!ok && ip.warnOnly()) {
      notes.add("mode warn: " + passed + " of " + ip.required() + " required rules passed; reported, not enforced");
      ok = true;
    }
    return new ImageResult(ref, digest.toString(), ip.match(), ip.required(), results, notes, ok, ev.notation);
  }

  private RuleResult check(ImageEvidence ev, Policy.Rule r) {
    try {
      if (r.signedBy() != null) {
        return signedBy(ev, r, keys(r.signedBy()));
      }
      if (r.keyless() != null) {
        return keyless(ev, r, r.keyless());
      }
      if (r.attestation() != null) {
        return attestation(ev, r);
      }
      if (r.notation() != null) {
        return notation(ev, r);
      }
      return sbom(ev, r);
    } catch (AirlockException | IOException e) {
      return new RuleResult(r.describe(), false, e.getMessage());
    }
  }

  private RuleResult signedBy(ImageEvidence ev, Policy.Rule r, List<PublicKey> keys) throws IOException {
    return firstVerified(ev, r, new ArrayList<>(), ev.sigTag, false, "cosign signature", l -> {
      CosignSignatureVerifier.verifyKeyed(ev.small(l), l.annotation(CosignSignatureVerifier.SIGNATURE_ANNOTATION),
          ev.digest, keys);
      return true;
    }, "Sigstore bundle", l -> {
      SigstoreBundleVerifier.verifyKeyed(ev.digest, ev.image.bytesUnsafe(), ev.small(l), keys);
      return true;
    }, "signature");
  }

  /** The trust root a keyless rule checks against: the whole one, or what the rule pins of it. */
  private TrustRoot trustFor(Policy.Keyless k) {
    if (k.trust() == null) {
      return trustRoot.get();
    }
    return restricted.computeIfAbsent(k.trust(), t -> dev.airlock.verify.sigstore.TrustRootRestriction.restrict(trustRoot.get(), t));
  }

  private RuleResult keyless(ImageEvidence ev, Policy.Rule r, Policy.Keyless k) throws IOException {
    TrustRoot root = trustFor(k);
    CertificateIdentity id = k.toIdentity();
    return firstVerified(ev, r, new ArrayList<>(), k.onlyBundles() ? null : ev.sigTag, k.onlyBundles(),
        "cosign keyless signature", l -> {
      CosignSignatureVerifier.verifyKeyless(ev.small(l), l.annotations(), ev.digest, root, id);
      return true;
    }, "Sigstore bundle", l -> {
      SigstoreBundleVerifier.verifyKeyless(ev.digest, ev.small(l), root, id);
      return true;
    }, "keyless signature");
  }

  private RuleResult attestation(ImageEvidence ev, Policy.Rule r) throws IOException {
    Policy.Attestation a = r.attestation();
    List<PublicKey> keys = a.signedBy() == null ? List.of() : keys(a.signedBy());
    List<String> problems = new ArrayList<>();
    boolean onlyBundles = a.keyless() != null && a.keyless().onlyBundles();
    return firstVerified(ev, r, problems, onlyBundles ? null : ev.attTag, onlyBundles,
        "cosign " + (a.keyless() != null ? "keyless " : "") + "attestation", l -> {
      Dsse env;
      if (a.keyless() != null) {
        env = CosignSignatureVerifier.verifyKeylessAttestation(ev.small(l), l.annotations(), trustFor(a.keyless()),
            a.keyless().toIdentity());
      } else {
        env = Dsse.fromJson(dev.airlock.oci.Json.tree(ev.small(l), "attestation " + l.digest()), "attestation");
        if (keys.stream().noneMatch(env::verifiedBy)) {
          problems.add("attestation " + l.digest().shortForm() + " does not verify with the keys");
          return false;
        }
      }
      return accept(Statement.parse(env.payload(), "attestation"), a, ev.digest, problems);
    }, "attestation bundle", l -> {
      Statement st = a.keyless() != null
          ? SigstoreBundleVerifier.verifyKeyless(ev.digest, ev.small(l), trustFor(a.keyless()), a.keyless().toIdentity())
          : SigstoreBundleVerifier.verifyKeyed(ev.digest, null, ev.small(l), keys);
      return st != null && accept(st, a, ev.digest, problems);
    }, "verified attestation of type " + a.predicateType());
  }

  /** Checks one candidate layer: true when it verifies and is accepted; false or an exception when not. */
  @FunctionalInterface
  private interface Candidate {
    boolean verify(Descriptor layer) throws IOException;
  }

  /**
   * The first candidate that verifies: the layers of the cosign tag manifest {@code tagged} (may be null),
   * then the Sigstore bundle layer of each referrer. A candidate that throws adds its message to
   * {@code problems}; when none verifies, the rule fails naming {@code what} and the problems.
   */
  private RuleResult firstVerified(ImageEvidence ev, Policy.Rule r, List<String> problems, RawManifest tagged,
      boolean onlyBundles, String taggedKind, Candidate viaTag, String bundleKind, Candidate viaBundle, String what) throws IOException {
    if (tagged != null) {
      for (Descriptor l : tagged.layers()) {
        try {
          if (viaTag.verify(l)) {
            return new RuleResult(r.describe(), true, taggedKind + " " + tagged.digest().shortForm() + " verified");
          }
        } catch (AirlockException e) {
          problems.add(e.getMessage());
        }
      }
    }
    for (RawManifest m : ev.referrers) {
      Descriptor l = ev.bundleLayer(m);
      if (l == null || onlyBundles && (m.artifactType() == null || !m.artifactType().startsWith("application/vnd.dev.sigstore.bundle"))) {
        continue;
      }
      try {
        if (viaBundle.verify(l)) {
          return new RuleResult(r.describe(), true, bundleKind + " " + m.digest().shortForm() + " verified");
        }
      } catch (AirlockException e) {
        problems.add(e.getMessage());
      }
    }
    if (onlyBundles && problems.isEmpty()) {
      return fail(r, "Sigstore bundle referrer with a " + what + (tagOf(ev, what) ? " (bundleOnly: the cosign tag"
          + " signature is not considered)" : ""), problems);
    }
    return fail(r, what, problems);
  }

  private static boolean tagOf(ImageEvidence ev, String what) {
    return what.startsWith("verified attestation") ? ev.attTag != null : ev.sigTag != null;
  }

  private static boolean accept(Statement st, Policy.Attestation a, Digest image, List<String> problems) {
    if (!a.predicateType().equals(st.predicateType())) {
      problems.add("predicate type is " + st.predicateType());
      return false;
    }
    if (!st.hasSubjectDigest(image)) {
      problems.add("the statement does not name " + image);
      return false;
    }
    for (Policy.Condition c : a.conditionsOrEmpty()) {
      if (!c.holds(st.predicate())) {
        problems.add("the predicate does not satisfy " + c);
        return false;
      }
    }
    return true;
  }

  private RuleResult sbom(ImageEvidence ev, Policy.Rule r) throws IOException {
    if (ev.sbomTag != null) {
      return new RuleResult(r.describe(), true, "cosign SBOM " + ev.sbomTag.digest().shortForm());
    }
    for (RawManifest m : ev.referrers) {
      if (ImageEvidence.isSbomType(m.artifactType())
          || m.layers().stream().anyMatch(l -> ImageEvidence.isSbomType(l.mediaType()))) {
        return new RuleResult(r.describe(), true, "SBOM referrer " + m.digest().shortForm());
      }
    }
    if (ev.attTag != null) {
      for (Descriptor l : ev.attTag.layers()) {
        String pt = l.annotation("predicateType");
        if (ImageEvidence.isSbomType(pt)) {
          return new RuleResult(r.describe(), true, "SBOM attestation " + ev.attTag.digest().shortForm());
        }
      }
    }
    return new RuleResult(r.describe(), false, "no SBOM found for " + ev.digest.shortForm());
  }

  private static RuleResult fail(Policy.Rule r, String what, List<String> problems) {
    return new RuleResult(r.describe(), false,
        problems.isEmpty() ? "no " + what + " found" : problems.get(0) + (problems.size() > 1 ? " (+" + (problems.size() - 1) + " more)" : ""));
  }

  private List<PublicKey> keys(List<String> files) throws IOException {
    List<PublicKey> out = new ArrayList<>();
    for (String f : files) {
      PublicKey k = keyCache.get(f);
      if (k == null) {
        k = f.startsWith(Policy.INLINE_PEM) ? PublicKeys.parsePem(f, "policy key") : PublicKeys.load(policyDir.resolve(f));
        keyCache.put(f, k);
      }
      out.add(k);
    }
    return out;
  }

  /** {@code docker.io/library/alpine:3.20} -> {@code docker.io/library/alpine}. */
  static String repositoryOf(String ref) {
    int at = ref.indexOf('@');
    if (at >= 0) {
      return ref.substring(0, at);
    }
    int colon = ref.lastIndexOf(':');
    return colon > ref.lastIndexOf('/') ? ref.substring(0, colon) : ref;
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
