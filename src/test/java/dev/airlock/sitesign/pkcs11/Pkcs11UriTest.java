package dev.airlock.sitesign.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import org.junit.jupiter.api.Test;

/** RFC 7512 URIs: the examples of section 3.3 that name a private key, percent-encoding, refusals. */
class Pkcs11UriTest {
  @Test
  void readsPathAndQueryAttributes() {
    Pkcs11Uri u = Pkcs11Uri.parse("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;"
        + "model=1.0;object=my-certificate;type=private;serial=?pin-source=file:/etc/token&module-path=/usr/lib/a.so");
    assertThat(u.token()).isEqualTo("The Software PKCS#11 Softtoken");
    assertThat(u.path()).containsEntry("manufacturer", "Snake Oil, Inc.").containsEntry("serial", "")
        .containsEntry("type", "private");
    assertThat(u.query()).containsEntry("pin-source", "file:/etc/token").containsEntry("module-path", "/usr/lib/a.so");
    assertThat(u.object()).isEqualTo("my-certificate");
    assertThat(Pkcs11Uri.parse("pkcs11:object=k;x-vendor=1").path()).containsOnlyKeys("object");
  }

  @Test
  void refusesWhatItCannotHonourAndNeverShowsThePin() {
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:token=t")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("names no key: add object=LABEL");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:object=k;type=cert")).hasMessageContaining("type=cert");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:object=k;colour=red")).hasMessageContaining("'colour' is not supported");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:object=k;object=j")).hasMessageContaining("given twice");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:object=%zz")).hasMessageContaining("percent-encoding");
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:object=k?pin-value=1234&pin-source=/f"))
        .hasMessageContaining("pin-value or pin-source").satisfies(e -> assertThat(e.getMessage()).doesNotContain("1234"));
    assertThatThrownBy(() -> Pkcs11Uri.parse("pkcs11:object=k?pin-value=1234&module-dir=/x"))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("1234").contains("pin-value=***"));
    assertThatThrownBy(() -> Pkcs11Uri.parse("file:/k")).hasMessageContaining("not a PKCS#11 URI");
  }
}
