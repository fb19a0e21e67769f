package dev.airlock.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TerminalProgressTest {
  @Test
  void barShowsBytesRateAndEta() {
    AtomicLong now = new AtomicLong();
    StringWriter sw = new StringWriter();
    TerminalProgress p = new TerminalProgress(new PrintWriter(sw), true, now::get);
    p.phase("write", 4, 4L << 20);
    now.set(1_000_000_000L);
    p.bytes(1L << 20);
    p.item("blob a", false);
    p.item("blob b", true);
    assertThat(p.line()).isEqualTo("write [######                  ] 1.0 MiB / 4.0 MiB  1.0 MiB/s  ETA 0:03  2/4 items (1 already there)");
    p.finish();
    assertThat(sw.toString()).contains("\rwrite [").endsWith(System.lineSeparator());
  }

  @Test
  void plainLinesWithoutATerminal() {
    StringWriter sw = new StringWriter();
    TerminalProgress p = new TerminalProgress(new PrintWriter(sw), false, () -> 0L);
    p.phase("fetch", 3, -1);
    p.bytes(100);
    p.item("blob a", false);
    p.info("chart x: found 2 image(s)");
    p.phase("verify", -1, -1);
    p.finish();
    String n = System.lineSeparator();
    assertThat(sw.toString()).isEqualTo("fetch: fetching manifests and small blobs into the working directory (3 item(s))" + n
        + "chart x: found 2 image(s)" + n
        + "fetch: done in 0.0s: 1 item(s), 100 B" + n
        + "verify: verifying the bundle offline: every blob's digest, the bundle signature and the policy" + n
        + "verify: done in 0.0s" + n);
  }

  @Test
  void pastAShortEstimateNoBarAndNoEtaAndNoEtaBeforeTheRateMeansAnything() {
    AtomicLong now = new AtomicLong();
    TerminalProgress p = new TerminalProgress(new PrintWriter(new StringWriter()), true, now::get);
    p.phase("fetch", -1, 8704);
    now.set(500_000_000L);
    p.bytes(100);
    assertThat(p.line()).as("half a second in").doesNotContain("ETA");
    now.set(4_000_000_000L);
    p.bytes(9423);
    assertThat(p.line()).startsWith("fetch 9.3 KiB (of about 8.5 KiB estimated)").doesNotContain("ETA").doesNotContain("[");
  }

  @Test
  void withoutATerminalALogLineWithRateAndEtaEveryFewSeconds() {
    AtomicLong now = new AtomicLong(1);
    StringWriter sw = new StringWriter();
    TerminalProgress p = new TerminalProgress(new PrintWriter(sw), false, now::get);
    p.phase("push", 2, 10L << 20);
    p.bytes(1L << 20);
    now.set(2_000_000_001L);
    p.bytes(1L << 20);
    assertThat(sw.toString()).doesNotContain("/s");
    now.set(8_000_000_001L);
    p.bytes(2L << 20);
    assertThat(sw.toString()).contains("  push [").contains("4.0 MiB / 10.0 MiB").contains("/s").contains("ETA");
  }
}
