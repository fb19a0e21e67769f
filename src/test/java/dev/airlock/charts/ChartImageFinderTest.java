package dev.airlock.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class ChartImageFinderTest {
  @Test
  void findsImagesInTheAnnotationAndTheValues() throws Exception {
    JsonNode chart = ChartContents.YAML.readTree("""
        name: demo
        version: 1.0.0
        appVersion: "2.1"
        annotations:
          artifacthub.io/images: |
            - name: main
              image: ghcr.io/org/main:2.1
            - name: bad
              image: "not a ref"
        """);
    JsonNode values = ChartContents.YAML.readTree("""
        image:
          repository: ghcr.io/org/main
          tag: ""
        sidecar:
          image:
            registry: quay.io
            repository: org/sidecar
            tag: 1.4
        jobs:
          - image: docker.io/library/busybox:1.36
          - image: "{{ .Values.x }}"
        pinned:
          repository: registry.k8s.io/pause
          digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        notAnImage:
          repository: https://example.com/charts
        """);
    var found = ChartImageFinder.find(new ChartContents("demo", "1.0.0", "2.1", chart, values));
    assertThat(found).extracting(f -> f.ref() + " " + f.foundIn()).containsExactly(
        "docker.io/library/busybox:1.36 values",
        "ghcr.io/org/main:2.1 annotation",
        "quay.io/org/sidecar:1.4 values",
        "registry.k8s.io/pause@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef values");
  }
}
