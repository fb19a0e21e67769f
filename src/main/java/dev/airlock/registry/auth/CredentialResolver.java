package dev.airlock.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.InvalidInputException;
import dev.airlock.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds credentials for a registry host, in this order: explicit ones (CLI {@code --username} with
 * {@code --password-stdin}); {@code REGISTRY_AUTH_FILE}; the Docker config ({@code $DOCKER_CONFIG/config.json}
 * or {@code ~/.docker/config.json}). In an auth file, {@code credHelpers[host]} wins, then
 * {@code credsStore}, then {@code auths} ({@code auth} = base64 user:password, or username/password,
 * or identitytoken). Helpers run as {@code docker-credential-NAME get} with the host on stdin.
 */
public final class CredentialResolver {
  private static final int FILE_CAP = 4 * 1024 * 1024;
  private static final int HELPER_CAP = 256 * 1024;

  private final Credentials explicit;
  private final List<Path> authFiles;
  private final List<Path> helperDirs;

  /**
   * @param authFiles files to look in, first match wins
   * @param helperDirs where to find {@code docker-credential-*} programs (null: PATH)
   */
  public CredentialResolver(Credentials explicit, List<Path> authFiles, List<Path> helperDirs) {
    this.explicit = explicit;
    this.authFiles = authFiles == null ? List.of() : List.copyOf(authFiles);
    this.helperDirs = helperDirs;
  }

  /** The standard places: REGISTRY_AUTH_FILE, then the Docker config. */
  public static List<Path> defaultAuthFiles(Map<String, String> env) {
    List<Path> out = new ArrayList<>();
    String raf = env.get("REGISTRY_AUTH_FILE");
    if (raf != null && !raf.isBlank()) {
      out.add(Path.of(raf));
    }
    String dc = env.get("DOCKER_CONFIG");
    if (dc != null && !dc.isBlank()) {
      out.add(Path.of(dc, "config.json"));
    } else {
      out.add(Path.of(System.getProperty("user.home"), ".docker", "config.json"));
    }
    return out;
  }

  public static CredentialResolver anonymous() {
    return new CredentialResolver(null, List.of(), List.of());
  }

  /** Credentials for {@code host} ({@code registry:port}; Docker Hub as {@code docker.io}), if any. */
  public Optional<Credentials> find(String host) throws IOException {
    if (explicit != null) {
      return Optional.of(explicit);
    }
    for (Path f : authFiles) {
      if (!Files.isRegularFile(f)) {
        continue;
      }
      byte[] bytes = dev.airlock.files.BoundedFile.read(f, (int) FILE_CAP, "registry credentials file");
      Optional<Credentials> c = fromConfig(Json.tree(bytes, f.toString()), host, f);
      if (c.isPresent()) {
        return c;
      }
    }
    return Optional.empty();
  }

  private Optional<Credentials> fromConfig(JsonNode cfg, String host, Path file) throws IOException {
    List<String> keys = keysFor(host);
    JsonNode helpers = cfg.path("credHelpers");
    for (String k : keys) {
      if (helpers.path(k).isTextual()) {
        return runHelper(helpers.path(k).asText(), k);
      }
    }
    JsonNode auths = cfg.path("auths");
    for (String k : keys) {
      JsonNode a = auths.get(k);
      if (a != null && a.isObject()) {
        Optional<Credentials> c = fromAuthEntry(a, k, file);
        if (c.isPresent()) {
          return c;
        }
      }
    }
    if (cfg.path("credsStore").isTextual()) {
      return runHelper(cfg.path("credsStore").asText(), keys.get(0));
    }
    return Optional.empty();
  }

  /** The keys a config may use for a host: bare, with scheme, Docker Hub's legacy URL. */
  static List<String> keysFor(String host) {
    List<String> keys = new ArrayList<>();
    if (host.equals("docker.io") || host.equals("registry-1.docker.io") || host.equals("index.docker.io")) {
      keys.add("https://index.docker.io/v1/");
      keys.add("index.docker.io");
      keys.add("docker.io");
      keys.add("registry-1.docker.io");
    } else {
      keys.add(host);
      keys.add("https://" + host);
      keys.add("http://" + host);
      keys.add("https://" + host + "/v1/");
      keys.add("https://" + host + "/v2/");
    }
    return keys;
  }

  private static Optional<Credentials> fromAuthEntry(JsonNode a, String key, Path file) {
    String identity = a.path("identitytoken").asText(null);
    String auth = a.path("auth").asText(null);
    if (auth != null && !auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(file + ": auths[" + key + "].auth is not valid base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new InvalidInputException(file + ": auths[" + key + "].auth is not user:password");
      }
      return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1), identity));
    }
    String user = a.path("username").asText(null);
    if (user != null) {
      return Optional.of(new Credentials(user, a.path("password").asText(""), identity));
    }
    if (identity != null) {
      return Optional.of(new Credentials(null, null, identity));
    }
    return Optional.empty();
  }

  private Optional<Credentials> runHelper(String name, String serverUrl) throws IOException {
    if (!name.matches("[A-Za-z0-9._-]+")) {
      throw new InvalidInputException("credential helper name '" + name + "' is not valid");
    }
    String program = "docker-credential-" + name;
    Path exe = findHelper(program);
    if (exe == null) {
      throw new InvalidInputException("credential helper " + program + " is not installed (not on PATH)");
    }
    Process p = new ProcessBuilder(exe.toString(), "get").redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(serverUrl.getBytes(StandardCharsets.UTF_8));
    }
    byte[] out;
    try (InputStream o = p.getInputStream()) {
      out = Json.readCapped(o, HELPER_CAP, program + " output");
    }
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new InvalidInputException(program + " get did not answer within 30s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted running " + program);
    }
    if (p.exitValue() != 0) {
      String msg = new String(out, StandardCharsets.UTF_8).trim();
      if (msg.toLowerCase(java.util.Locale.ROOT).contains("credentials not found")) {
        return Optional.empty();
      }
      // helpers print errors on stdout; they never contain the secret
      throw new InvalidInputException(program + " get failed (exit " + p.exitValue() + ")"
          + (msg.isEmpty() ? "" : ": " + Json.firstLine(msg)));
    }
    JsonNode n = Json.tree(out, program + " output");
    String user = n.path("Username").asText(null);
    String secret = n.path("Secret").asText(null);
    if (secret == null || secret.isEmpty()) {
      return Optional.empty();
    }
    if ("<token>".equals(user)) {
      return Optional.of(new Credentials(null, null, secret));
    }
    return Optional.of(Credentials.basic(user, secret));
  }

  private Path findHelper(String program) {
    List<Path> dirs = new ArrayList<>();
    if (helperDirs != null) {
      dirs.addAll(helperDirs);
    } else {
      String path = System.getenv("PATH");
      if (path != null) {
        for (String d : path.split(java.io.File.pathSeparator)) {
          dirs.add(Path.of(d));
        }
      }
    }
    for (Path d : dirs) {
      Path p = d.resolve(program);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
