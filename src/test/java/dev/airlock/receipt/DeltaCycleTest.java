package dev.airlock.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Digest;
import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weekly cycle against real docker-registry instances: a full bundle imported with {@code --receipt}, the
 * receipt holding exactly the target's blobs, manifests and tags; a delta {@code --since} it carrying exactly the new
 * blobs, verified, imported (the shared base mounted across repositories) and pulled back by skopeo with the source
 * digests; a lost delta (the next one computed from the last receipt); a target that lost a base blob (exit 3,
 * nothing pushed); receipts tampered with, signed by another key or of another target.
 */
class DeltaCycleTest {
  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @RegisterExtension static RealRegistry site = RealRegistry.plain();
  @RegisterExtension static RealRegistry lostSite = RealRegistry.plain();
  @RegisterExtension static RealRegistry gcSite = RealRegistry.plain();
  @RegisterExtension static RealRegistry skopeoSite = RealRegistry.plain();
  @TempDir Path tmp;

  static final Platform AMD64 = Platform.parse("linux/amd64");

  @Test
  void importWritesAReceiptOfExactlyWhatTheTargetHolds() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    byte[] base = TestImages.randomLayer(1, 200_000);
    RawManifest app = TestImages.image(l, AMD64, base, TestImages.layer("app", "1.0"));
    RawManifest tool = TestImages.image(l, AMD64, base, TestImages.layer("tool", "1.0"));
    push(l, app, "team/app", "1.0");
    push(l, tool, "team/tool", "1.0");
    Path spec = spec("week1", "team/app:1.0", "team/tool:1.0");
    Path bundle = tmp.resolve("week1.tar");
    CommandResult b = CommandResult.run("bundle", spec.toString(), "-o", bundle.toString());
    assertThat(b.exitCode()).as(b.err()).isZero();
    Path receipt = tmp.resolve("week1.receipt.json");
    CommandResult i = CommandResult.run("import", bundle.toString(), "--to", site.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt", receipt.toString());
    assertThat(i.exitCode()).as(i.err() + i.out()).isZero();
    assertThat(i.out()).contains("receipt: 2 repositories, 2 tags, 2 manifests, 5 blobs");
    try (Receipt r = Receipt.read(receipt)) {
      assertThat(r.header().target()).isEqualTo(site.hostPort());
      assertThat(blobs(r)).isEqualTo(blobsOf(app, tool));
      assertThat(r.inventory().manifestSize(app.digest())).hasValue(app.size());
      List<String> tags = new ArrayList<>();
      r.inventory().forEachTag(t -> tags.add(t.repository() + ":" + t.tag() + "@" + t.digest()));
      assertThat(tags).containsExactly("team/app:1.0@" + app.digest(), "team/tool:1.0@" + tool.digest());
    }
    CommandResult audit = CommandResult.run("audit", receipt.toString());
    assertThat(audit.exitCode()).as(audit.err()).isZero();
    assertThat(audit.out()).contains("receipt of " + site.hostPort()).contains("signature:    none")
        .contains("2 repositories, 2 tags, 2 manifests, 5 blobs").contains("repository team/app")
        .contains("  1.0  " + app.digest());
  }

  /** Week 1: team/app:1.0 and team/tool:1.0 sharing a base layer; week 2: app gains a layer, svc shares the base. */
  static final class Weeks {
    final LayoutStore l;
    final byte[] base = TestImages.randomLayer(1, 200_000);
    final byte[] appLayer = TestImages.layer("app", "1.0");
    final RawManifest app1;
    final RawManifest tool;
    final RawManifest app2;
    final RawManifest svc;

    Weeks(Path dir) throws Exception {
      l = LayoutStore.openOrCreate(dir);
      app1 = TestImages.image(l, AMD64, base, appLayer);
      tool = TestImages.image(l, AMD64, base, TestImages.layer("tool", "1.0"));
      app2 = TestImages.image(l, AMD64, base, appLayer, TestImages.layer("patch", "1.0.1"));
      svc = TestImages.image(l, AMD64, base, TestImages.layer("svc", "1.0"));
    }
  }

  @Test
  void aDeltaSinceTheReceiptCarriesOnlyTheNewBlobsAndImports() throws Exception {
    Weeks w = new Weeks(tmp.resolve("src"));
    push(w.l, w.app1, "cycle/app", "1.0");
    push(w.l, w.tool, "cycle/tool", "1.0");
    Path week1 = bundle("week1", "cycle/app:1.0", "cycle/tool:1.0");
    Path r1 = tmp.resolve("r1.json");
    importOk(week1, site, r1);

    // week 2: app:1.0 moves to a build with one more small layer; svc is new and shares the base
    push(w.l, w.app2, "cycle/app", "1.0");
    push(w.l, w.svc, "cycle/svc", "1.0");
    Path week2 = tmp.resolve("week2.tar");
    CommandResult b = CommandResult.run("bundle", spec("week2", "cycle/app:1.0", "cycle/tool:1.0", "cycle/svc:1.0")
        .toString(), "-o", week2.toString(), "--since", r1.toString(), "--allow-unsigned-receipt");
    assertThat(b.exitCode()).as(b.err()).isZero();
    assertThat(b.out()).contains("since:   receipt ").contains("delta:   4 blobs");
    Set<Digest> carried = Set.of(w.app2.config().digest(), w.app2.layers().get(2).digest(), w.svc.config().digest(),
        w.svc.layers().get(1).digest());
    Set<Digest> leftOut = Set.of(w.app1.layers().get(0).digest(), w.app1.layers().get(1).digest(),
        w.tool.config().digest(), w.tool.layers().get(1).digest());
    assertThat(catalogDigests(week2, "SELECT digest FROM blobs WHERE digest NOT IN (SELECT digest FROM manifests)")).isEqualTo(new TreeSet<>(carried));
    assertThat(catalogDigests(week2, "SELECT digest FROM expected_blobs")).isEqualTo(new TreeSet<>(leftOut));
    try (var tar = dev.airlock.store.archive.TarLayoutStore.open(week2)) {
      for (Digest d : carried) {
        assertThat(tar.hasBlob("", d)).as("carried " + d).isTrue();
      }
      for (Digest d : leftOut) {
        assertThat(tar.hasBlob("", d)).as("left out " + d).isFalse();
      }
      for (RawManifest m : List.of(w.app2, w.tool, w.svc)) {
        assertThat(tar.hasBlob("", m.digest())).as("manifest carried").isTrue();
      }
    }
    CommandResult v = CommandResult.run("verify", week2.toString(), "--allow-unsigned");
    assertThat(v.exitCode()).as(v.err() + v.out()).isZero();
    assertThat(v.out()).contains("4 blobs left out as expected at the target")
        .contains("expected at target: " + w.app1.layers().get(0).digest()).contains("computed against receipt");

    Path r2 = tmp.resolve("r2.json");
    CommandResult i = importOk(week2, site, r2);
    assertThat(i.err()).contains("delta: 4 blobs left out of the bundle are at the target");
    Path skopeo = dev.airlock.testing.Peers.skopeo();
    assertThat(skopeoDigest(skopeo, site.hostPort() + "/cycle/app:1.0")).isEqualTo(w.app2.digest());
    assertThat(skopeoDigest(skopeo, site.hostPort() + "/cycle/svc:1.0")).isEqualTo(w.svc.digest());
    assertThat(skopeoDigest(skopeo, site.hostPort() + "/cycle/tool:1.0")).isEqualTo(w.tool.digest());
    // a real pull of the new image: its base blob was mounted from another repository
    var pull = dev.airlock.testing.ProcessRunner.run(List.of(skopeo.toString(), "copy", "--src-tls-verify=false",
        "docker://" + site.hostPort() + "/cycle/svc:1.0", "oci:" + tmp.resolve("pulled") + ":svc"));
    assertThat(pull.exitCode()).as(pull.err()).isZero();
    try (Receipt r = Receipt.read(r2)) {
      assertThat(blobs(r)).isEqualTo(blobsOf(w.app2, w.tool, w.svc));
    }
  }

  @Test
  void aLostDeltaIsCoveredByTheNextOneFromTheLastReceipt() throws Exception {
    Weeks w = new Weeks(tmp.resolve("src"));
    push(w.l, w.app1, "lost/app", "1.0");
    Path r1 = tmp.resolve("r1.json");
    importOk(bundle("lost1", "lost/app:1.0"), lostSite, r1);
    push(w.l, w.app2, "lost/app", "1.0");
    Path week2 = tmp.resolve("lost2.tar"); // written, then lost on the way
    assertThat(CommandResult.run("bundle", spec("lost2", "lost/app:1.0").toString(), "-o", week2.toString(), "--since",
        r1.toString(), "--allow-unsigned-receipt").exitCode()).isZero();
    RawManifest app3 = TestImages.image(w.l, AMD64, w.base, w.appLayer, TestImages.layer("patch", "1.0.2"));
    push(w.l, app3, "lost/app", "1.0");
    push(w.l, w.svc, "lost/svc", "1.0");
    Path week3 = tmp.resolve("lost3.tar");
    CommandResult b = CommandResult.run("bundle", spec("lost3", "lost/app:1.0", "lost/svc:1.0").toString(), "-o",
        week3.toString(), "--since", r1.toString(), "--allow-unsigned-receipt");
    assertThat(b.exitCode()).as(b.err()).isZero();
    importOk(week3, lostSite, tmp.resolve("r3.json"));
    Path skopeo = dev.airlock.testing.Peers.skopeo();
    assertThat(skopeoDigest(skopeo, lostSite.hostPort() + "/lost/app:1.0")).isEqualTo(app3.digest());
    assertThat(skopeoDigest(skopeo, lostSite.hostPort() + "/lost/svc:1.0")).isEqualTo(w.svc.digest());
  }

  @Test
  void aTargetThatLostABaseBlobRefusesTheDeltaAndPushesNothing() throws Exception {
    Weeks w = new Weeks(tmp.resolve("src"));
    push(w.l, w.app1, "gc/app", "1.0");
    Path r1 = tmp.resolve("r1.json");
    importOk(bundle("gc1", "gc/app:1.0"), gcSite, r1);
    push(w.l, w.app2, "gc/app", "1.0");
    Path week2 = tmp.resolve("gc2.tar");
    assertThat(CommandResult.run("bundle", spec("gc2", "gc/app:1.0").toString(), "-o", week2.toString(), "--since",
        r1.toString(), "--allow-unsigned-receipt").exitCode()).isZero();
    // the base layer is deleted from the registry's storage (what a garbage collection does)
    Digest base = w.app1.layers().get(0).digest();
    Path data = gcSite.storage().resolve("docker/registry/v2/blobs/sha256/" + base.hex().substring(0, 2) + "/" + base.hex());
    assertThat(data).isDirectory();
    deleteTree(data);
    List<String> before = storageFiles(gcSite.storage());
    CommandResult i = CommandResult.run("import", week2.toString(), "--to", gcSite.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt", tmp.resolve("r2.json").toString());
    assertThat(i.exitCode()).as(i.err() + i.out()).isEqualTo(3);
    String last = i.err().strip().substring(i.err().strip().lastIndexOf('\n') + 1);
    assertThat(last).startsWith("airlock: ").contains("needs 1 blob that " + gcSite.hostPort() + " does not have")
        .contains("nothing was pushed").contains(base.toString()).contains(source.hostPort() + "/gc/app:1.0")
        .contains("expected there by receipt sha256:");
    assertThat(storageFiles(gcSite.storage())).isEqualTo(before);
    assertThat(tmp.resolve("r2.json")).doesNotExist();
    // a fresh inventory of that target does not list the lost blob, so a delta since it carries the blob again
    Path fresh = tmp.resolve("fresh.json");
    CommandResult inv = CommandResult.run("receipt", "--from", gcSite.hostPort(), "--prefix", "gc", "-o",
        fresh.toString());
    assertThat(inv.exitCode()).as(inv.err()).isZero();
    try (Receipt r = Receipt.read(fresh)) {
      assertThat(lists(r)).noneMatch(line -> line.contains(base.toString()));
      assertThat(r.inventory().blobCount()).isPositive();
    }
    Path week2again = tmp.resolve("gc2-again.tar");
    assertThat(CommandResult.run("bundle", spec("gc2", "gc/app:1.0").toString(), "-o", week2again.toString(),
        "--since", fresh.toString(), "--allow-unsigned-receipt").exitCode()).isZero();
    CommandResult again = CommandResult.run("import", week2again.toString(), "--to", gcSite.hostPort(),
        "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString());
    assertThat(again.exitCode()).as(again.err() + again.out()).isZero();
  }

  @Test
  void receiptsTamperedWithSignedByAnotherKeyOrOfAnotherTargetAreRefused() throws Exception {
    Weeks w = new Weeks(tmp.resolve("src"));
    push(w.l, w.app1, "trust/app", "1.0");
    Path week1 = bundle("trust1", "trust/app:1.0");
    importOk(week1, site, tmp.resolve("plain.json"));
    dev.airlock.verify.keys.SigningKey key = dev.airlock.verify.keys.SigningKey.generate();
    Path pub = tmp.resolve("site.pub");
    Files.writeString(pub, key.publicKeyPem());
    Path otherPub = tmp.resolve("other.pub");
    Files.writeString(otherPub, dev.airlock.verify.keys.SigningKey.generate().publicKeyPem());
    Path signed = tmp.resolve("signed.json");
    try (RegistryStore reg = RegistryStore.open(site.hostPort(), RegistryOptions.anonymous())) {
      ReceiptTaker.take(reg, site.hostPort(), List.of("trust/app"), key, signed, "airlock test",
          TargetInventory.Listener.NONE);
    }
    Path spec = spec("trust2", "trust/app:1.0");
    CommandResult ok = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("ok.tar").toString(), "--since",
        signed.toString(), "--receipt-key", pub.toString());
    assertThat(ok.exitCode()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("signed by key " + dev.airlock.verify.keys.PublicKeys.keyId(key.publicKey()).substring(0, 12));

    CommandResult other = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("x.tar").toString(), "--since",
        signed.toString(), "--receipt-key", otherPub.toString());
    assertThat(other.exitCode()).isEqualTo(3);
    assertThat(other.err()).contains("is not signed by the key given");
    assertThat(tmp.resolve("x.tar")).doesNotExist();

    String env = Files.readString(signed);
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) dev.airlock.oci.Json.tree(env.getBytes(), "r");
    String payload = new String(java.util.Base64.getDecoder().decode(tree.path("payload").asText()));
    tree.put("payload", java.util.Base64.getEncoder().encodeToString(payload.replace("\"1.0\"", "\"1.1\"").getBytes()));
    Path tampered = tmp.resolve("tampered.json");
    Files.write(tampered, dev.airlock.oci.Json.write(tree));
    CommandResult t = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("x.tar").toString(), "--since",
        tampered.toString(), "--receipt-key", pub.toString());
    assertThat(t.exitCode()).isEqualTo(3);
    assertThat(t.err()).contains("tampered with, or signed by another key");

    CommandResult unsigned = CommandResult.run("bundle", spec.toString(), "-o", tmp.resolve("x.tar").toString(),
        "--since", tmp.resolve("plain.json").toString());
    assertThat(unsigned.exitCode()).isEqualTo(3);
    assertThat(unsigned.err()).contains("is not signed").contains("--allow-unsigned-receipt");

    // the delta computed from the site's receipt is refused by another target
    CommandResult elsewhere = CommandResult.run("import", tmp.resolve("ok.tar").toString(), "--to",
        gcSite.hostPort() + "/elsewhere", "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString());
    assertThat(elsewhere.exitCode()).isEqualTo(3);
    assertThat(elsewhere.err()).contains("not a receipt of " + gcSite.hostPort()).contains("nothing was imported");
  }

  @Test
  void aReceiptFromARegistrySkopeoFilledEqualsTheOneImportWrites() throws Exception {
    Weeks w = new Weeks(tmp.resolve("src"));
    push(w.l, w.app1, "inv/app", "1.0");
    push(w.l, w.tool, "inv/tool", "1.0");
    Path byImport = tmp.resolve("import.json");
    importOk(bundle("inv", "inv/app:1.0", "inv/tool:1.0"), site, byImport);
    Path skopeo = dev.airlock.testing.Peers.skopeo();
    for (String ref : List.of("inv/app:1.0", "inv/tool:1.0")) {
      var r = dev.airlock.testing.ProcessRunner.run(List.of(skopeo.toString(), "copy", "--preserve-digests",
          "--src-tls-verify=false", "--dest-tls-verify=false", "docker://" + source.hostPort() + "/" + ref,
          "docker://" + skopeoSite.hostPort() + "/" + ref));
      assertThat(r.exitCode()).as(r.err()).isZero();
    }
    Path byInventory = tmp.resolve("inventory.json");
    CommandResult rc = CommandResult.run("receipt", "--from", skopeoSite.hostPort(), "-o",
        byInventory.toString());
    assertThat(rc.exitCode()).as(rc.err()).isZero();
    assertThat(rc.out()).contains("receipt: 2 repositories, 2 tags, 2 manifests, 5 blobs");
    try (Receipt a = Receipt.read(byImport); Receipt b = Receipt.read(byInventory)) {
      assertThat(b.header().target()).isEqualTo(skopeoSite.hostPort());
      assertThat(lists(b)).isEqualTo(lists(a));
    }
    // the same registry taken by receipt --from gives the same payload as the import's, but for the time
    Path again = tmp.resolve("again.json");
    CommandResult rs = CommandResult.run("receipt", "--from", site.hostPort(), "--prefix", "inv",
        "-o", again.toString());
    assertThat(rs.exitCode()).as(rs.err()).isZero();
    assertThat(payload(again).replaceAll("\"created\":\"[^\"]*\"", ""))
        .isEqualTo(payload(byImport).replaceAll("\"created\":\"[^\"]*\"", ""));
  }

  static List<String> lists(Receipt r) throws Exception {
    List<String> out = new ArrayList<>();
    r.inventory().forEachTag(t -> out.add("tag " + t.repository() + ":" + t.tag() + " " + t.digest()));
    r.inventory().forEachManifest(e -> out.add("manifest " + e.digest() + " " + e.size()));
    r.inventory().forEachBlob(e -> out.add("blob " + e.digest() + " " + e.size()));
    return out;
  }

  static String payload(Path receipt) throws Exception {
    var env = dev.airlock.oci.Json.tree(Files.readAllBytes(receipt), "receipt");
    return new String(java.util.Base64.getDecoder().decode(env.path("payload").asText()),
        java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void aDeltaImportsIntoALayoutAndIsServedWithItsLeftOutBlobsNamed() throws Exception {
    Weeks w = new Weeks(tmp.resolve("src"));
    push(w.l, w.app1, "layout/app", "1.0");
    Path layout = tmp.resolve("site-layout");
    Path r1 = tmp.resolve("r1.json");
    CommandResult i1 = CommandResult.run("import", bundle("layout1", "layout/app:1.0").toString(), "--to",
        "oci:" + layout, "--allow-unsigned", "--catalog", tmp.resolve("history.db").toString(), "--receipt",
        r1.toString());
    assertThat(i1.exitCode()).as(i1.err() + i1.out()).isZero();
    push(w.l, w.app2, "layout/app", "1.0");
    push(w.l, w.svc, "layout/svc", "1.0");
    Path week2 = tmp.resolve("layout2.tar");
    CommandResult b = CommandResult.run("bundle", spec("layout2", "layout/app:1.0", "layout/svc:1.0").toString(), "-o",
        week2.toString(), "--since", r1.toString(), "--allow-unsigned-receipt");
    assertThat(b.exitCode()).as(b.err()).isZero();
    assertThat(b.out()).contains("delta:   2 blobs"); // the base and app's first layer
    CommandResult i2 = CommandResult.run("import", week2.toString(), "--to", "oci:" + layout, "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt", tmp.resolve("r2.json").toString());
    assertThat(i2.exitCode()).as(i2.err() + i2.out()).isZero();
    LayoutStore t = LayoutStore.open(layout);
    assertThat(t.resolve("layout/app", "1.0").orElseThrow().digest()).isEqualTo(w.app2.digest());
    assertThat(t.resolve("layout/svc", "1.0").orElseThrow().digest()).isEqualTo(w.svc.digest());
    t.verifyAllBlobs();
    try (Receipt r = Receipt.read(tmp.resolve("r2.json"))) {
      assertThat(r.header().target()).isEqualTo("oci:" + layout.toAbsolutePath().normalize());
      assertThat(blobs(r)).isEqualTo(blobsOf(w.app2, w.svc));
    }

    // a layout that lacks a base blob: refused before anything is written
    Path other = tmp.resolve("other-layout");
    CommandResult elsewhere = CommandResult.run("import", week2.toString(), "--to", "oci:" + other, "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString());
    assertThat(elsewhere.exitCode()).isEqualTo(3);
    assertThat(elsewhere.err()).contains("not a receipt of oci:" + other.toAbsolutePath().normalize());
    // named as the receipt's target, the other layout is checked for the blobs: it lacks both, nothing is written
    CommandResult renamed = CommandResult.run("import", week2.toString(), "--to", "oci:" + other, "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt-target", "oci:" + layout.toAbsolutePath().normalize());
    assertThat(renamed.exitCode()).isEqualTo(3);
    assertThat(renamed.err()).contains("needs 2 blobs that oci:").contains(w.app1.layers().get(0).digest().toString());
    assertThat(other.resolve("index.json")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
        p -> assertThat(Files.readString(p)).doesNotContain("layout/app"));

    // served alone: the left-out blobs are 404 BLOB_UNKNOWN, and the start-up line counts them
    assertThat(dev.airlock.delta.DeltaReport.servedLine(week2)).startsWith("delta bundle: 2 blobs (")
        .contains("expected elsewhere");
    try (var server = dev.airlock.serve.RegistryServer.start(dev.airlock.serve.ServedContent.open(week2), "127.0.0.1:0",
        false, 4)) {
      var client = java.net.http.HttpClient.newHttpClient();
      var left = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + server.hostPort()
          + "/v2/layout/app/blobs/" + w.app1.layers().get(0).digest())).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(left.statusCode()).isEqualTo(404);
      assertThat(left.body()).contains("BLOB_UNKNOWN");
      var carried = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + server.hostPort()
          + "/v2/layout/app/blobs/" + w.app2.layers().get(2).digest())).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(carried.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aDeltaSinceAnEarlierBundlesCatalogLeavesOutWhatThatBundleCarried() throws Exception {
    Weeks w = new Weeks(tmp.resolve("src"));
    push(w.l, w.app1, "cat/app", "1.0");
    Path week1 = bundle("cat1", "cat/app:1.0");
    importOk(week1, lostSite, tmp.resolve("r1.json"));
    push(w.l, w.app2, "cat/app", "1.0");
    Path week2 = tmp.resolve("cat2.tar");
    CommandResult b = CommandResult.run("bundle", spec("cat2", "cat/app:1.0").toString(), "-o", week2.toString(),
        "--since", dev.airlock.bundler.Bundler.catalogFor(week1).toString());
    assertThat(b.exitCode()).as(b.err()).isZero();
    assertThat(b.out()).contains("since:   catalog sha256:").contains("weaker than a receipt")
        .contains("delta:   2 blobs");
    assertThat(catalogDigests(week2, "SELECT digest FROM expected_blobs"))
        .containsExactlyInAnyOrder(w.app1.layers().get(0).digest(), w.app1.layers().get(1).digest());
    // no receipt names a target: the blobs alone are checked
    CommandResult i = importOk(week2, lostSite, tmp.resolve("r2.json"));
    assertThat(i.err()).contains("delta: 2 blobs left out of the bundle are at the target");
    assertThat(skopeoDigest(dev.airlock.testing.Peers.skopeo(), lostSite.hostPort() + "/cat/app:1.0"))
        .isEqualTo(w.app2.digest());
    // an earlier delta's catalog: what it carried and what it expected both count
    RawManifest app3 = TestImages.image(w.l, AMD64, w.base, w.appLayer, TestImages.layer("patch", "1.0.3"));
    push(w.l, app3, "cat/app", "1.0");
    Path week3 = tmp.resolve("cat3.tar");
    CommandResult b3 = CommandResult.run("bundle", spec("cat3", "cat/app:1.0").toString(), "-o", week3.toString(),
        "--since", dev.airlock.bundler.Bundler.catalogFor(week2).toString());
    assertThat(b3.exitCode()).as(b3.err()).isZero();
    assertThat(catalogDigests(week3, "SELECT digest FROM expected_blobs"))
        .containsExactlyInAnyOrder(w.app1.layers().get(0).digest(), w.app1.layers().get(1).digest());
    // a file that is neither: one line
    Path junk = tmp.resolve("junk.txt");
    Files.writeString(junk, "hello");
    CommandResult bad = CommandResult.run("bundle", spec("cat4", "cat/app:1.0").toString(), "-o",
        tmp.resolve("x.tar").toString(), "--since", junk.toString());
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.err()).contains("is neither a receipt").contains("nor a bundle catalog");
  }

  Path bundle(String name, String... refs) throws Exception {
    Path out = tmp.resolve(name + ".tar");
    CommandResult b = CommandResult.run("bundle", spec(name, refs).toString(), "-o", out.toString());
    assertThat(b.exitCode()).as(b.err()).isZero();
    return out;
  }

  CommandResult importOk(Path bundle, RealRegistry to, Path receipt) {
    CommandResult i = CommandResult.run("import", bundle.toString(), "--to", to.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt", receipt.toString());
    assertThat(i.exitCode()).as(i.err() + i.out()).isZero();
    return i;
  }

  static Set<Digest> catalogDigests(Path bundle, String sql) throws Exception {
    Set<Digest> out = new TreeSet<>();
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dev.airlock.bundler.Bundler.catalogFor(bundle));
        var s = c.createStatement(); var r = s.executeQuery(sql)) {
      while (r.next()) {
        out.add(Digest.parse(r.getString(1)));
      }
    }
    return out;
  }

  static Digest skopeoDigest(Path skopeo, String ref) throws Exception {
    var r = dev.airlock.testing.ProcessRunner.run(List.of(skopeo.toString(), "inspect", "--raw", "--tls-verify=false",
        "docker://" + ref));
    assertThat(r.exitCode()).as(r.err()).isZero();
    return Digest.sha256(r.out().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Every file of the registry's storage but upload sessions, with its size. */
  static List<String> storageFiles(Path storage) throws Exception {
    try (var s = Files.walk(storage)) {
      return s.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/_uploads/"))
          .map(p -> storage.relativize(p) + " " + p.toFile().length()).sorted().toList();
    }
  }

  static void deleteTree(Path dir) throws Exception {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  Path spec(String name, String... refs) throws Exception {
    StringBuilder sb = new StringBuilder("apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: " + name
        + "}\nspec:\n  images:\n");
    for (String r : refs) {
      sb.append("    - ref: ").append(source.hostPort()).append('/').append(r).append('\n');
    }
    Path p = tmp.resolve(name + ".yaml");
    Files.writeString(p, sb.toString());
    return p;
  }

  static void push(LayoutStore l, RawManifest m, String repo, String tag) throws Exception {
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", m.digest().toString(), repo, tag);
    }
  }

  static Set<Digest> blobsOf(RawManifest... images) {
    Set<Digest> out = new TreeSet<>();
    for (RawManifest m : images) {
      m.children().forEach(c -> out.add(c.digest()));
    }
    return out;
  }

  static Set<Digest> blobs(Receipt r) throws Exception {
    Set<Digest> out = new TreeSet<>();
    r.inventory().forEachBlob(e -> out.add(e.digest()));
    return out;
  }
}
