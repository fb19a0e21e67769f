package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.testing.CommandResult;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bundle arguments written as paths or as skopeo-style locations. */
class BundlePathConverterTest {
  @TempDir Path tmp;
  final BundlePathConverter c = new BundlePathConverter();

  @Test
  void skopeoPrefixesAreThePathsTheyName() throws Exception {
    Path tar = Files.writeString(tmp.resolve("team.tar"), "x");
    assertThat(c.convert("oci-archive:" + tar)).isEqualTo(tar);
    assertThat(c.convert("oci:" + tmp)).isEqualTo(tmp);
    assertThat(c.convert(tar.toString())).isEqualTo(tar);
  }

  @Test
  void aRefAfterABundleIsRefusedWithWhatToWriteInstead() throws Exception {
    Path tar = Files.writeString(tmp.resolve("team.tar"), "x");
    assertThatThrownBy(() -> c.convert("oci-archive:" + tar + ":latest")).isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessageContaining("without a ':latest' ref; name just oci-archive:" + tar);
    assertThatThrownBy(() -> c.convert("oci-archive:")).hasMessageContaining("names no file");
  }

  @Test
  void auditAndServeTakeThePrefixedForm() {
    CommandResult audit = CommandResult.run("audit", "oci-archive:" + tmp.resolve("missing.tar"));
    assertThat(audit.err().strip()).isEqualTo("airlock: bundle " + tmp.resolve("missing.tar") + " does not exist");
    CommandResult serve = CommandResult.run("serve", "oci:" + tmp.resolve("nolayout"), "--addr", "127.0.0.1:0");
    assertThat(serve.exitCode()).isNotZero();
    assertThat(serve.err()).contains(tmp.resolve("nolayout").toString()).doesNotContain("oci:");
  }
}
