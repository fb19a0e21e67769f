package dev.airlock.verify.sigstore;

import dev.airlock.VerificationException;
import dev.airlock.verify.keys.PublicKeys;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * A transparency log checkpoint in the signed note format (C2SP tlog-checkpoint and signed-note), as Rekor
 * v1 and v2 write it into a bundle's inclusion proof: a body of the log's origin line, the tree size in
 * decimal, the base64 root hash and optional extension lines, then a blank line and one or more signature
 * lines {@code "\u2014 NAME BASE64(keyHint[4] || signature)"}. The body (through its last newline) is what
 * the log key signs.
 */
public record Checkpoint(String origin, long size, byte[] rootHash, byte[] body, List<NoteSignature> signatures) {
  /** One signature line: the signer's name, the 4-byte key hint and the signature bytes. */
  public record NoteSignature(String name, byte[] keyHint, byte[] signature) {}

  /** A note larger than this is not a checkpoint. */
  static final int MAX_NOTE = 1 << 16;
  static final int MAX_SIGNATURES = 100;
  private static final String DASH = "\u2014 ";

  /** Parses a signed checkpoint note; a malformed one is refused. */
  public static Checkpoint parse(String note) {
    if (note == null || note.isEmpty()) {
      throw new VerificationException("the inclusion proof has no checkpoint");
    }
    if (note.length() > MAX_NOTE) {
      throw new VerificationException("the checkpoint is longer than " + MAX_NOTE + " characters");
    }
    int split = note.indexOf("\n\n");
    if (split < 0 || !note.endsWith("\n")) {
      throw new VerificationException("the checkpoint is not a signed note (no blank line before its signatures,"
          + " or no final newline)");
    }
    String bodyText = note.substring(0, split + 1);
    String[] lines = bodyText.split("\n", -1);
    // lines ends with "" after the final newline of the body
    if (lines.length < 4 || lines[0].isEmpty()) {
      throw new VerificationException("the checkpoint body must have an origin, a tree size and a root hash");
    }
    long size;
    try {
      if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
        throw new NumberFormatException(lines[1]);
      }
      size = Long.parseLong(lines[1]);
    } catch (NumberFormatException e) {
      throw new VerificationException("the checkpoint's tree size '" + lines[1] + "' is not a decimal number");
    }
    byte[] root = base64(lines[2], "root hash");
    List<NoteSignature> sigs = new ArrayList<>();
    for (String line : note.substring(split + 2).split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      if (!line.startsWith(DASH) || sigs.size() >= MAX_SIGNATURES) {
        throw new VerificationException("the checkpoint has a malformed signature line");
      }
      String rest = line.substring(DASH.length());
      int sp = rest.lastIndexOf(' ');
      if (sp <= 0) {
        throw new VerificationException("the checkpoint has a signature line without a name");
      }
      byte[] raw = base64(rest.substring(sp + 1), "signature");
      if (raw.length <= 4) {
        throw new VerificationException("the checkpoint has a signature line too short to hold a signature");
      }
      sigs.add(new NoteSignature(rest.substring(0, sp), Arrays.copyOf(raw, 4), Arrays.copyOfRange(raw, 4, raw.length)));
    }
    if (sigs.isEmpty()) {
      throw new VerificationException("the checkpoint is not signed");
    }
    return new Checkpoint(lines[0], size, root, bodyText.getBytes(StandardCharsets.UTF_8), List.copyOf(sigs));
  }

  /**
   * True when one of the signature lines verifies over the body with {@code logKey}. The key hint is not
   * relied on (logs derive it differently); each line is tried against the key.
   */
  public boolean signedBy(PublicKey logKey) {
    for (NoteSignature s : signatures) {
      if (PublicKeys.verify(logKey, body, s.signature())) {
        return true;
      }
    }
    return false;
  }

  private static byte[] base64(String s, String what) {
    try {
      return Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new VerificationException("the checkpoint's " + what + " is not base64");
    }
  }
}
