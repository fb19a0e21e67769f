package dev.airlock.serve;

import java.io.IOException;

/** Answers one request; must send exactly one response through {@code response}. */
interface RequestHandler {
  void handle(HttpRequestHead request, HttpResponse response) throws IOException;
}
