package dev.airlock.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Platform;
import dev.airlock.oci.RawManifest;
import dev.airlock.registry.RegistryOptions;
import dev.airlock.registry.RegistryStore;
import dev.airlock.store.LayoutStore;
import dev.airlock.testing.CommandResult;
import dev.airlock.testing.ProcessRunner;
import dev.airlock.testing.RealRegistry;
import dev.airlock.testing.TestImages;
import dev.airlock.transfer.GraphCopier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receipt's {@code created} fixed ({@code receipt --created}, {@code import --receipt-created}, or
 * SOURCE_DATE_EPOCH): the same target, taken twice, gives byte-identical receipts, signed ones too; the receipt an
 * import writes equals, byte for byte, the one {@code receipt --from} takes of the same repositories.
 */
class ReceiptCreatedTest {
  @RegisterExtension static RealRegistry source = RealRegistry.plain();
  @RegisterExtension static RealRegistry site = RealRegistry.plain();
  @TempDir Path tmp;

  static final String AT = "2026-12-02T10:00:00Z";

  @Test
  void aFixedCreatedTimeGivesByteIdenticalReceipts() throws Exception {
    LayoutStore l = LayoutStore.openOrCreate(tmp.resolve("src"));
    byte[] base = TestImages.randomLayer(7, 50_000);
    RawManifest app = TestImages.image(l, Platform.parse("linux/amd64"), base, TestImages.layer("app", "2.0"));
    try (RegistryStore reg = RegistryStore.open(source.hostPort(), RegistryOptions.anonymous());
        GraphCopier c = new GraphCopier(reg, GraphCopier.Options.defaults().withReferrers(false))) {
      c.copy(l, "", app.digest().toString(), "det/app", "2.0");
    }
    Path spec = tmp.resolve("det.yaml");
    Files.writeString(spec, "apiVersion: airlock.dev/v1\nkind: Bundle\nmetadata: {name: det}\nspec:\n  images:\n"
        + "    - ref: " + source.hostPort() + "/det/app:2.0\n");
    Path bundle = tmp.resolve("det.tar");
    CommandResult b = CommandResult.run("bundle", spec.toString(), "-o", bundle.toString());
    assertThat(b.exitCode()).as(b.err()).isZero();

    // the import's receipt, then receipt --from of the same repositories, at the same time: the same bytes
    Path byImport = tmp.resolve("import.json");
    CommandResult i = CommandResult.run("import", bundle.toString(), "--to", site.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt", byImport.toString(), "--receipt-created", AT);
    assertThat(i.exitCode()).as(i.err() + i.out()).isZero();
    Path first = tmp.resolve("first.json");
    Path second = tmp.resolve("second.json");
    for (Path p : List.of(first, second)) {
      CommandResult r = CommandResult.run("receipt", "--from", site.hostPort(), "-o", p.toString(), "--created", AT);
      assertThat(r.exitCode()).as(r.err()).isZero();
    }
    byte[] expected = Files.readAllBytes(first);
    assertThat(DeltaCycleTest.payload(first)).contains("\"created\":\"" + AT + "\"");
    assertThat(Files.readAllBytes(second)).isEqualTo(expected);
    assertThat(Files.readAllBytes(byImport)).isEqualTo(expected);

    // SOURCE_DATE_EPOCH in a fresh JVM: the same bytes again
    Path fromEnv = tmp.resolve("env.json");
    ProcessBuilder pb = new ProcessBuilder(ProcessRunner.airlockJvm("128m", "receipt", "--from", site.hostPort(), "-o",
        fromEnv.toString()));
    pb.environment().put("SOURCE_DATE_EPOCH", Long.toString(Instant.parse(AT).getEpochSecond()));
    var env = ProcessRunner.run(pb, 120);
    assertThat(env.exitCode()).as(env.err()).isZero();
    assertThat(Files.readAllBytes(fromEnv)).isEqualTo(expected);

    // signed: the signatures are deterministic too, so two receipts signed with one key are the same bytes
    dev.airlock.verify.keys.SigningKey key = dev.airlock.verify.keys.SigningKey.generate();
    Path s1 = tmp.resolve("s1.json");
    Path s2 = tmp.resolve("s2.json");
    try (RegistryStore reg = RegistryStore.open(site.hostPort(), RegistryOptions.anonymous())) {
      for (Path p : List.of(s1, s2)) {
        ReceiptTaker.take(reg, site.hostPort(), List.of("det/app"), Instant.parse(AT), key, p, "airlock test",
            TargetInventory.Listener.NONE);
      }
    }
    assertThat(Files.readAllBytes(s2)).isEqualTo(Files.readAllBytes(s1));
    assertThat(Files.readString(s1)).contains("\"keyid\"");

    // bad values: one line, a non-zero exit, nothing written
    Path none = tmp.resolve("none.json");
    CommandResult bad = CommandResult.run("receipt", "--from", site.hostPort(), "-o", none.toString(), "--created",
        "yesterday");
    assertThat(bad.exitCode()).isNotZero();
    assertThat(bad.err().strip()).doesNotContain("\n").contains("--created 'yesterday' is not a time");
    assertThat(none).doesNotExist();
    ProcessBuilder badEnv = new ProcessBuilder(ProcessRunner.airlockJvm("128m", "receipt", "--from", site.hostPort(),
        "-o", none.toString()));
    badEnv.environment().put("SOURCE_DATE_EPOCH", "soon");
    var be = ProcessRunner.run(badEnv, 120);
    assertThat(be.exitCode()).isNotZero();
    assertThat(be.err()).contains("SOURCE_DATE_EPOCH 'soon' is not a number of seconds");
    assertThat(none).doesNotExist();
    CommandResult orphan = CommandResult.run("import", bundle.toString(), "--to", site.hostPort(), "--allow-unsigned",
        "--catalog", tmp.resolve("history.db").toString(), "--receipt-created", AT);
    assertThat(orphan.exitCode()).isNotZero();
    assertThat(orphan.err()).contains("--receipt-created needs --receipt FILE");
  }
}
