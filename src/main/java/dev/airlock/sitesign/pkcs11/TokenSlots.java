package dev.airlock.sitesign.pkcs11;

import dev.airlock.InvalidInputException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the slot of the token a PKCS#11 URI names by its label, serial, manufacturer and model: the SunPKCS11
 * provider is configured by slot, so the tokens are listed first through the JDK's own PKCS#11 wrapper
 * ({@code sun.security.pkcs11.wrapper}, exported to airlock by its launcher and jar manifest). Exactly one token
 * must match.
 */
final class TokenSlots {
  private TokenSlots() {}

  static final String EXPORT = "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper";

  static long find(Path module, Pkcs11Uri uri) {
    Object p11;
    Class<?> c;
    try {
      c = Class.forName("sun.security.pkcs11.wrapper.PKCS11");
      Method getInstance = null;
      for (Method m : c.getMethods()) {
        if (m.getName().equals("getInstance") && m.getParameterCount() == 4) {
          getInstance = m;
        }
      }
      if (getInstance == null) {
        throw new InvalidInputException(uri.describe() + ": this Java runtime's PKCS#11 wrapper is not the expected"
            + " one; name the slot with slot-id instead of token");
      }
      p11 = getInstance.invoke(null, module.toString(), "C_GetFunctionList", null, false);
    } catch (IllegalAccessException | ClassNotFoundException e) {
      throw new InvalidInputException(uri.describe() + ": finding the token by its label needs --add-exports " + EXPORT
          + "=ALL-UNNAMED (bin/airlock adds it), or name the slot with slot-id");
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw new InvalidInputException(uri.describe() + ": the PKCS#11 module " + module + " cannot be loaded: "
          + Pkcs11Keys.rootMessage(e));
    }
    List<String> seen = new ArrayList<>();
    List<Long> matches = new ArrayList<>();
    try {
      long[] slots = (long[]) c.getMethod("C_GetSlotList", boolean.class).invoke(p11, true);
      for (long slot : slots) {
        Object info = c.getMethod("C_GetTokenInfo", long.class).invoke(p11, slot);
        String label = field(info, "label");
        String serial = field(info, "serialNumber");
        String manufacturer = field(info, "manufacturerID");
        String model = field(info, "model");
        seen.add("'" + label + "'");
        if (same(uri, "token", label) && same(uri, "serial", serial) && same(uri, "manufacturer", manufacturer)
            && same(uri, "model", model)) {
          matches.add(slot);
        }
      }
    } catch (ReflectiveOperationException e) {
      throw new InvalidInputException(uri.describe() + ": cannot list the tokens of " + module + ": "
          + Pkcs11Keys.rootMessage(e));
    }
    if (matches.size() != 1) {
      throw new InvalidInputException(uri.describe() + ": " + (matches.isEmpty() ? "no token" : matches.size() + " tokens")
          + " of " + module + " match (tokens: " + (seen.isEmpty() ? "none" : String.join(", ", seen)) + ")");
    }
    return matches.get(0);
  }

  private static boolean same(Pkcs11Uri uri, String attribute, String value) {
    String want = uri.path().get(attribute);
    return want == null || want.equals(value);
  }

  private static String field(Object info, String name) throws ReflectiveOperationException {
    Object v = info.getClass().getField(name).get(info);
    return v instanceof char[] chars ? new String(chars).strip() : String.valueOf(v).strip();
  }
}
