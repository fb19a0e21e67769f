package dev.airlock.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Json;
import dev.airlock.progress.TerminalProgress;
import dev.airlock.receipt.Receipt;
import dev.airlock.verify.keys.PublicKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code airlock audit RECEIPT}: what a receipt says its target holds (target, time, totals, each repository's
 * tags), who signed it and, with {@code --key}, whether that verifies (exit 3 when it does not). Blobs and
 * manifests are counted, not listed.
 */
final class ReceiptAudit {
  private ReceiptAudit() {}

  static int print(Path file, List<Path> keyFiles, boolean json, PrintWriter out) throws IOException {
    List<PublicKey> keys = new ArrayList<>();
    for (Path k : keyFiles) {
      keys.add(PublicKeys.load(k));
    }
    try (Receipt r = Receipt.read(file)) {
      Receipt.Header h = r.header();
      Boolean verified = keys.isEmpty() ? null : r.verifiedBy(keys).isPresent();
      List<String> signers = r.signatures().stream().map(s -> s.keyId().isEmpty() ? "(no key id)"
          : s.keyId().substring(0, Math.min(12, s.keyId().length()))).toList();
      String signature = signers.isEmpty() ? "none (unsigned: bundle --since needs --allow-unsigned-receipt)"
          : "signed by key " + String.join(", ", signers) + (verified == null ? " (not verified: give --key PUB to check it)"
              : verified ? ": verified with " + keyFiles.get(0) + (keyFiles.size() > 1 ? " (or another key given)" : "")
              : ": does NOT verify with the key(s) given");
      if (json) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("receipt", file.toString());
        n.put("digest", r.digest().toString());
        n.put("receiptFormatVersion", h.version());
        n.put("target", h.target());
        n.put("created", h.created());
        n.put("tool", h.tool());
        ObjectNode t = n.putObject("totals");
        t.put("repositories", h.repositories());
        t.put("tags", h.tags());
        t.put("manifests", h.manifests());
        t.put("blobs", h.blobs());
        t.put("blobBytes", h.blobBytes());
        ArrayNode sigs = n.putArray("signatures");
        r.signatures().forEach(s -> sigs.addObject().put("keyid", s.keyId()));
        if (verified != null) {
          n.put("verified", verified);
        }
        ArrayNode repos = n.putArray("repositories");
        ObjectNode[] current = {null};
        r.inventory().forEachTag(tag -> {
          if (current[0] == null || !current[0].path("name").asText().equals(tag.repository())) {
            current[0] = repos.addObject();
            current[0].put("name", tag.repository());
            current[0].putObject("tags");
          }
          ((ObjectNode) current[0].get("tags")).put(tag.tag(), tag.digest().toString());
        });
        out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(n));
      } else {
        out.println("receipt of " + h.target() + ", taken " + h.created() + " by " + h.tool() + " (receipt format "
            + h.version() + ")");
        out.println("sha256:       " + r.digest().hex());
        out.println("signature:    " + signature);
        out.println("holds:        " + h.repositories() + " repositories, " + h.tags() + " tags, " + h.manifests()
            + " manifests, " + h.blobs() + " blobs (" + h.blobBytes() + " bytes, " + TerminalProgress.human(h.blobBytes())
            + ")");
        String[] current = {null};
        r.inventory().forEachTag(tag -> {
          if (!tag.repository().equals(current[0])) {
            current[0] = tag.repository();
            out.println();
            out.println("repository " + tag.repository());
          }
          out.println("  " + tag.tag() + "  " + tag.digest());
        });
      }
      out.flush();
      return Boolean.FALSE.equals(verified) ? ExitCodes.VERIFICATION_FAILED : ExitCodes.OK;
    }
  }
}
