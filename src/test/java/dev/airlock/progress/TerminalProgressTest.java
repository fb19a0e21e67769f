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
    p.info("chart x: found 2 image(s)");
    p.finish();
    assertThat(sw.toString()).isEqualTo("fetch: 3 item(s)" + System.lineSeparator() + "chart x: found 2 image(s)"
        + System.lineSeparator());
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
