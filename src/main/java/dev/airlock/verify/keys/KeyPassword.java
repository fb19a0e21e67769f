package dev.airlock.verify.keys;

import dev.airlock.InvalidInputException;
import java.io.Console;
import java.util.Map;

/**
 * Where a key password comes from: {@code AIRLOCK_PASSWORD}, then {@code COSIGN_PASSWORD} (an empty value
 * is an empty password, as in cosign), then an interactive prompt on the console.
 */
public final class KeyPassword {
  private KeyPassword() {}

  public static char[] resolve(Map<String, String> env, Console console, String prompt, boolean confirm) {
    for (String var : new String[] {"AIRLOCK_PASSWORD", "COSIGN_PASSWORD"}) {
      String v = env.get(var);
      if (v != null) {
        return v.toCharArray();
      }
    }
    if (console == null) {
      throw new InvalidInputException(
          "no key password: set AIRLOCK_PASSWORD (or COSIGN_PASSWORD), or run on a terminal to be prompted");
    }
    char[] pw = console.readPassword("%s", prompt);
    if (pw == null) {
      throw new InvalidInputException("no key password entered");
    }
    if (confirm) {
      char[] again = console.readPassword("%s", "Enter password again: ");
      if (again == null || !java.util.Arrays.equals(pw, again)) {
        throw new InvalidInputException("the passwords do not match");
      }
    }
    return pw;
  }
}
