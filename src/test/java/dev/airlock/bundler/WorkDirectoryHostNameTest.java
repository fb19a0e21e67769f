package dev.airlock.bundler;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The holder's host name is the one the JDK gives, without resolving it. */
class WorkDirectoryHostNameTest {
  @Test
  void sameNameAsTheJdkGives() throws Exception {
    assertThat(WorkDirectory.hostName()).isNotBlank().isEqualTo(InetAddress.getLocalHost().getHostName());
  }
}
