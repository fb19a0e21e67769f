package dev.airlock.registry.http;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded retries with exponential backoff and full jitter, honouring a server's {@code Retry-After}
 * (seconds or an HTTP date, capped at {@code maxDelay}). The sleeper is replaceable so tests can see the
 * delays without waiting for them.
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Sleeper sleeper) {

  /** Sleeps; tests record instead. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  public static final Sleeper REAL_SLEEP = d -> Thread.sleep(d.toMillis());

  public RetryPolicy {
    maxAttempts = Math.max(1, maxAttempts);
    sleeper = sleeper == null ? REAL_SLEEP : sleeper;
  }

  /** Attempts per request by default: enough that a link losing a quarter of its requests still gets through. */
  public static final int DEFAULT_ATTEMPTS = 10;

  /**
   * {@value #DEFAULT_ATTEMPTS} attempts, waits from 0.5 s doubling up to 10 s (with jitter): a request that keeps
   * failing gives up after at most about 55 s of waiting.
   */
  public static RetryPolicy defaults() {
    return new RetryPolicy(DEFAULT_ATTEMPTS, Duration.ofMillis(500), Duration.ofSeconds(10), REAL_SLEEP);
  }

  /** The default delays with {@code attempts} attempts. */
  public static RetryPolicy withAttempts(int attempts) {
    return new RetryPolicy(attempts, Duration.ofMillis(500), Duration.ofSeconds(10), REAL_SLEEP);
  }

  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, REAL_SLEEP);
  }

  public RetryPolicy withSleeper(Sleeper s) {
    return new RetryPolicy(maxAttempts, baseDelay, maxDelay, s);
  }

  /** The delay before attempt {@code attempt + 1}, given the failed attempt number (1-based). */
  public Duration delay(int attempt, String retryAfter) {
    Duration server = parseRetryAfter(retryAfter);
    if (server != null) {
      return server.compareTo(maxDelay) > 0 ? maxDelay : server;
    }
    long cap = Math.min(maxDelay.toMillis(), baseDelay.toMillis() * (1L << Math.min(20, attempt - 1)));
    long jittered = cap <= 0 ? 0 : ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    return Duration.ofMillis(jittered);
  }

  public void pause(int attempt, String retryAfter) throws java.io.InterruptedIOException {
    try {
      sleeper.sleep(delay(attempt, retryAfter));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting to retry");
    }
  }

  static Duration parseRetryAfter(String v) {
    if (v == null || v.isBlank()) {
      return null;
    }
    String s = v.trim();
    try {
      long secs = Long.parseLong(s);
      return secs < 0 ? null : Duration.ofSeconds(secs);
    } catch (NumberFormatException e) {
      // an HTTP date
    }
    try {
      ZonedDateTime when = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration d = Duration.between(ZonedDateTime.now(when.getZone()), when);
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
