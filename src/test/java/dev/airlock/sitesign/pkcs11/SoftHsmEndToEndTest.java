package dev.airlock.sitesign.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.receipt.Receipt;
import dev.airlock.receipt.ReceiptTrust;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.Peers;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import dev.airlock.verify.keys.PublicKeys;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key on a real PKCS#11 token: a SoftHSM2 token initialised in a temp directory (SOFTHSM2_CONF), an ECDSA P-256
 * key pair made on it by OpenSC's pkcs11-tool (sensitive, never extractable), its holder certificate written beside
 * it. Through the JDK's SunPKCS11 provider airlock signs a bundle, a receipt and the site signatures of an import
 * into a real docker-registry; each verifies with the public key alone, and the private key never leaves the token.
 */
class SoftHsmEndToEndTest {
  @RegisterExtension static RealRegistry registry = RealRegistry.plain();
  @TempDir static Path tmp;

  static final String PIN = "4711";
  static final String KEY = "pkcs11:token=airlock%20site;object=site-key";
  static Path module;
  static Path conf;
  static Path sitePub;
  static RawManifest app;
  static String publicKeyLine;

  @BeforeAll
  static void tokenWithAKey() throws Exception {
    module = Peers.softhsm2Module();
    Peers.pkcs11Tool();
    Path tokens = Files.createDirectories(tmp.resolve("tokens"));
    conf = tmp.resolve("softhsm2.conf");
    Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
    run(List.of(Peers.softhsm2Util().toString(), "--init-token", "--free", "--label", "airlock site", "--pin", PIN,
        "--so-pin", "so-" + PIN));
    run(tool("--login", "--pin", PIN, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "5a", "--label", "site-key",
        "--usage-sign"));
    Path pubDer = tmp.resolve("site-pub.der");
    run(tool("--read-object", "--type", "pubkey", "--id", "5a", "-o", pubDer.toString()));
    Path cert = tmp.resolve("site-cert.der");
    CommandResult c = CommandResult.run("key", "holder-certificate", "--public", pubDer.toString(), "-o", cert.toString());
    assertThat(c.exitCode()).as(c.err()).isZero();
    run(tool("--login", "--pin", PIN, "--write-object", cert.toString(), "--type", "cert", "--id", "5a", "--label",
        "site-key"));
    // the public key, read back through the token by airlock (the key opened, a test signature checked)
    sitePub = tmp.resolve("site.pub");
    var pub = airlock("key", "public-key", "--key", KEY, "--pkcs11-module", module.toString(), "-o", sitePub.toString());
    assertThat(pub.exitCode()).as(pub.err()).isZero();
    assertThat(PublicKeys.load(sitePub).getEncoded()).isEqualTo(Files.readAllBytes(pubDer));
    publicKeyLine = pub.out();

    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    app = TestImages.image(l, Platform.parse("linux/amd64"), TestImages.layer("hsm", "1.0"));
    try (RegistryStore reg = RegistryStore.open(registry.hostPort(), RegistryOptions.anonymous());
        GraphCopier g = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      g.copy(l, "", app.digest().toString(), "upstream/app", "1.0");
    }
  }

  @Test
  void theTokenKeySignsABundleAReceiptAndTheSiteSignatures() throws Exception {
    Path spec = tmp.resolve("b.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: hsm}\nspec:\n  images:\n"
        + "    - ref: " + registry.hostPort() + "/upstream/app:1.0\n");
    Path bundle = tmp.resolve("hsm.tar");
    // the module from the URI's module-path this time
    var b = airlock("bundle", spec.toString(), "-o", bundle.toString(), "--key", KEY + "?module-path=" + module);
    assertThat(b.exitCode()).as(b.err()).isZero();
    CommandResult v = CommandResult.run("verify", bundle.toString(), "--key", sitePub.toString());
    assertThat(v.exitCode()).as(v.err() + v.out()).isZero();
    Path other = tmp.resolve("other.pub");
    Files.writeString(other, SigningKey.generate().publicKeyPem());
    assertThat(CommandResult.run("verify", bundle.toString(), "--key", other.toString()).exitCode()).isEqualTo(3);

    Path receipt = tmp.resolve("r.json");
    var i = airlock("import", bundle.toString(), "--to", registry.hostPort() + "/site", "--key", sitePub.toString(),
        "--catalog", tmp.resolve("h.db").toString(), "--receipt", receipt.toString(), "--sign-receipt", KEY,
        "--sign-with", KEY, "--pkcs11-module", module.toString());
    assertThat(i.exitCode()).as(i.err() + i.out()).isZero();
    assertThat(i.out()).contains("site signature: " + registry.hostPort() + "/site/upstream/app@" + app.digest());
    CommandResult vi = CommandResult.run("verify-image", registry.hostPort() + "/site/upstream/app:1.0", "--key",
        sitePub.toString());
    assertThat(vi.exitCode()).as(vi.err() + vi.out()).isZero();
    assertThat(vi.out()).contains("bundle hsm (root sha256:").contains("bundle signature verified");
    assertThat(CommandResult.run("verify-image", registry.hostPort() + "/site/upstream/app:1.0", "--key",
        other.toString()).exitCode()).isEqualTo(3);
    try (Receipt r = Receipt.read(receipt)) {
      assertThat(ReceiptTrust.check(r, List.of(PublicKeys.load(sitePub)), false)).startsWith("signed by key");
    }
  }

  @Test
  void thePrivateKeyNeverLeavesTheToken() throws Exception {
    var objects = run(tool("--login", "--pin", PIN, "--list-objects", "--type", "privkey"));
    assertThat(objects.out()).contains("site-key").contains("sensitive").contains("never extractable");
    // the JDK reads CKA_SENSITIVE / CKA_EXTRACTABLE: the key object SunPKCS11 hands airlock has no encoding
    assertThat(publicKeyLine).contains("the private key is on the token (SunPKCS11-airlock").contains(", not extractable")
        .doesNotContain("EXTRACTABLE");
    var read = ProcessRunner.run(pb(tool("--login", "--pin", PIN, "--read-object", "--type", "privkey", "--id", "5a",
        "-o", tmp.resolve("stolen.der").toString())), 60);
    assertThat(tmp.resolve("stolen.der")).as(read.err() + read.out()).doesNotExist();
  }

  @Test
  void aWrongPinAnUnknownTokenOrKeyIsOneLine() throws Exception {
    var pin = airlockWithPin("0000", "key", "public-key", "--key", KEY, "--pkcs11-module", module.toString());
    assertThat(pin.exitCode()).isEqualTo(1);
    assertThat(pin.err().strip()).doesNotContain("\n").contains("cannot log in to the token");
    var token = airlock("key", "public-key", "--key", "pkcs11:token=nope;object=site-key", "--pkcs11-module",
        module.toString());
    assertThat(token.exitCode()).isEqualTo(1);
    assertThat(token.err().strip()).doesNotContain("\n").contains("no token").contains("'airlock site'");
    var key = airlock("key", "public-key", "--key", "pkcs11:token=airlock%20site;object=missing", "--pkcs11-module",
        module.toString());
    assertThat(key.exitCode()).isEqualTo(1);
    assertThat(key.err().strip()).doesNotContain("\n").contains("no private key labelled 'missing'");
    var noModule = airlock("key", "public-key", "--key", KEY);
    assertThat(noModule.exitCode()).isEqualTo(1);
    assertThat(noModule.err()).contains("no PKCS#11 module");
  }

  static List<String> tool(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Peers.pkcs11Tool().toString(), "--module", module.toString(),
        "--token-label", "airlock site"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  static ProcessBuilder pb(List<String> cmd) {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("SOFTHSM2_CONF", conf.toString());
    return pb;
  }

  static ProcessRunner.Result run(List<String> cmd) throws Exception {
    var r = ProcessRunner.run(pb(cmd), 60);
    assertThat(r.exitCode()).as(String.join(" ", cmd) + ": " + r.err() + r.out()).isZero();
    return r;
  }

  static ProcessRunner.Result airlock(String... args) throws Exception {
    return airlockWithPin(PIN, args);
  }

  static ProcessRunner.Result airlockWithPin(String pin, String... args) throws Exception {
    ProcessBuilder pb = pb(ProcessRunner.airlockJvm("256m", args));
    pb.environment().put("AIRLOCK_PKCS11_PIN", pin);
    return ProcessRunner.run(pb, 180);
  }
}
