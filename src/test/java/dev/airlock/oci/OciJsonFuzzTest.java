package dev.airlock.oci;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.AirlockException;
import dev.airlock.store.LayoutIndex;
import dev.airlock.testing.Fuzzing;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzzes the readers of manifest and index JSON that arrive from registries and bundles: {@link RawManifest}
 * (with each kind of media-type hint a Content-Type header or descriptor gives, and every view of it a
 * walk uses), {@link LayoutIndex} (index.json of a layout or bundle) and the reference, digest and platform
 * strings such documents carry.
 */
class OciJsonFuzzTest {
  private static final String[] HINTS = {null, MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
      "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8",
      "application/vnd.docker.distribution.manifest.list.v2+json", "application/octet-stream", ";"};

  @FuzzTest(maxDuration = Fuzzing.BUDGET)
  void manifestJson(byte[] data) {
    String hint = HINTS[data.length == 0 ? 0 : (data[data.length - 1] & 0xff) % HINTS.length];
    try {
      RawManifest m = RawManifest.of(data, hint, "manifest");
      m.descriptor();
      m.children();
      m.annotations();
      m.artifactType();
      m.subject();
      if (m.isIndex()) {
        m.manifests();
      } else {
        m.config();
        m.layers();
      }
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
    try {
      List<ObjectNode> entries = LayoutIndex.parse(data, "index.json");
      for (ObjectNode n : entries) {
        Descriptor d = LayoutIndex.descriptor(n, "index.json");
        String ref = LayoutIndex.refName(n);
        LayoutIndex.byDigest(entries, d.digest(), "index.json");
        if (ref != null) {
          LayoutIndex.byRefName(entries, ref, "index.json");
          references(ref);
        }
      }
      LayoutIndex.tags(entries, "example.test/team/app");
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
    if (data.length <= 512) {
      references(new String(data, StandardCharsets.UTF_8));
    }
  }

  private static void references(String s) {
    try {
      Reference.parse(s);
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
    try {
      Digest.parse(s);
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
    try {
      Platform.parse(s);
    } catch (AirlockException expected) {
      // refused in airlock's words
    }
  }
}
