package dev.airlock.registry.http;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code rel="next"} target of an RFC 8288 {@code Link} header, for pagination. */
public final class LinkHeader {
  private LinkHeader() {}

  private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*((?:;\\s*[^,;]+)*)");

  /** The next page, resolved against {@code base}, or null when there is none. */
  public static URI next(HttpHeaders headers, URI base) {
    for (String value : headers.allValues("Link")) {
      Matcher m = LINK.matcher(value);
      while (m.find()) {
        String params = m.group(2).replace(" ", "");
        if (params.contains("rel=\"next\"") || params.contains("rel=next")) {
          return base.resolve(m.group(1));
        }
      }
    }
    return null;
  }
}
