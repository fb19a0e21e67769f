package dev.airlock.sitesign.pkcs11;

import dev.airlock.InvalidInputException;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;

/**
 * Opens a private key on a PKCS#11 token through the JDK's SunPKCS11 provider, configured at run time with a
 * generated configuration (the module, the slot). The token is found by {@code slot-id}, or by its label (and
 * serial, manufacturer, model) read with the JDK's PKCS#11 wrapper; the key by its label ({@code object}) in the
 * provider's key store, which lists a private key beside the certificate of the same CKA_ID. The key never
 * leaves the token: every signature is made by it, and before it is used a signature over a test message must
 * verify with the certificate's public key (a certificate that does not belong to the key is refused).
 */
public final class Pkcs11Keys {
  private Pkcs11Keys() {}

  public static final String PIN_ENV = "AIRLOCK_PKCS11_PIN";

  public static SigningKey open(String spec, Path moduleOverride, Map<String, String> env, Console console)
      throws IOException {
    Pkcs11Uri uri = Pkcs11Uri.parse(spec);
    Path module = module(uri, moduleOverride);
    String slot = slot(uri, module);
    char[] pin = pin(uri, env, console);
    String config = "--name = airlock" + Integer.toHexString(module.hashCode() ^ slot.hashCode()) + "\nlibrary = "
        + module + "\n" + slot + "\n";
    Provider p;
    try {
      Provider base = Security.getProvider("SunPKCS11");
      if (base == null) {
        throw new InvalidInputException("this Java runtime has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
      }
      p = base.configure(config);
    } catch (java.security.InvalidParameterException | java.security.ProviderException e) {
      throw new InvalidInputException(uri.describe() + ": the PKCS#11 module " + module + " cannot be used: "
          + rootMessage(e));
    }
    try {
      KeyStore ks = KeyStore.getInstance("PKCS11", p);
      try {
        ks.load(null, pin);
      } catch (IOException e) {
        throw new InvalidInputException(uri.describe() + ": cannot log in to the token (" + rootMessage(e)
            + "); the PIN comes from pin-value/pin-source in the URI, " + PIN_ENV + " or a prompt");
      }
      String label = uri.object();
      if (!ks.isKeyEntry(label)) {
        throw new InvalidInputException(uri.describe() + ": the token has no private key labelled '" + label
            + "' with a certificate of the same CKA_ID (the JDK's PKCS#11 key store lists a private key only beside"
            + " its certificate; `airlock key holder-certificate` makes one, see docs/verification.md)");
      }
      PrivateKey priv = (PrivateKey) ks.getKey(label, null);
      Certificate cert = ks.getCertificate(label);
      PublicKey pub = cert.getPublicKey();
      if (!(pub instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() == 256)
          && !(pub instanceof RSAPublicKey)) {
        throw new InvalidInputException(uri.describe() + ": the key is " + pub.getAlgorithm()
            + ", not ECDSA P-256 or RSA");
      }
      SigningKey key = SigningKey.onDevice(priv, pub, p);
      byte[] probe = ("airlock: does this certificate belong to " + uri.describe() + "?").getBytes(StandardCharsets.UTF_8);
      if (!PublicKeys.verify(pub, probe, key.sign(probe))) {
        throw new InvalidInputException(uri.describe() + ": a signature by the token's key does not verify with the"
            + " public key of its certificate: the certificate belongs to another key");
      }
      return key;
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException(uri.describe() + ": " + rootMessage(e));
    } finally {
      java.util.Arrays.fill(pin, '\0');
    }
  }

  private static Path module(Pkcs11Uri uri, Path override) {
    Path m;
    if (override != null) {
      m = override;
    } else if (uri.query().containsKey("module-path")) {
      m = Path.of(uri.query().get("module-path"));
      if (Files.isDirectory(m) && uri.query().containsKey("module-name")) {
        String name = uri.query().get("module-name");
        m = m.resolve(name.contains(".") ? name : name + ".so");
      }
    } else {
      throw new InvalidInputException(uri.describe() + ": no PKCS#11 module: give --pkcs11-module FILE or module-path"
          + " in the URI (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)");
    }
    if (!Files.isRegularFile(m)) {
      throw new InvalidInputException("PKCS#11 module " + m + " does not exist");
    }
    return m.toAbsolutePath();
  }

  /** The provider's slot line: {@code slot = ID} (from slot-id, or the token found by its label), else the first. */
  private static String slot(Pkcs11Uri uri, Path module) {
    String id = uri.path().get("slot-id");
    boolean byToken = uri.path().containsKey("token") || uri.path().containsKey("serial")
        || uri.path().containsKey("manufacturer") || uri.path().containsKey("model");
    if (id != null) {
      try {
        return "slot = " + Long.parseLong(id);
      } catch (NumberFormatException e) {
        throw new InvalidInputException(uri.describe() + ": slot-id '" + id + "' is not a number");
      }
    }
    if (!byToken) {
      return "slotListIndex = 0";
    }
    return "slot = " + TokenSlots.find(module, uri);
  }

  private static char[] pin(Pkcs11Uri uri, Map<String, String> env, Console console) throws IOException {
    if (uri.query().containsKey("pin-value")) {
      return uri.query().get("pin-value").toCharArray();
    }
    if (uri.query().containsKey("pin-source")) {
      String src = uri.query().get("pin-source");
      Path f = Path.of(src.startsWith("file:") ? src.substring(5) : src);
      if (!Files.isRegularFile(f)) {
        throw new InvalidInputException(uri.describe() + ": pin-source " + f + " does not exist");
      }
      String text = new String(dev.airlock.files.BoundedFile.read(f, 4096, "PIN file"), StandardCharsets.UTF_8);
      int nl = text.indexOf('\n');
      return (nl < 0 ? text : text.substring(0, nl)).strip().toCharArray();
    }
    String v = env.get(PIN_ENV);
    if (v != null) {
      return v.toCharArray();
    }
    if (console == null) {
      throw new InvalidInputException(uri.describe() + ": no PIN: set " + PIN_ENV + ", give pin-source in the URI,"
          + " or run on a terminal to be prompted");
    }
    char[] pin = console.readPassword("PIN for %s: ", uri.describe());
    if (pin == null) {
      throw new InvalidInputException("no PIN entered");
    }
    return pin;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return dev.airlock.oci.Json.firstLine(m);
  }
}
