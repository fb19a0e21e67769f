package dev.airlock.verify.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * The cosign encrypted private key file: PEM {@code ENCRYPTED SIGSTORE PRIVATE KEY} (or the older
 * {@code ENCRYPTED COSIGN PRIVATE KEY}) whose body is JSON naming an scrypt KDF and a nacl/secretbox
 * cipher; the plaintext is a PKCS#8 DER private key. Same format as go-securesystemslib's
 * {@code encrypted} package, so cosign and airlock read each other's keys.
 */
public final class EncryptedKeyFile {
  private EncryptedKeyFile() {}

  public static final String PEM_TYPE = "ENCRYPTED SIGSTORE PRIVATE KEY";
  public static final String LEGACY_PEM_TYPE = "ENCRYPTED COSIGN PRIVATE KEY";
  /** cosign's parameters for new keys. */
  public static final int SCRYPT_N = 65536;
  public static final int SCRYPT_R = 8;
  public static final int SCRYPT_P = 1;
  private static final int KEY_LEN = 32;
  private static final int NONCE_LEN = 24;
  private static final int TAG_LEN = 16;
  /** Reject absurd KDF costs in a hostile file (cosign itself uses at most 2^16 or 2^15). */
  private static final int MAX_N = 1 << 20;

  /** Decrypts the key file text; returns the plaintext (PKCS#8 DER for keys cosign writes). */
  public static byte[] decrypt(String pemText, char[] password, String what) {
    Pem pem = Pem.parse(pemText, what);
    if (!pem.type().equals(PEM_TYPE) && !pem.type().equals(LEGACY_PEM_TYPE)) {
      throw new InvalidInputException(what + ": unsupported PEM type '" + pem.type() + "', expected " + PEM_TYPE);
    }
    JsonNode body = Json.tree(pem.der(), what);
    JsonNode kdf = body.path("kdf");
    JsonNode cipher = body.path("cipher");
    if (!"scrypt".equals(kdf.path("name").asText()) || !"nacl/secretbox".equals(cipher.path("name").asText())) {
      throw new InvalidInputException(what + ": unsupported encryption (kdf '" + kdf.path("name").asText()
          + "', cipher '" + cipher.path("name").asText() + "'), expected scrypt and nacl/secretbox");
    }
    int n = kdf.path("params").path("N").asInt();
    int r = kdf.path("params").path("r").asInt();
    int p = kdf.path("params").path("p").asInt();
    if (n < 2 || n > MAX_N || Integer.bitCount(n) != 1 || r < 1 || r > 32 || p < 1 || p > 16) {
      throw new InvalidInputException(what + ": unacceptable scrypt parameters N=" + n + " r=" + r + " p=" + p);
    }
    byte[] salt = b64(kdf.path("salt"), "kdf.salt", what);
    byte[] nonce = b64(cipher.path("nonce"), "cipher.nonce", what);
    byte[] box = b64(body.path("ciphertext"), "ciphertext", what);
    if (nonce.length != NONCE_LEN || box.length < TAG_LEN) {
      throw new InvalidInputException(what + ": malformed nonce or ciphertext");
    }
    byte[] key = deriveKey(password, salt, n, r, p);
    byte[] plain = openBox(key, nonce, box);
    if (plain == null) {
      // bad input, not a failed verification: exit 1, as for any other unusable key file
      throw new InvalidInputException(what + ": wrong password (the key could not be decrypted; the password comes from"
          + " AIRLOCK_PASSWORD, COSIGN_PASSWORD or the prompt)");
    }
    return plain;
  }

  /** Encrypts plaintext (PKCS#8 DER) with fresh salt and nonce; returns the PEM text. */
  public static String encrypt(byte[] plaintext, char[] password, SecureRandom random) {
    byte[] salt = new byte[32];
    byte[] nonce = new byte[NONCE_LEN];
    random.nextBytes(salt);
    random.nextBytes(nonce);
    return encrypt(plaintext, password, salt, nonce, SCRYPT_N, SCRYPT_R, SCRYPT_P);
  }

  /** Encrypts with the given salt, nonce and scrypt parameters (deterministic; for tests and re-encoding). */
  public static String encrypt(byte[] plaintext, char[] password, byte[] salt, byte[] nonce, int n, int r, int p) {
    byte[] key = deriveKey(password, salt, n, r, p);
    byte[] box = sealBox(key, nonce, plaintext);
    Base64.Encoder enc = Base64.getEncoder();
    ObjectNode body = Json.MAPPER.createObjectNode();
    ObjectNode kdf = body.putObject("kdf");
    kdf.put("name", "scrypt");
    ObjectNode params = kdf.putObject("params");
    params.put("N", n);
    params.put("r", r);
    params.put("p", p);
    kdf.put("salt", enc.encodeToString(salt));
    ObjectNode cipher = body.putObject("cipher");
    cipher.put("name", "nacl/secretbox");
    cipher.put("nonce", enc.encodeToString(nonce));
    body.put("ciphertext", enc.encodeToString(box));
    return Pem.encode(PEM_TYPE, Json.write(body));
  }

  private static byte[] deriveKey(char[] password, byte[] salt, int n, int r, int p) {
    ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
    byte[] pw = Arrays.copyOfRange(bb.array(), bb.position(), bb.limit());
    try {
      return SCrypt.generate(pw, salt, n, r, p, KEY_LEN);
    } finally {
      Arrays.fill(pw, (byte) 0);
      Arrays.fill(bb.array(), (byte) 0);
    }
  }

  /** nacl secretbox seal: XSalsa20 key stream, first 32 bytes key Poly1305; output tag || ciphertext. */
  static byte[] sealBox(byte[] key, byte[] nonce, byte[] plain) {
    XSalsa20Engine xs = stream(key, nonce);
    byte[] polyKey = new byte[32];
    xs.processBytes(new byte[32], 0, 32, polyKey, 0);
    byte[] out = new byte[TAG_LEN + plain.length];
    xs.processBytes(plain, 0, plain.length, out, TAG_LEN);
    byte[] tag = mac(polyKey, out, TAG_LEN, plain.length);
    System.arraycopy(tag, 0, out, 0, TAG_LEN);
    return out;
  }

  /** nacl secretbox open; null when the tag does not match (wrong key). */
  static byte[] openBox(byte[] key, byte[] nonce, byte[] box) {
    XSalsa20Engine xs = stream(key, nonce);
    byte[] polyKey = new byte[32];
    xs.processBytes(new byte[32], 0, 32, polyKey, 0);
    byte[] tag = mac(polyKey, box, TAG_LEN, box.length - TAG_LEN);
    if (!MessageDigest.isEqual(tag, Arrays.copyOfRange(box, 0, TAG_LEN))) {
      return null;
    }
    byte[] plain = new byte[box.length - TAG_LEN];
    xs.processBytes(box, TAG_LEN, plain.length, plain, 0);
    return plain;
  }

  private static XSalsa20Engine stream(byte[] key, byte[] nonce) {
    XSalsa20Engine xs = new XSalsa20Engine();
    xs.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
    return xs;
  }

  private static byte[] mac(byte[] polyKey, byte[] data, int off, int len) {
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(polyKey));
    mac.update(data, off, len);
    byte[] tag = new byte[TAG_LEN];
    mac.doFinal(tag, 0);
    return tag;
  }

  private static byte[] b64(JsonNode n, String field, String what) {
    if (!n.isTextual()) {
      throw new InvalidInputException(what + ": missing " + field);
    }
    try {
      return Base64.getDecoder().decode(n.asText());
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(what + ": " + field + " is not base64");
    }
  }
}
