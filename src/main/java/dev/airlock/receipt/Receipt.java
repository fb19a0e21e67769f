package dev.airlock.receipt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import dev.airlock.oci.Json;
import dev.airlock.verify.keys.PublicKeys;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A receipt read from its file: the envelope's signatures, the payload's header (target, time, tool, totals)
 * and its digest sets loaded into a {@link DigestInventory} (on disk). The file is read as a stream, once; the
 * payload is kept in a temporary file for the signature check. Anything malformed (not a DSSE envelope, another
 * payload type, a newer version, unsorted or duplicate entries, totals that do not add up) is a one-line
 * {@link InvalidInputException} naming the file. Close to delete the temporary files.
 */
public final class Receipt implements Closeable {
  /** The header of the payload. */
  public record Header(int version, String target, String created, String tool, long repositories, long tags,
      long manifests, long blobs, long blobBytes) {}

  /** A signature of the envelope. */
  public record Signature(String keyId, byte[] sig) {}

  private final Path file;
  private final Digest digest;
  private final Header header;
  private final List<Signature> signatures;
  private final DigestInventory inventory;
  private final Path payload;
  private final long payloadLength;

  private Receipt(Path file, Digest digest, Header header, List<Signature> signatures, DigestInventory inventory,
      Path payload, long payloadLength) {
    this.file = file;
    this.digest = digest;
    this.header = header;
    this.signatures = List.copyOf(signatures);
    this.inventory = inventory;
    this.payload = payload;
    this.payloadLength = payloadLength;
  }

  public Path file() {
    return file;
  }

  /** The sha256 of the receipt file as read (what a delta bundle records it by). */
  public Digest digest() {
    return digest;
  }

  public Header header() {
    return header;
  }

  public List<Signature> signatures() {
    return signatures;
  }

  public DigestInventory inventory() {
    return inventory;
  }

  /** For messages: {@code receipt week1.receipt.json (target 127.0.0.1:5000, 2026-12-02T10:00:00Z)}. */
  public String describe() {
    return "receipt " + file + " (target " + header.target() + ", " + header.created() + ")";
  }

  /** The id of the first key of {@code keys} one of the signatures verifies with, if any. */
  public Optional<String> verifiedBy(List<PublicKey> keys) throws IOException {
    for (PublicKey k : keys) {
      for (Signature s : signatures) {
        try (InputStream pae = ReceiptWriter.pae(payload, payloadLength)) {
          if (PublicKeys.verify(k, pae, s.sig())) {
            return Optional.of(PublicKeys.keyId(k));
          }
        }
      }
    }
    return Optional.empty();
  }

  /** True when the file starts as a receipt does (a DSSE envelope of the receipt payload type). */
  public static boolean looksLikeReceipt(Path file) {
    if (!Files.isRegularFile(file)) {
      return false;
    }
    byte[] head = new byte[256];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      return false;
    }
    String s = new String(head, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    return s.startsWith("{") && s.contains(ReceiptFormat.PAYLOAD_TYPE);
  }

  /** Reads and checks the structure of a receipt file (signatures are checked by {@link ReceiptTrust}). */
  public static Receipt read(Path file) throws IOException {
    String what = "receipt " + file;
    // a regular file (never a device or a pipe) of at most the cap, then streamed
    dev.airlock.files.BoundedFile.regularFile(file, ReceiptFormat.MAX_FILE_BYTES, "receipt");
    Path payload = Files.createTempFile("airlock-receipt-", ".json");
    DigestInventory inv = null;
    try {
      MessageDigest sha = Digest.Algorithm.SHA256.newMessageDigest();
      String payloadType = null;
      boolean sawPayload = false;
      List<Signature> sigs = null;
      try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha);
          JsonParser p = Json.MAPPER.getFactory().createParser(in)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw new InvalidInputException(what + " is not a DSSE envelope (a JSON object)");
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken t = p.nextToken();
          switch (name) {
            case "payloadType" -> payloadType = p.getValueAsString();
            case "payload" -> {
              if (t != JsonToken.VALUE_STRING) {
                throw new InvalidInputException(what + ": the envelope's payload is not a string");
              }
              try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(payload))) {
                p.readBinaryValue(com.fasterxml.jackson.core.Base64Variants.MIME_NO_LINEFEEDS, o);
              }
              sawPayload = true;
            }
            case "signatures" -> sigs = signatures(p.readValueAsTree(), what);
            default -> p.skipChildren();
          }
        }
        in.transferTo(OutputStream.nullOutputStream()); // the digest covers every byte of the file
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new InvalidInputException(what + " is not valid JSON: " + Json.firstLine(e.getOriginalMessage()));
      }
      if (!sawPayload || sigs == null) {
        throw new InvalidInputException(what + " is not a DSSE envelope (payloadType, payload, signatures)");
      }
      if (!ReceiptFormat.PAYLOAD_TYPE.equals(payloadType)) {
        throw new InvalidInputException(what + ": payload type '" + payloadType + "' is not " + ReceiptFormat.PAYLOAD_TYPE
            + " (is it a receipt?)");
      }
      inv = DigestInventory.create();
      Header h = PayloadReader.read(payload, inv, what);
      return new Receipt(file, Digest.of(Digest.Algorithm.SHA256, sha.digest()), h, sigs, inv, payload,
          Files.size(payload));
    } catch (IOException | RuntimeException | Error e) {
      if (inv != null) {
        inv.close();
      }
      Files.deleteIfExists(payload);
      throw e;
    }
  }

  private static List<Signature> signatures(JsonNode n, String what) {
    if (n == null || !n.isArray()) {
      throw new InvalidInputException(what + ": the envelope's signatures are not a list");
    }
    List<Signature> out = new ArrayList<>();
    for (JsonNode s : n) {
      try {
        out.add(new Signature(s.path("keyid").asText(""), Base64.getDecoder().decode(s.path("sig").asText(""))));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(what + ": a signature is not base64");
      }
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    inventory.close();
    Files.deleteIfExists(payload);
  }
}
