package dev.airlock.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

class ChartContentsTest {
  static byte[] tgz(Map<String, byte[]> files) throws Exception {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bos))) {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(f.getValue().length);
        tar.putArchiveEntry(e);
        tar.write(f.getValue());
        tar.closeArchiveEntry();
      }
    }
    return bos.toByteArray();
  }

  private static byte[] s(String v) {
    return v.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readsSubchartsPackedAndUnpacked() throws Exception {
    Map<String, byte[]> nested = new LinkedHashMap<>();
    nested.put("other/Chart.yaml", s("name: other\nversion: 1.0.0\nappVersion: \"7\"\n"));
    nested.put("other/values.yaml", s("image:\n  repository: quay.io/o/nested\n"));
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("demo/Chart.yaml", s("name: demo\nversion: 0.3.0\n"));
    files.put("demo/values.yaml", s("image: ghcr.io/o/top:1\n"));
    files.put("demo/charts/sub/Chart.yaml", s("name: sub\nversion: 0.1.0\n"));
    files.put("demo/charts/sub/values.yaml", s("image: {registry: docker.io, repository: o/dir-sub, tag: \"2\"}\n"));
    files.put("demo/charts/other-1.0.0.tgz", tgz(nested));
    files.put("demo/templates/x.yaml", s("kind: ConfigMap\n"));
    ChartContents c = ChartContents.read(new ByteArrayInputStream(tgz(files)), "demo.tgz");
    assertThat(c.name()).isEqualTo("demo");
    assertThat(c.subcharts()).extracting(ChartContents::name).containsExactly("other", "sub");
    assertThat(ChartImageFinder.find(c)).extracting(ChartImageFinder.FoundImage::ref).containsExactly(
        "docker.io/o/dir-sub:2", "ghcr.io/o/top:1", "quay.io/o/nested:7");
  }

  @Test
  void notAChart() throws Exception {
    assertThatThrownBy(() -> ChartContents.read(new ByteArrayInputStream(s("plain text")), "x.tgz"))
        .hasMessageContaining("x.tgz is not a valid chart archive");
    assertThatThrownBy(() -> ChartContents.read(new ByteArrayInputStream(tgz(Map.of("a/b.txt", s("x")))), "y.tgz"))
        .hasMessageContaining("y.tgz has no Chart.yaml");
  }
}
