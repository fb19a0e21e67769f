package dev.airlock.importer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.history.ImportHistory;
import dev.airlock.history.ImportRecord;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.RewrittenBundle;
import dev.airlock.verify.TestBundle;
import dev.airlock.verify.keys.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollback (issue 22): a validly signed bundle stays valid forever, so import refuses, by default, a bundle
 * of the same name created before the newest one the history says was imported into the same target.
 */
class RollbackTest {
  static final SigningKey KEY = SigningKey.generate();
  static final Instant JANUARY = Instant.parse("2026-01-05T10:00:00Z");
  static final Instant MARCH = Instant.parse("2026-03-05T10:00:00Z");
  @TempDir Path tmp;

  Path bundle(String name, Instant created) throws Exception {
    Path built = TestBundle.build(Files.createDirectories(tmp.resolve("build-" + name)), KEY, null, created);
    // written again by airlock's own tar writer: the canonical form airlock bundles have
    return RewrittenBundle.unpack(built, Files.createDirectories(tmp.resolve("unpacked-" + name))).write(tmp.resolve(name));
  }

  CommandResult importInto(Path bundle, String target, String... extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("import", bundle.toString(), "--to", "oci:" + tmp.resolve(target),
        "--key", tmp.resolve("k.pub").toString(), "--catalog", tmp.resolve("history.db").toString()));
    args.addAll(List.of(extra));
    return CommandResult.run(args.toArray(String[]::new));
  }

  @Test
  void anOlderBundleOfTheSameNameIsRefusedUnlessAllowedAndNothingIsImported() throws Exception {
    Files.writeString(tmp.resolve("k.pub"), KEY.publicKeyPem());
    Path march = bundle("march.tar", MARCH);
    Path january = bundle("january.tar", JANUARY);

    CommandResult first = importInto(march, "site");
    assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
    String layoutBefore = dev.airlock.testing.TreeHash.of(tmp.resolve("site"));

    CommandResult old = importInto(january, "site");
    assertThat(old.exitCode()).as(old.out() + old.err()).isEqualTo(3);
    List<String> errors = old.err().lines().filter(l -> l.startsWith("airlock:")).toList();
    assertThat(errors).as(old.err()).hasSize(1);
    String line = errors.get(0);
    assertThat(line).contains("bundle 'test' january.tar").contains("created " + JANUARY)
        .contains("before bundle 'test' march.tar").contains("created " + MARCH)
        .contains("imported into oci:" + tmp.resolve("site")).contains("refusing to roll back").contains("--allow-older");
    assertThat(dev.airlock.testing.TreeHash.of(tmp.resolve("site"))).isEqualTo(layoutBefore);
    // the refusal is in the history
    List<ImportRecord> records = ImportHistory.list(tmp.resolve("history.db"));
    assertThat(records.get(records.size() - 1).status()).isEqualTo(ImportRecord.VERIFICATION_FAILED);
    assertThat(records.get(records.size() - 1).error()).contains("refusing to roll back");

    // a dry run says the same
    CommandResult dry = importInto(january, "site", "--dry-run");
    assertThat(dry.exitCode()).isEqualTo(3);
    assertThat(dry.err()).contains("refusing to roll back");

    // the same bundle again, and the older one into another target, are no rollback
    assertThat(importInto(march, "site").exitCode()).isZero();
    CommandResult elsewhere = importInto(january, "other");
    assertThat(elsewhere.exitCode()).as(elsewhere.err()).isZero();

    // deliberately
    CommandResult allowed = importInto(january, "site", "--allow-older");
    assertThat(allowed.exitCode()).as(allowed.out() + allowed.err()).isZero();
    // the newest imported stays the reference: January is still older than March
    assertThat(importInto(january, "site").exitCode()).isEqualTo(3);
  }
}
