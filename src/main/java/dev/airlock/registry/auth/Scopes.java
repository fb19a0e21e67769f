package dev.airlock.registry.auth;

import java.util.List;

/** Token scopes, {@code repository:NAME:ACTIONS}, as the distribution token spec writes them. */
public final class Scopes {
  private Scopes() {}

  public static List<String> pull(String repository) {
    return List.of("repository:" + repository + ":pull");
  }

  public static List<String> push(String repository) {
    return List.of("repository:" + repository + ":pull,push");
  }

  /** Push into {@code repository}, mounting from {@code from}. */
  public static List<String> mount(String repository, String from) {
    return List.of("repository:" + repository + ":pull,push", "repository:" + from + ":pull");
  }
}
