package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.bundle.BundleFormat;
import dev.airlock.oci.Json;
import dev.airlock.testing.CanonicalTar;
import dev.airlock.testing.CommandResult;
import dev.airlock.verify.TestBundle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22 (one verifier, one answer): whatever is wrong with a bundle's bytes, {@code verify} and
 * {@code import} say so with the same exit code, 3, in one line, and import writes nothing.
 */
class ExitCodeAgreementTest {
  @TempDir Path tmp;

  @Test
  void badIndexJsonOciLayoutAndRootBytesAreExit3FromVerifyAndImport() throws Exception {
    Path good = TestBundle.build(tmp, null, null, Instant.parse("2026-08-22T00:00:00Z"));
    Map<String, byte[]> entries = new TreeMap<>();
    try (TarFile t = new TarFile(good.toFile())) {
      for (TarArchiveEntry e : t.getEntries()) {
        if (e.isFile()) {
          entries.put(e.getName(), t.getInputStream(e).readAllBytes());
        }
      }
    }
    String index = new String(entries.get("index.json"), StandardCharsets.UTF_8);
    String root = null;
    for (var n : Json.tree(entries.get("index.json"), "index.json").path("manifests")) {
      if (BundleFormat.ROOT_REF_NAME.equals(n.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
        root = n.path("digest").asText();
      }
    }
    assertThat(root).isNotNull();
    byte[] flippedRoot = entries.get("blobs/sha256/" + root.substring(7)).clone();
    flippedRoot[flippedRoot.length / 2] ^= 0x01;

    Map<String, Map<String, byte[]>> cases = new LinkedHashMap<>();
    cases.put("index.json not JSON", with(entries, "index.json", utf8(index.substring(0, index.length() - 1))));
    cases.put("index.json duplicate key", with(entries, "index.json", utf8("{\"schemaVersion\":2," + index.substring(1))));
    cases.put("index.json oversized", with(entries, "index.json",
        utf8(index.substring(0, index.length() - 1) + " ".repeat(Json.MANIFEST_CAP * 4) + "}")));
    cases.put("oci-layout not JSON", with(entries, "oci-layout", utf8("{\"imageLayoutVersion\":")));
    cases.put("oci-layout duplicate key", with(entries, "oci-layout",
        utf8("{\"imageLayoutVersion\":\"1.0.0\",\"imageLayoutVersion\":\"1.0.0\"}")));
    cases.put("oci-layout oversized", with(entries, "oci-layout", utf8("{\"imageLayoutVersion\":\"1.0.0\"" + " ".repeat(8192) + "}")));
    cases.put("root index byte flipped", with(entries, "blobs/sha256/" + root.substring(7), flippedRoot));

    assertThat(verify(good).exitCode()).as(verify(good).err()).isZero();
    for (var c : cases.entrySet()) {
      Path bad = CanonicalTar.write(tmp.resolve(c.getKey().replace(' ', '-') + ".tar"), c.getValue());
      CommandResult v = verify(bad);
      Path target = tmp.resolve("target-" + c.getKey().replace(' ', '-'));
      CommandResult i = CommandResult.run("import", bad.toString(), "--to", "oci:" + target, "--allow-unsigned",
          "--catalog", tmp.resolve("history.db").toString());
      assertThat(v.exitCode()).as(c.getKey() + ": verify " + v.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(i.exitCode()).as(c.getKey() + ": import " + i.err()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
      assertThat(v.err().strip()).as(c.getKey()).doesNotContain("\n").doesNotContain("Exception");
      assertThat(i.err().lines().filter(l -> l.startsWith("airlock: "))).as(c.getKey() + ": " + i.err()).hasSize(1);
      assertThat(i.err()).as(c.getKey()).doesNotContain("Exception");
      assertThat(target).as(c.getKey()).doesNotExist();
    }
  }

  private static Map<String, byte[]> with(Map<String, byte[]> entries, String name, byte[] content) {
    Map<String, byte[]> copy = new TreeMap<>(entries);
    copy.put(name, content);
    return copy;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static CommandResult verify(Path bundle) {
    return CommandResult.run("verify", bundle.toString(), "--allow-unsigned");
  }
}
