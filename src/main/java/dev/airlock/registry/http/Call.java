package dev.airlock.registry.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One registry request, re-sendable: the body is made afresh for every attempt. {@code reference} and
 * {@code digest} are for error messages only.
 */
public record Call(String method, URI uri, Map<String, String> headers, Body body, List<String> scopes,
    String reference, String digest) {

  /** Makes the request body for one attempt (a blob source reopened, bytes wrapped again). */
  @FunctionalInterface
  public interface Body {
    HttpRequest.BodyPublisher open() throws IOException;
  }

  public Call {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    scopes = scopes == null ? List.of() : List.copyOf(scopes);
  }

  public static Call get(URI uri, List<String> scopes, String reference, String digest) {
    return new Call("GET", uri, Map.of(), null, scopes, reference, digest);
  }

  public Call withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Call(method, uri, h, body, scopes, reference, digest);
  }

  public Call withMethod(String m) {
    return new Call(m, uri, headers, body, scopes, reference, digest);
  }

  public Call withUri(URI u) {
    return new Call(method, u, headers, body, scopes, reference, digest);
  }

  public Call withBody(Body b) {
    return new Call(method, uri, headers, b, scopes, reference, digest);
  }
}
