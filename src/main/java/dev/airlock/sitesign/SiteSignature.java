package dev.airlock.sitesign;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.verify.BundleSigner;
import dev.airlock.verify.dsse.Statement;
import dev.airlock.verify.keys.SigningKey;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * The bytes of a site signature, as cosign v3 writes a key-based image signature: a Sigstore bundle v0.3 holding
 * a DSSE envelope over an in-toto Statement v1 whose subject is the image digest and whose predicate type is
 * {@value #PREDICATE_TYPE}, stored as an OCI 1.1 referrer (artifactType the bundle media type, empty config, one
 * layer: the bundle), per cosign's specs/BUNDLE_SPEC.md. The predicate carries the {@link Admission}. The legacy
 * form (a {@code sha256-<hex>.sig} tag holding a simple-signing payload layer with the signature in an annotation)
 * is written for verifiers that predate bundles.
 */
public final class SiteSignature {
  private SiteSignature() {}

  /** cosign v3's predicate type for an image signature. */
  public static final String PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1";
  /** The predicate key under which the admission record sits. */
  public static final String PREDICATE_KEY = "https://airlock.dev/admission/v1";
  public static final String CONTENT_ANNOTATION = "dev.sigstore.bundle.content";
  public static final String PREDICATE_TYPE_ANNOTATION = "dev.sigstore.bundle.predicateType";
  /** On the referrer manifest: the admitting bundle's name and root index digest (also inside the signed predicate). */
  public static final String BUNDLE_ANNOTATION = "dev.airlock.admitted.bundle";
  public static final String BUNDLE_ROOT_ANNOTATION = "dev.airlock.admitted.bundle.root";
  public static final String LEGACY_TYPE = "cosign container image signature";

  /** The in-toto statement: subject {@code name} with {@code image}'s sha256, the admission as predicate. */
  public static byte[] statement(String name, Digest image, Admission admission) {
    ObjectNode st = Json.MAPPER.createObjectNode();
    st.put("_type", Statement.V1);
    ArrayNode subjects = st.putArray("subject");
    ObjectNode s = subjects.addObject();
    s.put("name", name);
    s.putObject("digest").put(image.algorithm().id(), image.hex());
    st.put("predicateType", PREDICATE_TYPE);
    st.set("predicate", admission.toJson());
    return Json.write(st);
  }

  /** The Sigstore bundle v0.3 JSON: the statement signed as DSSE, a public key hint, no log entries. */
  public static byte[] sigstoreBundle(SigningKey key, String name, Digest image, Admission admission) {
    return BundleSigner.sigstoreBundle(key, MediaTypes.IN_TOTO, statement(name, image, admission));
  }

  /** The referrer manifest of {@code bundleLayer} about {@code subject}. */
  public static byte[] referrerManifest(Descriptor subject, Descriptor bundleLayer, Admission admission) {
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.put("artifactType", MediaTypes.SIGSTORE_BUNDLE_V03);
    m.set("config", Json.MAPPER.valueToTree(BundleSigner.EMPTY_DESCRIPTOR));
    ObjectNode layer = m.putArray("layers").addObject();
    layer.put("mediaType", MediaTypes.SIGSTORE_BUNDLE_V03);
    layer.put("digest", bundleLayer.digest().toString());
    layer.put("size", bundleLayer.size());
    layer.putObject("annotations").put(Descriptor.TITLE, bundleLayer.digest().tagForm() + ".sigstore.json");
    ObjectNode sub = m.putObject("subject");
    sub.put("mediaType", subject.mediaType());
    sub.put("digest", subject.digest().toString());
    sub.put("size", subject.size());
    ObjectNode ann = m.putObject("annotations");
    ann.put(CONTENT_ANNOTATION, "dsse-envelope");
    ann.put(PREDICATE_TYPE_ANNOTATION, PREDICATE_TYPE);
    ann.put(Descriptor.CREATED, rfc3339(admission.admitted()));
    ann.put(BUNDLE_ANNOTATION, admission.bundleName());
    ann.put(BUNDLE_ROOT_ANNOTATION, admission.bundleRoot().toString());
    return Json.write(m);
  }

  /** The legacy simple-signing payload naming {@code dockerReference} and {@code image}, the admission as optional. */
  public static byte[] simpleSigningPayload(String dockerReference, Digest image, Admission admission) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    ObjectNode critical = n.putObject("critical");
    critical.putObject("identity").put("docker-reference", dockerReference);
    critical.putObject("image").put("docker-manifest-digest", image.toString());
    critical.put("type", LEGACY_TYPE);
    ObjectNode optional = n.putObject("optional");
    optional.put(BUNDLE_ANNOTATION, admission.bundleName());
    optional.put(BUNDLE_ROOT_ANNOTATION, admission.bundleRoot().toString());
    optional.put("admitted", rfc3339(admission.admitted()));
    return Json.write(n);
  }

  /** The legacy layer descriptor JSON: the payload, its signature in cosign's annotation. */
  public static ObjectNode legacyLayer(Digest payload, long size, byte[] signature) {
    ObjectNode l = Json.MAPPER.createObjectNode();
    l.put("mediaType", MediaTypes.COSIGN_SIMPLESIGNING);
    l.put("size", size);
    l.put("digest", payload.toString());
    l.putObject("annotations").put(dev.airlock.verify.policy.CosignSignatureVerifier.SIGNATURE_ANNOTATION,
        Base64.getEncoder().encodeToString(signature));
    return l;
  }

  /** The config cosign gives a {@code .sig} manifest: an image config whose diff ids are the payload digests. */
  public static byte[] legacyConfig(Iterable<Digest> payloads) {
    ObjectNode c = Json.MAPPER.createObjectNode();
    c.put("architecture", "");
    c.put("created", "0001-01-01T00:00:00Z");
    c.putArray("history").addObject().put("created", "0001-01-01T00:00:00Z");
    c.put("os", "");
    ObjectNode rootfs = c.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode ids = rootfs.putArray("diff_ids");
    payloads.forEach(d -> ids.add(d.toString()));
    c.putObject("config");
    return Json.write(c);
  }

  static String rfc3339(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }
}
