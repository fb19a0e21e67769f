package dev.airlock.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Package version ranges: semver as for charts, dpkg's order for Debian/RPM-style versions. */
class VersionRangeTest {
  @ParameterizedTest
  @CsvSource({
      // a, b, sign of compare(a, b) as dpkg --compare-versions gives it
      "1.0~rc1, 1.0, -1",
      "1.0, 1.0-1, -1",
      "1.0-1, 1.0-1, 0",
      "1:0.9, 2.0, 1",
      "3.0.11-1~deb12u2, 3.0.11-1, -1",
      "3.0.11-1~deb12u2, 3.0.15-1~deb12u1, -1",
      "2.30-1, 2.4-1, 1",
      "1.2.13.dfsg-1, 1.2.13-1, 1",
      "0.9.8zh-1, 0.9.8y-1, 1",
      "1.0a, 1.0, 1",
      "1.0+b1, 1.0, 1",
      "7.88.1-10+deb12u5, 7.88.1-10+deb12u12, -1",
      "1.2.3-4.el9, 1.2.3-4.el8, 1",
  })
  void debianOrder(String a, String b, int sign) {
    assertThat(Integer.signum(PackageVersions.compareDistro(a, b))).isEqualTo(sign);
    assertThat(Integer.signum(PackageVersions.compareDistro(b, a))).isEqualTo(-sign);
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      // range ; version ; purl ; matches
      "3.0.x ; 3.0.13 ; pkg:generic/openssl@3.0.13 ; true",
      "3.0.x ; 3.1.0 ; ; false",
      ">=2.17.1 <3 ; 2.17.1 ; pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1 ; true",
      ">=2.17.1 <3 ; 2.14.1 ; ; false",
      "^2.14 ; 2.17.1 ; ; true",
      "~2.14 ; 2.17.1 ; ; false",
      "2.14.1 - 2.16.0 ; 2.15.0 ; ; true",
      "<2.15.0 || >=3 ; 2.14.9 ; ; true",
      // semver pre-releases only when the range names one
      ">=1.0.0 ; 1.1.0-rc1 ; ; false",
      // Debian versions (a deb purl, or not semver): dpkg order, revisions ignored unless the bound has one
      "3.0.x ; 3.0.11-1~deb12u2 ; pkg:deb/debian/openssl@3.0.11-1~deb12u2 ; true",
      "3.0.x ; 3.0.11-1~deb12u2 ; ; true",
      "3.1.x ; 3.0.11-1~deb12u2 ; pkg:deb/debian/openssl@3.0.11-1~deb12u2 ; false",
      "<=3.0.11 ; 3.0.11-1~deb12u2 ; pkg:deb/debian/openssl@3.0.11-1~deb12u2 ; true",
      "<3.0.11-1 ; 3.0.11-1~deb12u2 ; pkg:deb/debian/openssl@3.0.11-1~deb12u2 ; true",
      ">=3.0.12 ; 3.0.11-1~deb12u2 ; pkg:deb/debian/openssl@3.0.11-1~deb12u2 ; false",
      "3.0.11 ; 3.0.11-1~deb12u2 ; pkg:deb/debian/openssl@3.0.11-1~deb12u2 ; true",
      "3.0.11-1~deb12u2 ; 3.0.11-1~deb12u2 ; pkg:deb/debian/openssl@3.0.11-1~deb12u2 ; true",
      "~3.0 ; 3.0.99-1 ; pkg:deb/debian/x@3.0.99-1 ; true",
      "~3.0 ; 3.1~rc1-1 ; pkg:deb/debian/x@3.1~rc1-1 ; false",
      "^1 ; 1:1.2.13.dfsg-1 ; pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1 ; false",
      ">=1:1.2 ; 1:1.2.13.dfsg-1 ; pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1 ; true",
      "!=7.88.1 ; 7.88.1-10+deb12u5 ; pkg:deb/debian/curl@7.88.1-10+deb12u5 ; false",
      // RPM release numbers order the same way
      ">=1.2.3-4.el9 ; 1.2.3-10.el9 ; pkg:rpm/redhat/x@1.2.3-10.el9 ; true",
      // a Maven-style version that is not semver
      ">=5.3 <5.4 ; 5.3.20.RELEASE ; ; true",
  })
  void ranges(String range, String version, String purl, boolean matches) {
    assertThat(VersionRange.parse(range).matches(version, purl)).as(range + " on " + version).isEqualTo(matches);
  }

  @Test
  void namesAndRangesAreParsed() {
    PackageSearch q = PackageSearch.parse("openssl@3.0.x");
    assertThat(q.matches("openssl", "3.0.13", null)).isTrue();
    assertThat(q.matches("OpenSSL", "3.0.13", null)).isTrue();
    assertThat(q.matches("libssl3", "3.0.13", "pkg:deb/debian/libssl3@3.0.13")).isFalse();
    assertThat(PackageSearch.parse("libssl*").matches("libssl3", "3.0.13", null)).isTrue();
    // the name inside a purl counts: a CycloneDX component named by group and name
    assertThat(PackageSearch.parse("log4j-core").matches("org.apache.logging.log4j:log4j-core", "2.17.1",
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1")).isTrue();
    // a scoped npm name keeps its leading @
    PackageSearch npm = PackageSearch.parse("@babel/core@^7");
    assertThat(npm.matches("@babel/core", "7.22.0", null)).isTrue();
    assertThat(npm.describe()).isEqualTo("@babel/core ^7");
    assertThat(PackageSearch.parse("100%_x").likePattern()).isEqualTo("100\\%\\_x");
  }

  @Test
  void badQueriesAreOneLineErrors() {
    assertThatThrownBy(() -> PackageSearch.parse("*@3.0")).isInstanceOf(InvalidInputException.class).hasMessageContaining("names no package");
    assertThatThrownBy(() -> PackageSearch.parse("openssl@")).isInstanceOf(InvalidInputException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> PackageSearch.parse("openssl@>=")).isInstanceOf(InvalidInputException.class).hasMessageContaining("has no version");
    assertThatThrownBy(() -> PackageSearch.parse("x@^abc")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("does not start with numbers");
  }
}
