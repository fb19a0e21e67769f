package dev.airlock.verify.sigstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.VerificationException;
import dev.airlock.oci.Json;
import dev.airlock.testing.SharedTestData;
import dev.airlock.verify.dsse.Dsse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * airlock's own checks of a Sigstore bundle's transparency log entries ({@link TlogEntryRules}): the RFC 6962
 * inclusion proof and the signed checkpoint with the log's key, and the entry body of every kind against
 * the bundle's content and certificate. Logs are built in the test (a test Fulcio CA and Rekor key, trees
 * of many sizes) and the shared public-good bundles are checked, and tampered, too.
 */
class TransparencyLogEntriesTest {
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Instant NOW = TestSigstore.INTEGRATED.plusSeconds(3600);
  private static final String INTOTO = "application/vnd.in-toto+json";

  // ---- RFC 6962 audit paths and checkpoints of test-built logs ----

  @Test
  void everyLeafOfTreesOfManySizesIsProvenAndNoOtherProofIsAccepted() throws Exception {
    TestLog log = new TestLog("rekor.test.invalid - 1", TestSigstore.ecKey());
    int checked = 0;
    for (int size : new int[] {1, 2, 3, 4, 5, 7, 8, 9, 16, 31, 33, 100}) {
      log.leaves.clear();
      log.fill(size);
      byte[] root = log.root();
      for (int i = 0; i < size; i++) {
        byte[] leaf = MerkleProof.leafHash(log.leaves.get(i));
        List<byte[]> path = log.path(i);
        MerkleProof.verifyInclusion(i, size, leaf, path, root);
        checked++;
        int idx = i;
        if (size > 1) {
          List<byte[]> flipped = new ArrayList<>(path);
          byte[] h = flipped.get(0).clone();
          h[7] ^= 1;
          flipped.set(0, h);
          assertThatThrownBy(() -> MerkleProof.verifyInclusion(idx, size, leaf, flipped, root))
              .hasMessageContaining("does not lead to the tree's root hash");
          assertThatThrownBy(() -> MerkleProof.verifyInclusion(idx, size, leaf, path.subList(0, path.size() - 1), root))
              .isInstanceOf(VerificationException.class);
          assertThatThrownBy(() -> MerkleProof.verifyInclusion((idx + 1) % size, size, leaf, path, root))
              .isInstanceOf(VerificationException.class);
        }
        List<byte[]> longer = new ArrayList<>(path);
        longer.add(new byte[32]);
        assertThatThrownBy(() -> MerkleProof.verifyInclusion(idx, size, leaf, longer, root))
            .isInstanceOf(VerificationException.class);
        // a proof names the root of a tree of its size: the same path with a bigger tree size only passes where
        // the two trees give that leaf the same path shape, which is why the checkpoint binds size and root
      }
    }
    assertThat(checked).isEqualTo(219);
    assertThatThrownBy(() -> MerkleProof.verifyInclusion(5, 5, new byte[32], List.of(), new byte[32]))
        .hasMessageContaining("outside a tree of size 5");
  }

  @ParameterizedTest
  @ValueSource(strings = {"EC", "Ed25519"})
  void checkpointsAreSignedNotesOfTheLogKey(String alg) throws Exception {
    KeyPair key = alg.equals("EC") ? TestSigstore.ecKey() : KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    TestLog log = new TestLog("log2025-1.rekor.test.invalid", key);
    log.fill(6);
    Checkpoint cp = Checkpoint.parse(log.checkpoint(key));
    assertThat(cp.origin()).isEqualTo("log2025-1.rekor.test.invalid");
    assertThat(cp.size()).isEqualTo(6);
    assertThat(cp.rootHash()).isEqualTo(log.root());
    assertThat(cp.signedBy(key.getPublic())).isTrue();
    KeyPair other = alg.equals("EC") ? TestSigstore.ecKey() : KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    assertThat(cp.signedBy(other.getPublic())).isFalse();
    String tampered = log.checkpoint(key).replaceFirst("\n6\n", "\n7\n");
    assertThat(Checkpoint.parse(tampered).signedBy(key.getPublic())).isFalse();
    assertThatThrownBy(() -> Checkpoint.parse("origin\n6\n" + B64.encodeToString(log.root()) + "\n"))
        .hasMessageContaining("not a signed note");
    assertThatThrownBy(() -> Checkpoint.parse("origin\nsix\nAAAA\n\n\u2014 origin AAAAAAAA\n"))
        .hasMessageContaining("not a decimal number");
    assertThatThrownBy(() -> Checkpoint.parse("origin\n6\nAAAA\n\n")).hasMessageContaining("not signed");
  }

  // ---- entry bodies of every kind, logged in a test log whose key the custom trusted root names ----

  /** A test Sigstore deployment: CA, Rekor key, its trusted root, a leaf, and the log. */
  private static final class Deployment {
    final TestSigstore sigstore;
    final TrustRoot root;
    final TestSigstore.Leaf leaf;
    final TestLog log;
    final TestTsa tsa;

    Deployment() throws Exception {
      sigstore = new TestSigstore("private-fulcio");
      tsa = new TestTsa("private");
      root = TrustRoot.of(Json.write(tsa.addTo((ObjectNode) Json.tree(sigstore.trustedRootJson(), "root"))),
          "private trusted_root.json", null);
      leaf = sigstore.issue("builder@acme.example", "https://issuer.acme.example");
      log = new TestLog("rekor.test.invalid - 42", sigstore.rekorKey());
      log.fill(11);
    }
  }

  private static final byte[] ARTIFACT = "the artifact".getBytes(StandardCharsets.UTF_8);

  /** A bundle over {@link #ARTIFACT} (message signature) or a DSSE statement, with one entry of {@code kind}. */
  private static ObjectNode bundle(Deployment d, String kind, Consumer<ObjectNode> changeBody) throws Exception {
    boolean dsse = !kind.equals("hashedrekord 0.0.1") && !kind.equals("hashedrekord 0.0.2");
    boolean overDsse = kind.equals("hashedrekord 0.0.2 over dsse");
    ObjectNode b = Json.MAPPER.createObjectNode();
    b.put("mediaType", "application/vnd.dev.sigstore.bundle.v0.3+json");
    byte[] signedBytes;
    byte[] sig;
    Dsse env = null;
    if (dsse) {
      byte[] payload = ("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"a\",\"digest\":{\"sha256\":\""
          + HexFormat.of().formatHex(TlogEntryBodies.sha256(ARTIFACT)) + "\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\","
          + "\"predicate\":{}}").getBytes(StandardCharsets.UTF_8);
      signedBytes = Dsse.pae(INTOTO, payload);
      sig = TestSigstore.sign(d.leaf.key().getPrivate(), signedBytes);
      env = new Dsse(INTOTO, payload, List.of(new Dsse.Signature("", sig)));
      b.set("dsseEnvelope", env.toJson());
    } else {
      signedBytes = ARTIFACT;
      sig = TestSigstore.sign(d.leaf.key().getPrivate(), ARTIFACT);
      ObjectNode ms = b.putObject("messageSignature");
      ms.putObject("messageDigest").put("algorithm", "SHA2_256").put("digest", B64.encodeToString(TlogEntryBodies.sha256(ARTIFACT)));
      ms.put("signature", B64.encodeToString(sig));
    }
    String certPemB64 = B64.encodeToString(TestSigstore.pem(d.leaf.cert()).getBytes(StandardCharsets.UTF_8));
    String certDerB64 = B64.encodeToString(d.leaf.cert().getEncoded());
    ObjectNode body = Json.MAPPER.createObjectNode();
    String[] kv = kind.split(" ");
    body.put("apiVersion", kv[1]);
    body.put("kind", kv[0]);
    ObjectNode spec = body.putObject("spec");
    switch (overDsse ? "hashedrekord 0.0.2" : kind) {
      case "hashedrekord 0.0.1" -> {
        spec.putObject("data").putObject("hash").put("algorithm", "sha256")
            .put("value", HexFormat.of().formatHex(TlogEntryBodies.sha256(signedBytes)));
        ObjectNode s = spec.putObject("signature");
        s.put("content", B64.encodeToString(sig));
        s.putObject("publicKey").put("content", certPemB64);
      }
      case "hashedrekord 0.0.2" -> {
        ObjectNode v2 = spec.putObject("hashedRekordV002");
        v2.putObject("data").put("algorithm", "SHA2_256").put("digest", B64.encodeToString(TlogEntryBodies.sha256(signedBytes)));
        ObjectNode s = v2.putObject("signature");
        s.put("content", B64.encodeToString(sig));
        ObjectNode v = s.putObject("verifier");
        v.putObject("x509Certificate").put("rawBytes", certDerB64);
        v.put("keyDetails", "PKIX_ECDSA_P256_SHA_256");
      }
      case "dsse 0.0.1" -> {
        spec.putObject("envelopeHash").put("algorithm", "sha256").put("value", "00".repeat(32));
        spec.putObject("payloadHash").put("algorithm", "sha256").put("value", HexFormat.of().formatHex(TlogEntryBodies.sha256(env.payload())));
        spec.putArray("signatures").addObject().put("signature", B64.encodeToString(sig)).put("verifier", certPemB64);
      }
      case "dsse 0.0.2" -> {
        ObjectNode v2 = spec.putObject("dsseV002");
        v2.putObject("payloadHash").put("algorithm", "SHA2_256").put("digest", B64.encodeToString(TlogEntryBodies.sha256(env.payload())));
        ObjectNode s = v2.putArray("signatures").addObject();
        s.put("content", B64.encodeToString(sig));
        s.putObject("verifier").put("keyDetails", "PKIX_ECDSA_P256_SHA_256").putObject("x509Certificate").put("rawBytes", certDerB64);
      }
      case "intoto 0.0.1" -> {
        ObjectNode c = spec.putObject("content");
        c.putObject("hash").put("algorithm", "sha256").put("value", "00".repeat(32));
        c.putObject("payloadHash").put("algorithm", "sha256").put("value", HexFormat.of().formatHex(TlogEntryBodies.sha256(env.payload())));
        spec.put("publicKey", certPemB64);
      }
      case "intoto 0.0.2" -> {
        ObjectNode c = spec.putObject("content");
        ObjectNode e = c.putObject("envelope");
        e.put("payloadType", INTOTO);
        e.putArray("signatures").addObject()
            .put("sig", B64.encodeToString(B64.encode(sig))).put("publicKey", certPemB64);
        c.putObject("hash").put("algorithm", "sha256").put("value", "00".repeat(32));
        c.putObject("payloadHash").put("algorithm", "sha256").put("value", HexFormat.of().formatHex(TlogEntryBodies.sha256(env.payload())));
      }
      default -> throw new IllegalArgumentException(kind);
    }
    changeBody.accept(body);
    byte[] bodyBytes = Json.write(body);
    long index = d.log.append(bodyBytes);
    d.log.fill(5);
    ObjectNode vm = b.putObject("verificationMaterial");
    vm.putObject("certificate").put("rawBytes", certDerB64);
    ObjectNode entry = vm.putArray("tlogEntries").addObject();
    entry.put("logIndex", Long.toString(index));
    entry.putObject("logId").put("keyId", B64.encodeToString(
        MessageDigest.getInstance("SHA-256").digest(d.sigstore.rekorKey().getPublic().getEncoded())));
    entry.putObject("kindVersion").put("kind", kv[0]).put("version", kv[1]);
    entry.set("inclusionProof", d.log.inclusionProof(index));
    entry.put("canonicalizedBody", B64.encodeToString(bodyBytes));
    if (kv[1].equals("0.0.2")) {
      // Rekor v2: no integrated time (protobuf JSON omits the 0), no promise; the time comes from a TSA
      vm.putObject("timestampVerificationData").putArray("rfc3161Timestamps").addObject()
          .put("signedTimestamp", B64.encodeToString(d.tsa.stamp(sig, TestSigstore.INTEGRATED.plusSeconds(1))));
    } else {
      // Rekor v1: the integrated time, signed by the log in the inclusion promise (SignedEntryTimestamp)
      long integrated = TestSigstore.INTEGRATED.getEpochSecond();
      entry.put("integratedTime", Long.toString(integrated));
      String logIdHex = HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(d.sigstore.rekorKey().getPublic().getEncoded()));
      byte[] canonical = ("{\"body\":\"" + B64.encodeToString(bodyBytes) + "\",\"integratedTime\":" + integrated
          + ",\"logID\":\"" + logIdHex + "\",\"logIndex\":" + index + "}").getBytes(StandardCharsets.UTF_8);
      entry.putObject("inclusionPromise").put("signedEntryTimestamp",
          B64.encodeToString(TestSigstore.sign(d.sigstore.rekorKey().getPrivate(), canonical)));
    }
    return b;
  }

  private static void check(ObjectNode bundle, Deployment d) {
    TlogEntryRules.check(bundle, TlogEntryBodies.sha256(ARTIFACT), d.root, NOW);
  }

  private static ObjectNode entry(ObjectNode bundle) {
    return (ObjectNode) bundle.path("verificationMaterial").path("tlogEntries").get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"hashedrekord 0.0.1", "hashedrekord 0.0.2", "hashedrekord 0.0.2 over dsse", "dsse 0.0.1",
      "dsse 0.0.2", "intoto 0.0.1", "intoto 0.0.2"})
  void everyEntryKindIsCheckedAgainstTheBundle(String kind) throws Exception {
    Deployment d = new Deployment();
    ObjectNode good = bundle(d, kind, b -> {});
    assertThatCode(() -> check(good, d)).doesNotThrowAnyException();

    // another leaf of the same CA signs the same content: the entry records another certificate / signature
    Deployment other = new Deployment();
    ObjectNode otherBundle = bundle(other, kind, b -> {});
    ObjectNode mixed = good.deepCopy();
    mixed.set("verificationMaterial", otherBundle.path("verificationMaterial").deepCopy());
    assertThatThrownBy(() -> check(mixed, d)).isInstanceOf(VerificationException.class);

    // the artifact is another one (message signatures) or the payload differs (DSSE)
    if (good.has("messageSignature")) {
      assertThatThrownBy(() -> TlogEntryRules.check(good, TlogEntryBodies.sha256("other".getBytes(StandardCharsets.UTF_8)), d.root, NOW))
          .hasMessageContaining("records the digest");
    } else {
      ObjectNode otherPayload = good.deepCopy();
      ((ObjectNode) otherPayload.path("dsseEnvelope")).put("payload", B64.encodeToString("{}".getBytes(StandardCharsets.UTF_8)));
      assertThatThrownBy(() -> check(otherPayload, d)).isInstanceOf(VerificationException.class)
          .hasMessageContaining(kind.startsWith("hashedrekord") ? "PAE" : "another payload");
    }

    // the kind the entry claims is not its body's
    ObjectNode lying = good.deepCopy();
    ((ObjectNode) entry(lying).path("kindVersion")).put("version", kind.contains("0.0.1") ? "0.0.2" : "0.0.1");
    assertThatThrownBy(() -> check(lying, d)).hasMessageContaining("but its body is");

    // a tampered inclusion proof, checkpoint or body
    ObjectNode badPath = good.deepCopy();
    ArrayNode hashes = (ArrayNode) entry(badPath).path("inclusionProof").path("hashes");
    byte[] h = Base64.getDecoder().decode(hashes.get(1).asText());
    h[0] ^= 1;
    hashes.set(1, B64.encodeToString(h));
    assertThatThrownBy(() -> check(badPath, d)).hasMessageContaining("does not lead to the tree's root hash");

    ObjectNode forged = good.deepCopy();
    TestLog fake = new TestLog(d.log.origin, TestSigstore.ecKey());
    ((ObjectNode) entry(forged).path("inclusionProof").path("checkpoint")).put("envelope", fake.checkpoint(
        d.log.leaves.size(), d.log.root(), fake.key));
    assertThatThrownBy(() -> check(forged, d)).hasMessageContaining("is not signed by the log's key");

    ObjectNode otherTree = good.deepCopy();
    ((ObjectNode) entry(otherTree).path("inclusionProof").path("checkpoint")).put("envelope",
        d.log.checkpoint(d.log.leaves.size() + 1, d.log.root(), d.log.key));
    assertThatThrownBy(() -> check(otherTree, d)).hasMessageContaining("checkpoint is for another tree");

    ObjectNode noProof = good.deepCopy();
    entry(noProof).remove("inclusionProof");
    entry(noProof).remove("inclusionPromise");
    assertThatThrownBy(() -> check(noProof, d)).hasMessageContaining("has no inclusion proof, which bundles from v0.2 on must carry");
    noProof.put("mediaType", "application/vnd.dev.sigstore.bundle+json;version=0.1");
    assertThatThrownBy(() -> check(noProof, d)).hasMessageContaining("neither an inclusion proof nor an inclusion promise");

    // nothing authenticates the time: a v2 entry without its signed timestamp, a v1 entry without its promise
    ObjectNode untimed = good.deepCopy();
    ((ObjectNode) untimed.path("verificationMaterial")).remove("timestampVerificationData");
    entry(untimed).remove("inclusionPromise");
    assertThatThrownBy(() -> check(untimed, d)).isInstanceOf(VerificationException.class)
        .hasMessageContaining("has no signed integrated time")
        .hasMessageContaining(kind.contains("0.0.2") ? "integratedTime 0" : "no inclusion promise signs it");
    // the signed timestamp of another signature, or from a TSA the root does not list
    if (kind.contains("0.0.2")) {
      ObjectNode otherStamp = good.deepCopy();
      ((ObjectNode) otherStamp.path("verificationMaterial").path("timestampVerificationData").path("rfc3161Timestamps").get(0))
          .put("signedTimestamp", B64.encodeToString(d.tsa.stamp(new byte[] {1, 2, 3}, TestSigstore.INTEGRATED)));
      assertThatThrownBy(() -> check(otherStamp, d)).hasMessageContaining("signed timestamp 1 of the bundle does not verify");
      ObjectNode foreign = good.deepCopy();
      TestTsa stranger = new TestTsa("stranger");
      byte[] sig = Base64.getDecoder().decode(foreign.has("messageSignature")
          ? foreign.path("messageSignature").path("signature").asText()
          : foreign.path("dsseEnvelope").path("signatures").get(0).path("sig").asText());
      ((ObjectNode) foreign.path("verificationMaterial").path("timestampVerificationData").path("rfc3161Timestamps").get(0))
          .put("signedTimestamp", B64.encodeToString(stranger.stamp(sig, TestSigstore.INTEGRATED)));
      assertThatThrownBy(() -> check(foreign, d)).hasMessageContaining("does not verify against the timestamp authorities");
    }
  }

  @Test
  void unknownKindsAndMismatchedContentAreRefused() throws Exception {
    Deployment d = new Deployment();
    ObjectNode rekord = bundle(d, "hashedrekord 0.0.1", b -> b.put("kind", "rekord"));
    ((ObjectNode) entry(rekord).path("kindVersion")).put("kind", "rekord");
    assertThatThrownBy(() -> check(rekord, d)).hasMessageContaining("is not one airlock checks");
    ObjectNode dsseForMessage = bundle(d, "dsse 0.0.1", b -> {});
    dsseForMessage.remove("dsseEnvelope");
    dsseForMessage.putObject("messageSignature").put("signature", B64.encodeToString(new byte[8]));
    assertThatThrownBy(() -> check(dsseForMessage, d)).hasMessageContaining("the bundle holds a message signature");
    ObjectNode twoSigs = bundle(d, "dsse 0.0.2", b -> {
      ArrayNode sigs = (ArrayNode) b.path("spec").path("dsseV002").path("signatures");
      sigs.add(sigs.get(0).deepCopy());
    });
    assertThatThrownBy(() -> check(twoSigs, d)).hasMessageContaining("other signatures than the envelope's");
    ObjectNode none = bundle(d, "hashedrekord 0.0.1", b -> {});
    ((ObjectNode) none.path("verificationMaterial")).putArray("tlogEntries");
    assertThatThrownBy(() -> check(none, d)).hasMessageContaining("no transparency log entry");
  }

  // ---- the shared public-good bundles ----

  @ParameterizedTest
  @ValueSource(strings = {"bundle.v3.sigstore", "bundle.v3_1.sigstore", "bundle.dsse.sigstore", "bundle-with-timestamp.sigstore",
      "oci-attestation.sigstore.json"})
  void sharedBundlesPassAirlocksOwnEntryChecksAndTamperingFails(String name) throws Exception {
    byte[] art = TlogEntryBodies.sha256(Files.readAllBytes(SharedTestData.sigstore("bundles/artifact.txt")));
    TrustRoot root = TrustRoot.load(SharedTestData.sigstore(name.startsWith("oci")
        ? "bundles/oci-attestation.trusted_root.json" : "bundles/trusted_root.json"), null);
    ObjectNode b = (ObjectNode) Json.tree(Files.readAllBytes(SharedTestData.sigstore("bundles/" + name)), name);
    Instant now = Instant.parse("2026-06-01T00:00:00Z");
    if (name.startsWith("bundle-with-timestamp")) {
      // signed by another instance than the public-good root's: its log is not in that root
      assertThatThrownBy(() -> TlogEntryRules.check(b, art, root, now)).hasMessageContaining("does not list");
      return;
    }
    TlogEntryRules.check(b, art, root, now);
    ObjectNode e = entry(b);
    assertThat(e.path("inclusionProof").path("checkpoint").path("envelope").asText()).contains("\n\n\u2014 ");

    ObjectNode path = b.deepCopy();
    ArrayNode hashes = (ArrayNode) entry(path).path("inclusionProof").path("hashes");
    byte[] h = Base64.getDecoder().decode(hashes.get(0).asText());
    h[31] ^= 0x40;
    hashes.set(0, B64.encodeToString(h));
    assertThatThrownBy(() -> TlogEntryRules.check(path, art, root, now)).hasMessageContaining("does not lead to the tree's root hash");

    ObjectNode cp = b.deepCopy();
    ObjectNode cpNode = (ObjectNode) entry(cp).path("inclusionProof").path("checkpoint");
    String note = cpNode.path("envelope").asText();
    int sigStart = note.lastIndexOf(' ') + 1;
    byte[] sig = Base64.getDecoder().decode(note.substring(sigStart).trim());
    sig[sig.length - 1] ^= 1;
    cpNode.put("envelope", note.substring(0, sigStart) + B64.encodeToString(sig) + "\n");
    assertThatThrownBy(() -> TlogEntryRules.check(cp, art, root, now)).hasMessageContaining("is not signed by the log's key");

    ObjectNode body = b.deepCopy();
    JsonNode parsed = Json.tree(Base64.getDecoder().decode(entry(body).path("canonicalizedBody").asText()), "body");
    ObjectNode changed = parsed.deepCopy();
    if (changed.path("kind").asText().equals("hashedrekord")) {
      ((ObjectNode) changed.path("spec").path("data").path("hash")).put("value", "00".repeat(32));
    } else {
      ((ObjectNode) changed.path("spec").path("payloadHash")).put("value", "00".repeat(32));
    }
    entry(body).put("canonicalizedBody", B64.encodeToString(Json.write(changed)));
    assertThatThrownBy(() -> TlogEntryRules.check(body, art, root, now)).isInstanceOf(VerificationException.class);
  }
}
