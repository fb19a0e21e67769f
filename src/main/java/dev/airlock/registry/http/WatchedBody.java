package dev.airlock.registry.http;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/**
 * A request body that notes when the client last took bytes from it. The JDK client takes the next bytes
 * only once the socket has accepted the previous ones, so a registry that stops reading an upload shows
 * as a body nobody takes from: the upload counterpart of {@link IdleTimeoutInputStream}.
 */
final class WatchedBody implements HttpRequest.BodyPublisher {
  /** The registry took none of an upload's bytes for the read timeout, or did not answer once it had them all. */
  static final class StalledException extends java.io.IOException {
    StalledException(String message) {
      super(message);
    }
  }


  private final HttpRequest.BodyPublisher body;
  private volatile long lastTaken = System.nanoTime();
  private volatile boolean done;

  WatchedBody(HttpRequest.BodyPublisher body) {
    this.body = body;
  }

  /** How long no bytes have been taken while some are left to send (0 once the body is all sent). */
  long idleNanos() {
    return done ? 0 : System.nanoTime() - lastTaken;
  }

  /** How long ago the last byte was taken, once the body is all sent; -1 before. */
  long sentNanos() {
    return done ? System.nanoTime() - lastTaken : -1;
  }

  @Override
  public long contentLength() {
    return body.contentLength();
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    body.subscribe(new Flow.Subscriber<ByteBuffer>() {
      @Override
      public void onSubscribe(Flow.Subscription subscription) {
        lastTaken = System.nanoTime();
        subscriber.onSubscribe(subscription);
      }

      @Override
      public void onNext(ByteBuffer item) {
        lastTaken = System.nanoTime();
        subscriber.onNext(item);
      }

      @Override
      public void onError(Throwable failure) {
        done = true;
        subscriber.onError(failure);
      }

      @Override
      public void onComplete() {
        lastTaken = System.nanoTime();
        done = true;
        subscriber.onComplete();
      }
    });
  }
}
