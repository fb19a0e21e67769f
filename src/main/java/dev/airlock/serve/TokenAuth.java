package dev.airlock.serve;

import dev.airlock.InvalidInputException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@code serve --token-auth} issues bearer tokens (the distribution token flow, {@link TokenAuthHandler}):
 * their lifetime, the service name clients are told to ask for, and whether a client without credentials
 * gets a pull token too.
 *
 * @param ttl how long a token is valid
 * @param service the {@code service} of the challenge, the token's audience
 * @param anonymous whether the token endpoint gives pull tokens to clients that send no credentials
 */
public record TokenAuth(Duration ttl, String service, boolean anonymous) {
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  public static final String DEFAULT_SERVICE = "airlock";
  /**
   * The shortest lifetime the command line accepts: the token specification asks for at least 60 seconds,
   * and clients (containers/image, as skopeo and podman use it) treat a shorter {@code expires_in} as 60,
   * so they would present a token after it expired.
   */
  public static final Duration MIN_CLI_TTL = Duration.ofSeconds(60);
  public static final Duration MAX_TTL = Duration.ofHours(24);
  private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(s|m|h)?");

  public TokenAuth {
    if (ttl.getSeconds() < 1 || ttl.compareTo(MAX_TTL) > 0) {
      throw new InvalidInputException("token lifetime " + ttl.getSeconds() + " s is outside 1 s .. 24 h");
    }
    if (service == null || service.isEmpty() || !service.matches("[A-Za-z0-9._:-]{1,128}")) {
      throw new InvalidInputException("token service '" + service + "' must be 1-128 of A-Z a-z 0-9 . _ : -");
    }
  }

  public static TokenAuth defaults() {
    return new TokenAuth(DEFAULT_TTL, DEFAULT_SERVICE, false);
  }

  /** {@code --token-ttl}: seconds, or a number with s, m or h; 60 s to 24 h. */
  public static Duration parseTtl(String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new InvalidInputException("--token-ttl '" + text + "' is not a duration (e.g. 300, 300s, 5m, 1h)");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = m.group(2) == null || m.group(2).equals("s") ? Duration.ofSeconds(n)
        : m.group(2).equals("m") ? Duration.ofMinutes(n) : Duration.ofHours(n);
    if (d.compareTo(MIN_CLI_TTL) < 0 || d.compareTo(MAX_TTL) > 0) {
      throw new InvalidInputException("--token-ttl " + text + " is outside 60s .. 24h (clients treat a token as valid"
          + " for at least 60 s)");
    }
    return d;
  }
}
