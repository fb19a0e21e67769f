package dev.airlock.cli;

import dev.airlock.bundle.BundleSpec;
import dev.airlock.bundle.SpecReader;
import dev.airlock.bundler.OpenedSourceStores;
import dev.airlock.charts.ChartRepository;
import dev.airlock.importer.BundleImporter;
import dev.airlock.importer.BundleVerifier;
import dev.airlock.importer.ImportResult;
import dev.airlock.importer.ReferenceMapper;
import dev.airlock.importer.RegistryImportTargets;
import dev.airlock.importer.SparseIndexMode;
import dev.airlock.mirror.Mirror;
import dev.airlock.mirror.MirrorWatch;
import dev.airlock.progress.TerminalProgress;
import dev.airlock.registry.RegistryOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "mirror", mixinStandardHelpOptions = true,
    description = {"Mirror a bundle spec's content registry to registry, with no bundle in between.",
        "The spec is resolved as bundle resolves it (tags, tag filters, platforms, referrer rules); --policy is"
            + " evaluated on the source content before anything is pushed (failure: nothing is pushed, exit 3);"
            + " then the plan, the push (streamed source -> target, each blob once), the check and the history"
            + " record, as import does. A re-run pushes only what changed; --watch repeats."})
final class MirrorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SPEC", description = "The bundle spec (YAML), see docs/bundle-spec.md.")
  Path specFile;

  @Option(names = "--dry-run", description = "Resolve, check the policy and print the plan; push nothing.")
  boolean dryRun;

  @Option(names = "--sparse-index", paramLabel = "MODE", defaultValue = "auto", description = "What a platform-filtered"
      + " index becomes at the target: auto (default), keep, filter, platform-tags, fail (as import).")
  String sparseIndex;

  @Option(names = "--watch", paramLabel = "INTERVAL", description = "Mirror again every INTERVAL (30s, 5m, 1h) until"
      + " interrupted, printing one line per change; a failed round is reported and the next one runs.")
  String watch;

  @Mixin ImportTargetMixin target = new ImportTargetMixin();

  @Mixin RegistryOptionsMixin registry = new RegistryOptionsMixin();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Duration interval = watch == null ? null : MirrorWatch.parseInterval(watch);
    BundleSpec bundleSpec = SpecReader.read(specFile);
    Path history = target.history();
    RegistryOptions opts = registry.toOptions(System.in);
    SparseIndexMode mode = SparseIndexMode.parse(sparseIndex);
    ReferenceMapper mapper = target.mapper();
    BundleVerifier.Request verify = target.verification(List.of(), true);
    RegistryOptions sourceOpts = opts.withDownloadWindow(Mirror.downloadWindow(target.streams(), Runtime.getRuntime().maxMemory()));
    try (OpenedSourceStores stores = new OpenedSourceStores(sourceOpts)) {
      Mirror mirror = new Mirror(stores, new ChartRepository(), new RegistryImportTargets(opts));
      if (interval != null) {
        MirrorWatch w = new MirrorWatch(mirror, bundleSpec, specFile, interval, line -> {
          out.println(line);
          out.flush();
        });
        w.run(progress -> options(verify, mapper, history, mode, progress, null), Long.MAX_VALUE);
        return ExitCodes.OK;
      }
      TerminalProgress progress = TerminalProgress.forConsole(err);
      Mirror.Result r;
      try {
        r = mirror.run(bundleSpec, specFile, options(verify, mapper, history, mode, progress, (verified, plan) -> {
          out.println("verification: " + verified.summary());
          out.println("plan:");
          plan.describe().forEach(l -> out.println("  " + l));
          out.flush();
        }));
      } finally {
        progress.finish();
      }
      ImportResult i = r.imported();
      if (!i.dryRun()) {
        i.indexLines().forEach(l -> out.println("index: " + l));
        out.println("check after mirror:");
        i.proof().forEach(l -> out.println("  " + l));
      }
      i.configNotes().forEach(l -> out.println("config: " + l));
      out.println("sources: " + r.entries().size() + " entries, " + r.manifests() + " manifests, " + r.blobs() + " blobs ("
          + TerminalProgress.human(r.blobBytes()) + ")");
      out.println(i.summary().replaceFirst("^imported ", "mirrored "));
      out.println("history: " + history.toAbsolutePath() + (i.historyId() > 0 ? " (#" + i.historyId() + ")" : ""));
      out.flush();
    }
    return ExitCodes.OK;
  }

  private BundleImporter.Options options(BundleVerifier.Request verify, ReferenceMapper mapper, Path history,
      SparseIndexMode mode, dev.airlock.progress.ProgressListener progress, BundleImporter.PlanListener onPlan) {
    return new BundleImporter.Options(target.target(), mapper, verify, dryRun, target.jobs, progress, target.emitConfig,
        history, onPlan)
        .withSparseIndex(mode);
  }
}
