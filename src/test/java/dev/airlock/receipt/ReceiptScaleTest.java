package dev.airlock.receipt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.oci.Digest;
import dev.airlock.testing.ProcessRunner;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receipt of 100,000 blobs: about 110 bytes a blob on disk, and read by a JVM whose heap (16 MiB) could not hold
 * 100,000 digest objects and their strings alongside airlock itself: the lists go to a database on disk.
 */
class ReceiptScaleTest {
  @TempDir Path tmp;
  static final int BLOBS = 100_000;

  @Test
  void aReceiptOfAHundredThousandBlobsIsSmallAndReadInBoundedMemory() throws Exception {
    Path big = tmp.resolve("big.receipt.json");
    try (DigestInventory inv = DigestInventory.create()) {
      for (int i = 0; i < BLOBS; i++) {
        inv.addBlob(Digest.sha256(ByteBuffer.allocate(4).putInt(i).array()), 1000L + i);
      }
      for (int i = 0; i < 1000; i++) {
        Digest m = Digest.sha256(("manifest " + i).getBytes());
        inv.addManifest(m, 500);
        inv.addTag("team/app" + (i % 10), "v" + i, m);
      }
      ReceiptWriter.Written w = ReceiptWriter.write(inv, "registry.internal:5000", Instant.parse("2026-12-02T10:00:00Z"),
          "airlock test", null, big);
      assertThat(w.blobs()).isEqualTo(BLOBS);
    }
    long size = Files.size(big);
    System.out.println("receipt of " + BLOBS + " blobs: " + size + " bytes");
    assertThat(size / (double) BLOBS).as("bytes per blob").isLessThan(120);
    ProcessBuilder pb = new ProcessBuilder(ProcessRunner.airlockJvm("16m", "audit", big.toString()))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("audit.log").toFile());
    Process p = pb.start();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("audit finishes").isTrue();
    String log = Files.readString(tmp.resolve("audit.log"));
    assertThat(p.exitValue()).as(log).isZero();
    assertThat(log).contains("10 repositories, 1000 tags, 1000 manifests, 100000 blobs");
  }
}
