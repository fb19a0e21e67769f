package dev.airlock.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.registry.auth.Credentials;
import dev.airlock.testing.RealRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** HTTP basic authentication (htpasswd, bcrypt) against a real docker-registry. */
class RegistryBasicAuthRealTest {
  @RegisterExtension static final RealRegistry registry = RealRegistry.plain()
      .withAuth("  htpasswd:\n    realm: airlock-test\n    path: " + AuthFixtures.DIR.resolve("htpasswd"));
  @TempDir Path tmp;

  @Test
  void basicAuthWithExplicitCredentials() throws Exception {
    AuthFixtures.roundTrip(registry, RegistryOptions.anonymous().withCredentials(Credentials.basic("alice", "s3cret")), tmp, "basic/app");
  }

  @Test
  void basicAuthFromADockerConfigAndAHelper() throws Exception {
    Path cfg = tmp.resolve("config.json");
    Files.writeString(cfg, "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\""
        + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)) + "\"}}}");
    AuthFixtures.roundTrip(registry, RegistryOptions.anonymous().withAuthFiles(List.of(cfg), List.of()), tmp.resolve("a"), "cfg/app");

    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path helper = bin.resolve("docker-credential-airlocktest");
    Files.writeString(helper, "#!/bin/sh\nread host\n[ \"$host\" = \"" + registry.hostPort()
        + "\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
        + "echo '{\"ServerURL\":\"'$host'\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}'\n");
    helper.toFile().setExecutable(true);
    Path helperCfg = tmp.resolve("helper.json");
    Files.writeString(helperCfg, "{\"credHelpers\":{\"" + registry.hostPort() + "\":\"airlocktest\"}}");
    AuthFixtures.roundTrip(registry, RegistryOptions.anonymous().withAuthFiles(List.of(helperCfg), List.of(bin)), tmp.resolve("b"), "helper/app");
  }

  @Test
  void credsStoreHelperFromADirectoryNotOnPath() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("store-bin"));
    Path asked = tmp.resolve("asked");
    Path helper = bin.resolve("docker-credential-airlockstore");
    Files.writeString(helper, "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nhost=$(cat)\necho \"$host\" >> " + asked + "\n"
        + "[ \"$host\" = \"" + registry.hostPort() + "\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
        + "echo '{\"ServerURL\":\"'$host'\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}'\n");
    helper.toFile().setExecutable(true);
    // what docker login writes with a store: an empty placeholder under auths
    Path cfg = tmp.resolve("store.json");
    Files.writeString(cfg, "{\"auths\":{\"" + registry.hostPort() + "\":{}},\"credsStore\":\"airlockstore\"}");
    RegistryOptions opts = RegistryOptions.anonymous().withAuthFiles(List.of(cfg), List.of(bin));
    AuthFixtures.roundTrip(registry, opts, tmp.resolve("c"), "store/app");
    assertThat(Files.readAllLines(asked)).isNotEmpty().allMatch(registry.hostPort()::equals);

    // a store that has nothing for the host: anonymous, which this registry refuses at once
    Path empty = bin.resolve("docker-credential-emptystore");
    Files.writeString(empty, "#!/bin/sh\ncat > /dev/null\necho 'credentials not found in native keychain'\nexit 1\n");
    empty.toFile().setExecutable(true);
    Files.writeString(cfg, "{\"credsStore\":\"emptystore\"}");
    RegistryStore anonymous = RegistryStore.open(registry.hostPort(), opts);
    assertThatThrownBy(() -> anonymous.getManifest("store/app", "v1")).isInstanceOf(RegistryException.class)
        .hasMessageContaining("HTTP 401");
  }

  @Test
  void wrongPasswordFailsAtOnceWithoutTheSecretInTheMessage() {
    RegistryStore reg = RegistryStore.open(registry.hostPort(),
        RegistryOptions.anonymous().withCredentials(Credentials.basic("alice", "wrong-pw")));
    assertThatThrownBy(() -> reg.getManifest("basic/app", "v1")).isInstanceOf(RegistryException.class)
        .hasMessageContaining("HTTP 401").hasMessageContaining("UNAUTHORIZED").hasMessageNotContaining("wrong-pw");
  }
}
