package dev.airlock.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.airlock.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** The one JSON configuration airlock uses, and capped reads. */
public final class Json {
  private Json() {}

  /** Manifests bigger than this are refused (the distribution spec suggests 4 MiB). */
  public static final int MANIFEST_CAP = 4 * 1024 * 1024;

  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(SerializationFeature.INDENT_OUTPUT)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .build();

  static {
    MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
  }

  /** Reads at most {@code cap} bytes; more is an error naming {@code what}. */
  public static byte[] readCapped(InputStream in, int cap, String what) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(cap, 64 * 1024));
    byte[] buf = new byte[16 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      total += n;
      if (total > cap) {
        throw new InvalidInputException(what + " is larger than the " + cap + " byte limit");
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /** Parses JSON bytes into a tree, with a one-line error naming {@code what}. */
  public static JsonNode tree(byte[] bytes, String what) {
    try {
      JsonNode n = MAPPER.readTree(bytes);
      if (n == null || n.isMissingNode()) {
        throw new InvalidInputException(what + " is empty, expected a JSON document");
      }
      return n;
    } catch (IOException e) {
      throw new InvalidInputException(what + " is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  /** Binds JSON bytes to a type, with a one-line error naming {@code what}. */
  public static <T> T read(byte[] bytes, Class<T> type, String what) {
    try {
      return MAPPER.readValue(bytes, type);
    } catch (IOException e) {
      throw new InvalidInputException(what + " is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  public static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
