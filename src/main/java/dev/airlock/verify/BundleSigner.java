package dev.airlock.verify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Properties;

/**
 * Signs an airlock bundle: the API the bundler calls (see docs/bundle-format.md, "bundle signature").
 *
 * <p>Usage by the bundler, once the root index, catalog.db and bundle.lock.yaml are written:
 * <pre>{@code
 * byte[] sigstoreBundle = BundleSigner.signBundle(key, name, created, rootDigest, catalogDigest, lockDigest);
 * Descriptor layer = layout.putBytes(MediaTypes.SIGSTORE_BUNDLE_V03, sigstoreBundle);
 * byte[] manifest = BundleSigner.signatureManifest(rootDescriptor, layer);
 * // store manifest bytes as a blob (media type OCI_MANIFEST) and list it in index.json without a ref name
 * }</pre>
 * The empty config blob ({@link #EMPTY_CONFIG}) must also be stored in the layout.
 */
public final class BundleSigner {
  private BundleSigner() {}

  /** Subject names in the bundle statement besides {@link BundleFormat#SUBJECT_INDEX}. */
  public static final String SUBJECT_CATALOG = BundleFormat.CATALOG_TITLE;
  public static final String SUBJECT_LOCK = BundleFormat.LOCK_TITLE;

  /** The OCI empty descriptor's content {@code {}} and descriptor. */
  public static final byte[] EMPTY_CONFIG = "{}".getBytes(StandardCharsets.UTF_8);
  public static final Descriptor EMPTY_DESCRIPTOR = Descriptor.of(MediaTypes.OCI_EMPTY,
      Digest.parse("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"), 2);

  /**
   * The in-toto Statement v1 bytes for a bundle: subjects {@code index}, {@code catalog.db},
   * {@code bundle.lock.yaml}; predicate {@code {name, created, tool}}.
   */
  public static byte[] statement(String bundleName, Instant created, Digest root, Digest catalog, Digest lock) {
    ObjectNode st = Json.MAPPER.createObjectNode();
    st.put("_type", BundleFormat.IN_TOTO_STATEMENT_TYPE);
    ArrayNode subjects = st.putArray("subject");
    addSubject(subjects, BundleFormat.SUBJECT_INDEX, root);
    addSubject(subjects, SUBJECT_CATALOG, catalog);
    addSubject(subjects, SUBJECT_LOCK, lock);
    st.put("predicateType", BundleFormat.PREDICATE_TYPE);
    ObjectNode p = st.putObject("predicate");
    p.put("name", bundleName);
    p.put("created", rfc3339(created));
    p.put("tool", "airlock " + toolVersion());
    return Json.write(st);
  }

  /**
   * Signs the bundle statement and returns the Sigstore bundle v0.3 JSON bytes: a DSSE envelope with
   * payload type {@code application/vnd.in-toto+json}, verification material = a public key hint (the
   * hex sha256 of the PKIX public key), no transparency log entries.
   */
  public static byte[] signBundle(SigningKey key, String bundleName, Instant created, Digest root, Digest catalog,
      Digest lock) {
    byte[] payload = statement(bundleName, created, root, catalog, lock);
    return sigstoreBundle(key, MediaTypes.IN_TOTO, payload);
  }

  /** A keyed Sigstore bundle v0.3 carrying a DSSE envelope over {@code payload}. */
  public static byte[] sigstoreBundle(SigningKey key, String payloadType, byte[] payload) {
    String keyId = PublicKeys.keyId(key.publicKey());
    byte[] sig = key.sign(Dsse.pae(payloadType, payload));
    Dsse env = new Dsse(payloadType, payload, List.of(new Dsse.Signature("", sig)));
    ObjectNode b = Json.MAPPER.createObjectNode();
    b.put("mediaType", MediaTypes.SIGSTORE_BUNDLE_V03);
    ObjectNode vm = b.putObject("verificationMaterial");
    vm.putObject("publicKey").put("hint", keyId);
    vm.putArray("tlogEntries");
    b.set("dsseEnvelope", env.toJson());
    return Json.write(b);
  }

  /**
   * The signature manifest bytes: an OCI image manifest with {@code subject} = the bundle root,
   * {@code artifactType} = Sigstore bundle v0.3, config = the OCI empty descriptor and one layer
   * (the Sigstore bundle blob).
   */
  public static byte[] signatureManifest(Descriptor root, Descriptor sigstoreBundleLayer) {
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.put("artifactType", MediaTypes.SIGSTORE_BUNDLE_V03);
    m.set("config", Json.MAPPER.valueToTree(EMPTY_DESCRIPTOR));
    m.putArray("layers").add(Json.MAPPER.valueToTree(
        Descriptor.of(MediaTypes.SIGSTORE_BUNDLE_V03, sigstoreBundleLayer.digest(), sigstoreBundleLayer.size())));
    m.set("subject", Json.MAPPER.valueToTree(Descriptor.of(root.mediaType(), root.digest(), root.size())));
    return Json.write(m);
  }

  static String rfc3339(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }

  private static void addSubject(ArrayNode subjects, String name, Digest d) {
    ObjectNode s = subjects.addObject();
    s.put("name", name);
    s.putObject("digest").put(d.algorithm().id(), d.hex());
  }

  static String toolVersion() {
    Properties p = new Properties();
    try (InputStream in = BundleSigner.class.getResourceAsStream("/dev/airlock/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // unknown version
    }
    return p.getProperty("version", "dev");
  }
}
