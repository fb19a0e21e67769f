package dev.airlock.serve;

import dev.airlock.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * An htpasswd file of bcrypt entries ({@code user:$2y$10$...}, as {@code htpasswd -B} writes them and
 * distribution and zot read them). Other schemes (MD5 {@code $apr1$}, SHA-1, crypt, plain) are refused when
 * the file is read, naming the line: they are too weak to guard a registry.
 */
public final class Htpasswd {
  /** A bcrypt hash to check unknown users against, so that a wrong name costs what a wrong password does. */
  private static final String DUMMY = OpenBSDBCrypt.generate("2y", "airlock".toCharArray(), new byte[16], 10);

  private final Map<String, String> hashes;

  private Htpasswd(Map<String, String> hashes) {
    this.hashes = hashes;
  }

  public static Htpasswd read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new InvalidInputException(file + " line " + (i + 1) + ": not user:hash");
      }
      String user = line.substring(0, colon);
      String hash = line.substring(colon + 1);
      if (!(hash.startsWith("$2y$") || hash.startsWith("$2a$") || hash.startsWith("$2b$")) || hash.length() != 60) {
        throw new InvalidInputException(file + " line " + (i + 1) + ": user " + user + " has no bcrypt hash; only"
            + " bcrypt entries are accepted (htpasswd -B)");
      }
      if (out.put(user, hash) != null) {
        throw new InvalidInputException(file + " line " + (i + 1) + ": user " + user + " appears twice");
      }
    }
    if (out.isEmpty()) {
      throw new InvalidInputException(file + " has no users");
    }
    return new Htpasswd(out);
  }

  /** Whether {@code password} is {@code user}'s (bcrypt: tens of milliseconds, also for an unknown user). */
  boolean check(String user, String password) {
    String hash = hashes.get(user);
    boolean ok = OpenBSDBCrypt.checkPassword(hash != null ? hash : DUMMY, password.toCharArray());
    return hash != null && ok;
  }

  int users() {
    return hashes.size();
  }
}
