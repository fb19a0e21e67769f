package dev.airlock.verify.integrity;

import dev.airlock.catalog.SqliteNativeLibrary;
import dev.airlock.oci.Descriptor;
import dev.airlock.oci.Json;
import dev.airlock.oci.MediaTypes;
import dev.airlock.oci.RawManifest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one-time work of the checks that follow the hashing pass (Jackson's first manifest, SQLite's
 * native library) done on a background thread while the blobs are hashed, instead of after them: it
 * saves a few hundred milliseconds of each {@code verify} and {@code import}. It only initialises
 * libraries; no check depends on it, and whatever it hits is met again, and reported, by the checks.
 */
public final class LayoutCheckWarmUp {
  private static final AtomicBoolean STARTED = new AtomicBoolean();
  private static final byte[] SAMPLE = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
      + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":2,\"digest\":\"sha256:"
      + "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\"},\"layers\":[],"
      + "\"annotations\":{\"org.opencontainers.image.ref.name\":\"warm-up\"}}").getBytes(StandardCharsets.UTF_8);

  private LayoutCheckWarmUp() {}

  /** Starts the warm-up once per JVM; later calls do nothing. */
  public static void start() {
    if (!STARTED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(LayoutCheckWarmUp::run, "airlock-verify-warm-up");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  private static void run() {
    try {
      RawManifest m = RawManifest.of(SAMPLE, MediaTypes.OCI_MANIFEST, "warm-up manifest");
      Descriptor.fromTree(Json.tree(SAMPLE, "warm-up manifest").path("config"));
      m.children();
    } catch (RuntimeException | LinkageError e) {
      // the checks meet it again
    }
    try {
      SqliteNativeLibrary.prepare();
      org.sqlite.SQLiteJDBCLoader.initialize();
    } catch (Exception | LinkageError e) {
      // the checks meet it again
    }
  }
}
