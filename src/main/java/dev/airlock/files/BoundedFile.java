package dev.airlock.files;

import dev.airlock.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one way airlock reads a small file whole (keys, policies, specs, certificates, trust roots, lock files,
 * receipts): only a regular file (never a device, a FIFO or a directory, so {@code /dev/zero} as a key is a
 * one-line error), never more than a cap, checked before and while reading (the file may grow). Errors are
 * {@link InvalidInputException}s naming what the file was meant to be.
 */
public final class BoundedFile {
  /** Keys, certificates and other PEM files. */
  public static final int KEY_CAP = 1 << 20;
  /** Policies, trust policies and specs. */
  public static final int DOCUMENT_CAP = 1 << 20;
  /** Lock files and trusted roots, which list many entries. */
  public static final int LARGE_DOCUMENT_CAP = 16 << 20;

  private BoundedFile() {}

  /** The bytes of {@code file}, at most {@code cap}; {@code what} names it in errors ("key file", "policy"). */
  public static byte[] read(Path file, int cap, String what) throws IOException {
    BasicFileAttributes a = regularFile(file, cap, what);
    return readChecked(file, a, cap, what);
  }

  /**
   * Checks that {@code file} is a regular file of at most {@code cap} bytes, for a reader that streams it
   * (a receipt): the same one-line errors as {@link #read}. Returns its attributes.
   */
  public static BasicFileAttributes regularFile(Path file, long cap, String what) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(what + " " + file + " does not exist");
    }
    if (a.isDirectory()) {
      throw new InvalidInputException(what + " " + file + " is a directory, not a file");
    }
    if (!a.isRegularFile()) {
      throw new InvalidInputException(what + " " + file + " is not a regular file (a device, socket or pipe)");
    }
    if (a.size() > cap) {
      throw new InvalidInputException(what + " " + file + " is " + a.size() + " bytes, more than the " + cap
          + " byte limit");
    }
    return a;
  }

  private static byte[] readChecked(Path file, BasicFileAttributes a, int cap, String what) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(cap, Math.max(a.size(), 256)));
      byte[] buf = new byte[16 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        total += n;
        if (total > cap) {
          throw new InvalidInputException(what + " " + file + " is larger than the " + cap + " byte limit");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (AccessDeniedException e) {
      throw new InvalidInputException(what + " " + file + " cannot be read (permission denied)");
    }
  }

  /** The text of {@code file} as strict UTF-8: anything else is "not a UTF-8 text file". */
  public static String readUtf8(Path file, int cap, String what) throws IOException {
    return utf8(read(file, cap, what), what + " " + file, "text");
  }

  /** Strictly decoded UTF-8, or an error saying {@code what} is not a UTF-8 {@code kind} ("YAML", "PEM") file. */
  public static String utf8(byte[] bytes, String what, String kind) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException(what + " is not a UTF-8 " + kind + " file");
    }
  }
}
