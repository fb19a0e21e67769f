package dev.airlock.registry.auth;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A parsed {@code WWW-Authenticate} header: scheme ({@code basic}/{@code bearer}) and its parameters. */
public record AuthChallenge(String scheme, Map<String, String> params) {

  public static AuthChallenge parse(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    String h = header.trim();
    int sp = h.indexOf(' ');
    String scheme = (sp < 0 ? h : h.substring(0, sp)).toLowerCase(Locale.ROOT);
    Map<String, String> params = new LinkedHashMap<>();
    if (sp > 0) {
      String rest = h.substring(sp + 1);
      int i = 0;
      while (i < rest.length()) {
        while (i < rest.length() && (rest.charAt(i) == ',' || rest.charAt(i) == ' ')) {
          i++;
        }
        int eq = rest.indexOf('=', i);
        if (eq < 0) {
          break;
        }
        String key = rest.substring(i, eq).trim().toLowerCase(Locale.ROOT);
        i = eq + 1;
        String value;
        if (i < rest.length() && rest.charAt(i) == '"') {
          StringBuilder b = new StringBuilder();
          i++;
          while (i < rest.length() && rest.charAt(i) != '"') {
            if (rest.charAt(i) == '\\' && i + 1 < rest.length()) {
              i++;
            }
            b.append(rest.charAt(i++));
          }
          i++;
          value = b.toString();
        } else {
          int end = rest.indexOf(',', i);
          value = (end < 0 ? rest.substring(i) : rest.substring(i, end)).trim();
          i = end < 0 ? rest.length() : end;
        }
        params.put(key, value);
      }
    }
    return new AuthChallenge(scheme, params);
  }

  public boolean isBearer() {
    return "bearer".equals(scheme);
  }

  public boolean isBasic() {
    return "basic".equals(scheme);
  }

  public String realm() {
    return params.get("realm");
  }

  public String service() {
    return params.get("service");
  }

  public String scope() {
    return params.get("scope");
  }
}
