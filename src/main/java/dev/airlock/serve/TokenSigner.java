package dev.airlock.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.oci.Json;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bearer tokens as JSON Web Tokens signed with HMAC-SHA256 ({@code HS256}, RFC 7518 3.2) under a 256-bit
 * key drawn from {@link SecureRandom} when serve starts. The registry is the token's only verifier, so the
 * key never leaves the process: no key file, nothing to distribute, and every token is void once serve
 * stops (clients log in again). The claims are the ones distribution's token implementation uses
 * ({@code iss, sub, aud, exp, nbf, iat, jti, access}); {@code access} lists the granted scopes.
 *
 * <p>A token is accepted only when its header says {@code HS256} (no {@code none}, no other algorithm),
 * its signature is this key's (compared in constant time), its audience is this service and it has not
 * expired.
 */
final class TokenSigner {
  static final String ISSUER = "airlock-serve";
  /** Far longer than any token this signer writes; a longer one is refused before it is decoded. */
  static final int MAX_TOKEN_CHARS = 16 * 1024;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final byte[] key;
  private final String keyId;
  private final String service;
  private final SecureRandom random;

  TokenSigner(String service) {
    this.random = new SecureRandom();
    this.key = new byte[32];
    random.nextBytes(key);
    this.service = service;
    // an id for the key that tells nothing about it: random as well
    byte[] id = new byte[8];
    random.nextBytes(id);
    this.keyId = HexFormat.of().formatHex(id);
  }

  /** What a valid token says: who it was issued to, what it grants, until when. */
  record Claims(String subject, List<TokenScope> access, long expiresAt) {
    /** Whether the token grants {@code action} on {@code type:name}. */
    boolean grants(String type, String name, String action) {
      for (TokenScope s : access) {
        if (s.type().equals(type) && s.name().equals(name) && (s.actions().contains(action) || s.actions().contains("*"))) {
          return true;
        }
      }
      return false;
    }
  }

  String service() {
    return service;
  }

  /** A token for {@code subject} ("" for anonymous) granting {@code access}, valid from {@code now} for {@code ttlSeconds}. */
  String issue(String subject, List<TokenScope> access, Instant now, long ttlSeconds) {
    ObjectNode header = Json.MAPPER.createObjectNode();
    header.put("typ", "JWT");
    header.put("alg", "HS256");
    header.put("kid", keyId);
    ObjectNode claims = Json.MAPPER.createObjectNode();
    long iat = now.getEpochSecond();
    claims.put("iss", ISSUER);
    claims.put("sub", subject);
    claims.put("aud", service);
    claims.put("exp", iat + ttlSeconds);
    claims.put("nbf", iat);
    claims.put("iat", iat);
    byte[] jti = new byte[16];
    random.nextBytes(jti);
    claims.put("jti", HexFormat.of().formatHex(jti));
    ArrayNode arr = claims.putArray("access");
    for (TokenScope s : access) {
      ObjectNode a = arr.addObject();
      a.put("type", s.type());
      a.put("name", s.name());
      ArrayNode actions = a.putArray("actions");
      s.actions().forEach(actions::add);
    }
    String signingInput = B64.encodeToString(Json.write(header)) + "." + B64.encodeToString(Json.write(claims));
    return signingInput + "." + B64.encodeToString(mac(signingInput));
  }

  /**
   * The claims of {@code token} when it is one of this signer's, for this service, and not expired at
   * {@code now}; otherwise null.
   */
  Claims verify(String token, Instant now) {
    if (token == null || token.length() > MAX_TOKEN_CHARS) {
      return null;
    }
    int dot1 = token.indexOf('.');
    int dot2 = token.lastIndexOf('.');
    if (dot1 <= 0 || dot2 <= dot1 + 1 || dot2 == token.length() - 1 || token.indexOf('.', dot1 + 1) != dot2) {
      return null;
    }
    byte[] signature;
    JsonNode header;
    JsonNode claims;
    try {
      signature = B64D.decode(token.substring(dot2 + 1));
      if (!MessageDigest.isEqual(signature, mac(token.substring(0, dot2)))) {
        return null;
      }
      header = Json.MAPPER.readTree(B64D.decode(token.substring(0, dot1)));
      claims = Json.MAPPER.readTree(B64D.decode(token.substring(dot1 + 1, dot2)));
    } catch (IllegalArgumentException | java.io.IOException e) {
      return null;
    }
    if (header == null || claims == null || !"HS256".equals(header.path("alg").asText(null))
        || !keyId.equals(header.path("kid").asText(null)) || !ISSUER.equals(claims.path("iss").asText(null))
        || !service.equals(claims.path("aud").asText(null))) {
      return null;
    }
    JsonNode exp = claims.get("exp");
    JsonNode nbf = claims.get("nbf");
    long t = now.getEpochSecond();
    if (exp == null || !exp.canConvertToLong() || t >= exp.asLong() || nbf == null || !nbf.canConvertToLong()
        || t < nbf.asLong()) {
      return null;
    }
    List<TokenScope> access = new ArrayList<>();
    for (JsonNode a : claims.path("access")) {
      Set<String> actions = new LinkedHashSet<>();
      a.path("actions").forEach(x -> actions.add(x.asText()));
      access.add(new TokenScope(a.path("type").asText(), a.path("name").asText(), actions));
    }
    return new Claims(claims.path("sub").asText(""), access, exp.asLong());
  }

  private byte[] mac(String signingInput) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
