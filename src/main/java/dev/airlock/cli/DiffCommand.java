package dev.airlock.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.airlock.InvalidInputException;
import dev.airlock.audit.BundleDiff;
import dev.airlock.audit.DiffReport;
import dev.airlock.audit.DiffSide;
import dev.airlock.audit.HtmlRenderer;
import dev.airlock.audit.MarkdownRenderer;
import dev.airlock.audit.ReportDocument;
import dev.airlock.oci.Json;
import dev.airlock.store.AtomicFiles;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "diff", mixinStandardHelpOptions = true,
    description = {"Show what changed between two bundles (or their catalogs, or lock files): images, charts and"
        + " artifacts added, removed, re-tagged or changed; per changed image the layers added and removed; packages"
        + " added, removed and upgraded (from SBOMs); signers that changed.",
        "Exit 0 whether or not anything changed; 1 on bad input."})
final class DiffCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", converter = BundlePathConverter.class, paramLabel = "OLD",
      description = "The older bundle (.tar, .tar.zst), catalog.db or lock file.")
  Path oldFile;

  @Parameters(index = "1", converter = BundlePathConverter.class, paramLabel = "NEW", description = "The newer one.")
  Path newFile;

  @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text", description = "Output format (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--html", paramLabel = "FILE", description = "Also write the diff as one self-contained HTML file.")
  Path html;

  @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the diff as Markdown.")
  Path markdown;

  @Override
  public Integer call() throws Exception {
    if (!format.equals("text") && !format.equals("json")) {
      throw new InvalidInputException("-o must be text or json, not '" + format + "'");
    }
    BundleDiff d = BundleDiff.of(DiffSide.read(oldFile), DiffSide.read(newFile));
    PrintWriter out = spec.commandLine().getOut();
    if (html != null || markdown != null) {
      ReportDocument doc = DiffReport.document(d, Instant.now().truncatedTo(ChronoUnit.SECONDS), Main.version());
      if (html != null) {
        AtomicFiles.write(html, HtmlRenderer.render(doc).getBytes(StandardCharsets.UTF_8));
      }
      if (markdown != null) {
        AtomicFiles.write(markdown, MarkdownRenderer.render(doc).getBytes(StandardCharsets.UTF_8));
      }
    }
    if (format.equals("json")) {
      out.println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(d));
    } else {
      out.print(DiffReport.text(d));
    }
    out.flush();
    return ExitCodes.OK;
  }
}
