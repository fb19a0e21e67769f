package dev.airlock.serve;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One access scope of the distribution token flow: {@code type:name:action[,action...]}, e.g.
 * {@code repository:library/alpine:pull} or {@code registry:catalog:*}. The name may itself hold a colon (a
 * host with a port), so the type ends at the first colon and the actions start after the last one.
 */
record TokenScope(String type, String name, Set<String> actions) {
  /** The action a read of a repository needs; the only one serve ever grants on a repository. */
  static final String PULL = "pull";

  /** The scope {@code text} names, or null when it is not {@code type:name:actions}. */
  static TokenScope parse(String text) {
    int first = text.indexOf(':');
    int last = text.lastIndexOf(':');
    if (first <= 0 || last <= first + 1 || last == text.length() - 1) {
      return null;
    }
    Set<String> actions = new LinkedHashSet<>();
    for (String a : text.substring(last + 1).split(",")) {
      if (!a.isEmpty()) {
        actions.add(a);
      }
    }
    return actions.isEmpty() ? null : new TokenScope(text.substring(0, first), text.substring(first + 1, last), actions);
  }

  /** Each scope of a {@code scope} parameter; clients join several with spaces (OAuth2) or repeat the parameter. */
  static List<TokenScope> parseAll(List<String> params) {
    List<TokenScope> out = new ArrayList<>();
    for (String p : params) {
      for (String s : p.trim().split(" +")) {
        TokenScope scope = s.isEmpty() ? null : parse(s);
        if (scope != null) {
          out.add(scope);
        }
      }
    }
    return out;
  }

  static TokenScope repository(String name, String action) {
    return new TokenScope("repository", name, Set.of(action));
  }

  static TokenScope catalog() {
    return new TokenScope("registry", "catalog", Set.of("*"));
  }

  /** {@code type:name:a,b} as the challenge's {@code scope} parameter carries it. */
  @Override
  public String toString() {
    return type + ":" + name + ":" + String.join(",", actions);
  }
}
