package dev.airlock.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A token service for distribution's {@code auth: token}: it checks HTTP basic credentials and issues a
 * JWT signed ES256 by a leaf certificate (sent in {@code x5c}) under a root CA the registry trusts through
 * {@code rootcertbundle}, granting the scopes asked for.
 */
final class TestTokenIssuer implements AutoCloseable {
  static final String SERVICE = "airlock-test-registry";
  static final String ISSUER = "airlock-test-issuer";

  final HttpServer server;
  final Path rootBundle;
  final List<String> requests = new CopyOnWriteArrayList<>();
  private final KeyPair leafKey;
  private final X509Certificate leaf;
  private final String basic;

  TestTokenIssuer(Path dir, String user, String password) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair rootKey = g.generateKeyPair();
    leafKey = g.generateKeyPair();
    X500Name rootName = new X500Name("CN=airlock test token root");
    X509Certificate root = cert(rootName, rootName, rootKey, rootKey, true);
    leaf = cert(rootName, new X500Name("CN=airlock test token signer"), rootKey, leafKey, false);
    rootBundle = dir.resolve("token-root.pem");
    Files.writeString(rootBundle, "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(root.getEncoded()) + "\n-----END CERTIFICATE-----\n");
    basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/token", ex -> {
      try (ex) {
        String q = ex.getRequestURI().getRawQuery();
        requests.add(q == null ? "" : URLDecoder.decode(q, StandardCharsets.UTF_8));
        if (!basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
          FakeRegistry.send(ex, 401, "application/json", "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}".getBytes());
          return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("token", jwt(q == null ? "" : q));
        body.put("expires_in", 300);
        FakeRegistry.send(ex, 200, "application/json", Json.write(body));
      } catch (Exception e) {
        throw new IOException(e);
      }
    });
    server.start();
  }

  String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** YAML for {@link dev.airlock.testing.RealRegistry#withAuth}. */
  String authYaml() {
    return "  token:\n    realm: " + realm() + "\n    service: " + SERVICE + "\n    issuer: " + ISSUER
        + "\n    rootcertbundle: " + rootBundle;
  }

  private String jwt(String rawQuery) throws Exception {
    ObjectNode header = Json.MAPPER.createObjectNode();
    header.put("typ", "JWT").put("alg", "ES256");
    header.putArray("x5c").add(Base64.getEncoder().encodeToString(leaf.getEncoded()));
    long now = Instant.now().getEpochSecond();
    ObjectNode claims = Json.MAPPER.createObjectNode();
    claims.put("iss", ISSUER).put("sub", "alice").put("aud", SERVICE).put("exp", now + 300).put("nbf", now - 10)
        .put("iat", now).put("jti", UUID.randomUUID().toString());
    ArrayNode access = claims.putArray("access");
    for (String param : rawQuery.split("&")) {
      if (!param.startsWith("scope=")) {
        continue;
      }
      String scope = URLDecoder.decode(param.substring(6), StandardCharsets.UTF_8);
      String[] parts = scope.split(":");
      if (parts.length == 3) {
        ObjectNode a = access.addObject().put("type", parts[0]).put("name", parts[1]);
        ArrayNode actions = a.putArray("actions");
        for (String act : parts[2].split(",")) {
          actions.add(act);
        }
      }
    }
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput = b64.encodeToString(Json.write(header)) + "." + b64.encodeToString(Json.write(claims));
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initSign(leafKey.getPrivate());
    s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64.encodeToString(s.sign());
  }

  private static X509Certificate cert(X500Name issuer, X500Name subject, KeyPair issuerKey, KeyPair subjectKey, boolean ca)
      throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400)), subject, subjectKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    b.addExtension(Extension.keyUsage, true,
        new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
