package dev.airlock.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.VerificationException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.keys.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receipt file: deterministic bytes, read back exactly, signatures checked, malformed files refused. */
class ReceiptFormatTest {
  @TempDir Path tmp;
  static final Instant T = Instant.parse("2026-12-02T10:00:00Z");

  static Digest d(int i) {
    return Digest.sha256(("blob " + i).getBytes(StandardCharsets.UTF_8));
  }

  Path write(SigningKey key, String name, int blobs) throws Exception {
    try (DigestInventory inv = DigestInventory.create()) {
      for (int i = blobs - 1; i >= 0; i--) { // any order in, sorted out
        inv.addBlob(d(i), 1000 + i, i % 2 == 0 ? "team/app" : "library/base");
      }
      inv.addManifest(d(-1), 500);
      inv.addManifest(d(-2), 600);
      inv.addTag("team/app", "1.0", d(-1));
      inv.addTag("library/base", "latest", d(-2));
      inv.addTag("team/app", "0.9", d(-2));
      return ReceiptWriter.write(inv, "127.0.0.1:5000", T, "airlock test", key, tmp.resolve(name)).file();
    }
  }

  @Test
  void writtenDeterministicallyAndReadBackWithEveryEntry() throws Exception {
    SigningKey key = SigningKey.generate();
    Path a = write(key, "a.json", 50);
    Path b = write(key, "b.json", 50);
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b)); // RFC 6979: the same bytes, signed too
    JsonNode env = Json.tree(Files.readAllBytes(a), "receipt");
    String payload = new String(Base64.getDecoder().decode(env.path("payload").asText()), StandardCharsets.UTF_8);
    assertThat(payload).startsWith("{\"receiptFormatVersion\":2,\"target\":\"127.0.0.1:5000\",\"created\":\"2026-12-02T10:00:00Z\"")
        .contains("\"repositories\":[{\"name\":\"library/base\",\"tags\":{\"latest\":\"" + d(-2) + "\"}},"
            + "{\"name\":\"team/app\",\"tags\":{\"0.9\":\"" + d(-2) + "\",\"1.0\":\"" + d(-1) + "\"}}]");
    try (Receipt r = Receipt.read(a)) {
      assertThat(r.header().target()).isEqualTo("127.0.0.1:5000");
      assertThat(r.header().created()).isEqualTo("2026-12-02T10:00:00Z");
      assertThat(r.header().blobs()).isEqualTo(50);
      assertThat(r.header().blobBytes()).isEqualTo(50 * 1000 + 49 * 50 / 2);
      assertThat(r.header().repositories()).isEqualTo(2);
      assertThat(r.header().tags()).isEqualTo(3);
      assertThat(r.inventory().blobSize(d(7))).hasValue(1007);
      assertThat(payload).contains("[\"" + d(7) + "\",1007,\"library/base\"]");
      assertThat(r.inventory().blobRepository(d(7))).hasValue("library/base");
      assertThat(r.inventory().blobRepository(d(8))).hasValue("team/app");
      assertThat(r.inventory().blobRepository(d(50))).isEmpty();
      assertThat(r.inventory().blobSize(d(50))).isEmpty();
      assertThat(r.inventory().manifestSize(d(-1))).hasValue(500);
      assertThat(r.digest()).isEqualTo(Digest.sha256(Files.readAllBytes(a)));
      assertThat(ReceiptTrust.check(r, List.of(key.publicKey()), false)).startsWith("signed by key ");
      // a signed receipt with no key to check it is used only when told to
      assertThatThrownBy(() -> ReceiptTrust.check(r, List.of(), false)).isInstanceOf(VerificationException.class)
          .hasMessageContaining("is signed").hasMessageContaining("--receipt-key");
      // another key: refused
      assertThatThrownBy(() -> ReceiptTrust.check(r, List.of(SigningKey.generate().publicKey()), false))
          .isInstanceOf(VerificationException.class).hasMessageContaining("not signed by the key given");
    }
  }

  @Test
  void aTamperedPayloadFailsTheSignature() throws Exception {
    SigningKey key = SigningKey.generate();
    Path a = write(key, "a.json", 5);
    ObjectNode env = (ObjectNode) Json.tree(Files.readAllBytes(a), "receipt");
    String payload = new String(Base64.getDecoder().decode(env.path("payload").asText()), StandardCharsets.UTF_8);
    String forged = payload.replace("\"" + d(3) + "\",1003,", "\"" + d(3) + "\",1004,").replace("\"blobBytes\":5010",
        "\"blobBytes\":5011");
    assertThat(forged).isNotEqualTo(payload);
    env.put("payload", Base64.getEncoder().encodeToString(forged.getBytes(StandardCharsets.UTF_8)));
    Path tampered = tmp.resolve("tampered.json");
    Files.write(tampered, Json.write(env));
    try (Receipt r = Receipt.read(tampered)) {
      assertThat(r.inventory().blobSize(d(3))).hasValue(1004);
      assertThatThrownBy(() -> ReceiptTrust.check(r, List.of(key.publicKey()), false))
          .isInstanceOf(VerificationException.class).hasMessageContaining("tampered with, or signed by another key");
    }
  }

  @Test
  void unsignedNeedsToBeAccepted() throws Exception {
    Path a = write(null, "u.json", 3);
    try (Receipt r = Receipt.read(a)) {
      assertThat(r.signatures()).isEmpty();
      assertThatThrownBy(() -> ReceiptTrust.check(r, List.of(), false)).isInstanceOf(VerificationException.class)
          .hasMessageContaining("is not signed").hasMessageContaining("--allow-unsigned-receipt");
      assertThat(ReceiptTrust.check(r, List.of(), true)).startsWith("unsigned");
      assertThatThrownBy(() -> ReceiptTrust.check(r, List.of(SigningKey.generate().publicKey()), false))
          .isInstanceOf(VerificationException.class).hasMessageContaining("is not signed");
    }
  }

  @Test
  void malformedReceiptsAreRefusedInOneLine() throws Exception {
    Path a = write(null, "u.json", 3);
    String payload = payloadOf(a);
    assertRefused(payload.replace("\"receiptFormatVersion\":2", "\"receiptFormatVersion\":3"),
        "receipt format version 3 is newer than this airlock reads (2)");
    // format 1 lists [digest, size]: a repository in it is refused; format 2 without repositories reads
    assertRefused(payload.replace("\"receiptFormatVersion\":2", "\"receiptFormatVersion\":1"),
        "a receipt of format version 1 lists blobs as [digest, size], not [digest, size, repository]");
    assertRefused(payload.replace(",\"team/app\"]", ",\"\"]"), "names an empty repository");
    assertRefused(payload.replace(",\"team/app\"]", ",\"team/app\",7]"), "is not [digest, size] nor [digest, size, repository]");
    assertRefused(payload.replace("\"blobs\":3", "\"blobs\":4"), "the totals do not match");
    // the first two blobs swapped: not sorted
    String blobs = payload.substring(payload.indexOf("\"blobs\":["));
    String first = blobs.substring(blobs.indexOf('[', 9), blobs.indexOf(']') + 1);
    String rest = blobs.substring(blobs.indexOf(']') + 2);
    String second = rest.substring(0, rest.indexOf(']') + 1);
    assertRefused(payload.replace(first + "," + second, second + "," + first), "is not sorted");
    assertRefused(payload.replace("\"tool\"", "\"tooling\""), "lacks one of");
    Path other = tmp.resolve("other.json");
    Files.write(other, Json.write(new Dsse("application/vnd.in-toto+json", "{}".getBytes(), List.of()).toJson()));
    assertThatThrownBy(() -> Receipt.read(other)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("is not application/vnd.airlock.receipt.v1+json");
    Path notJson = tmp.resolve("garbage.json");
    Files.writeString(notJson, "{\"payloadType\": nope");
    assertThatThrownBy(() -> Receipt.read(notJson)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("is not valid JSON");
    assertThatThrownBy(() -> Receipt.read(tmp.resolve("absent.json"))).hasMessageContaining("does not exist");
  }

  private String payloadOf(Path f) throws Exception {
    JsonNode env = Json.tree(Files.readAllBytes(f), "receipt");
    return new String(Base64.getDecoder().decode(env.path("payload").asText()), StandardCharsets.UTF_8);
  }

  private void assertRefused(String payload, String message) throws Exception {
    Path f = tmp.resolve("bad.json");
    Files.write(f, Json.write(new Dsse(ReceiptFormat.PAYLOAD_TYPE, payload.getBytes(StandardCharsets.UTF_8), List.of())
        .toJson()));
    assertThatThrownBy(() -> Receipt.read(f).close()).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(message).hasMessageNotContaining("\n");
  }
}
