package dev.airlock.receipt;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.airlock.files.NonClosingOutputStream;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.dsse.Dsse;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * Writes a receipt from an inventory: the payload (deterministic JSON, streamed from the inventory's sorted
 * rows into a temporary file), then the DSSE envelope around it (the payload base64-encoded as it streams,
 * signed with {@code key} when one is given), to a temporary file renamed into place.
 */
public final class ReceiptWriter {
  private ReceiptWriter() {}

  /** What was written: the file, its sha256, and the counts. */
  public record Written(Path file, Digest digest, long size, long repositories, long tags, long manifests, long blobs,
      long blobBytes, String keyId) {
    public String summary() {
      return repositories + " repositories, " + tags + " tags, " + manifests + " manifests, " + blobs + " blobs ("
          + blobBytes + " bytes); " + (keyId == null ? "unsigned" : "signed with key " + keyId.substring(0, 12))
          + "; sha256 " + digest.hex();
    }
  }

  public static Written write(DigestInventory inv, String target, Instant created, String tool, SigningKey key,
      Path out) throws IOException {
    inv.flush();
    Path dir = out.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path payload = Files.createTempFile(dir, ".receipt-payload-", ".json");
    Path envelope = Files.createTempFile(dir, ".receipt-", ".partial");
    try {
      writePayload(inv, target, created, tool, payload);
      long length = Files.size(payload);
      String keyId = null;
      byte[] sig = null;
      if (key != null) {
        try (InputStream pae = pae(payload, length)) {
          sig = key.sign(pae);
        }
        keyId = PublicKeys.keyId(key.publicKey());
      }
      MessageDigest sha = Digest.Algorithm.SHA256.newMessageDigest();
      try (OutputStream fileOut = Files.newOutputStream(envelope);
          OutputStream o = new DigestOutputStream(new java.io.BufferedOutputStream(fileOut, 64 * 1024), sha)) {
        o.write(("{\"payloadType\":\"" + ReceiptFormat.PAYLOAD_TYPE + "\",\"payload\":\"")
            .getBytes(StandardCharsets.UTF_8));
        OutputStream b64 = Base64.getEncoder().wrap(new NonClosingOutputStream(o));
        Files.copy(payload, b64);
        b64.close(); // writes the final padding, leaves o open
        o.write("\",\"signatures\":[".getBytes(StandardCharsets.UTF_8));
        if (sig != null) {
          o.write(Json.write(new Dsse(ReceiptFormat.PAYLOAD_TYPE, new byte[0],
              java.util.List.of(new Dsse.Signature(keyId, sig))).toJson().get("signatures").get(0)));
        }
        o.write("]}\n".getBytes(StandardCharsets.UTF_8));
      }
      long size = Files.size(envelope);
      try { // temp files are owner-only; a receipt is published like any written file
        Files.setPosixFilePermissions(envelope, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
      Files.move(envelope, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Written(out, Digest.of(Digest.Algorithm.SHA256, sha.digest()), size, inv.repositoryCount(),
          inv.tagCount(), inv.manifestCount(), inv.blobCount(), inv.blobBytes(), keyId);
    } finally {
      Files.deleteIfExists(payload);
      Files.deleteIfExists(envelope);
    }
  }

  /** The DSSE pre-authentication encoding of a payload held in a file, as a stream. */
  static InputStream pae(Path payload, long length) throws IOException {
    byte[] type = ReceiptFormat.PAYLOAD_TYPE.getBytes(StandardCharsets.UTF_8);
    byte[] head = ("DSSEv1 " + type.length + " " + ReceiptFormat.PAYLOAD_TYPE + " " + length + " ")
        .getBytes(StandardCharsets.UTF_8);
    return new SequenceInputStream(new ByteArrayInputStream(head),
        new java.io.BufferedInputStream(Files.newInputStream(payload), 64 * 1024));
  }

  private static void writePayload(DigestInventory inv, String target, Instant created, String tool, Path file)
      throws IOException {
    try (OutputStream o = Files.newOutputStream(file);
        JsonGenerator g = Json.MAPPER.getFactory().createGenerator(o, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeNumberField(ReceiptFormat.VERSION_FIELD, ReceiptFormat.FORMAT_VERSION);
      g.writeStringField("target", target);
      g.writeStringField("created", DateTimeFormatter.ISO_INSTANT.format(created.truncatedTo(ChronoUnit.SECONDS)));
      g.writeStringField("tool", tool);
      g.writeObjectFieldStart("totals");
      g.writeNumberField("repositories", inv.repositoryCount());
      g.writeNumberField("tags", inv.tagCount());
      g.writeNumberField("manifests", inv.manifestCount());
      g.writeNumberField("blobs", inv.blobCount());
      g.writeNumberField("blobBytes", inv.blobBytes());
      g.writeEndObject();
      g.writeArrayFieldStart("repositories");
      String[] current = {null};
      inv.forEachTag(t -> {
        if (!t.repository().equals(current[0])) {
          if (current[0] != null) {
            g.writeEndObject();
            g.writeEndObject();
          }
          current[0] = t.repository();
          g.writeStartObject();
          g.writeStringField("name", t.repository());
          g.writeObjectFieldStart("tags");
        }
        g.writeStringField(t.tag(), t.digest().toString());
      });
      if (current[0] != null) {
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("manifests");
      inv.forEachManifest(e -> entry(g, e));
      g.writeEndArray();
      g.writeArrayFieldStart("blobs");
      inv.forEachBlob(e -> entry(g, e));
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  private static void entry(JsonGenerator g, DigestInventory.Entry e) throws IOException {
    g.writeStartArray();
    g.writeString(e.digest().toString());
    g.writeNumber(e.size());
    if (e.repository() != null) { // format 2: one repository of the target holding the blob
      g.writeString(e.repository());
    }
    g.writeEndArray();
  }
}
