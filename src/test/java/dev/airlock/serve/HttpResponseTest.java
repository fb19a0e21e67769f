package dev.airlock.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File bodies, by sendfile and through a copy buffer, on a real loopback socket. */
class HttpResponseTest {
  @TempDir Path tmp;

  /** The bytes a client reads from the socket until the server side closes it. */
  private static byte[] exchange(IoAction<SocketChannel> server) throws Exception {
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      try (SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
          try (InputStream in = client.socket().getInputStream()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return all.toByteArray();
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        });
        try (SocketChannel accepted = listener.accept()) {
          server.run(accepted);
        }
        return read.get();
      }
    }
  }

  interface IoAction<T> {
    void run(T t) throws IOException;
  }

  private static byte[] body(byte[] answer) {
    String text = new String(answer, StandardCharsets.ISO_8859_1);
    int at = text.indexOf("\r\n\r\n");
    assertThat(at).isPositive();
    return Arrays.copyOfRange(answer, at + 4, answer.length);
  }

  private static String head(byte[] answer) {
    String text = new String(answer, StandardCharsets.ISO_8859_1);
    return text.substring(0, text.indexOf("\r\n\r\n"));
  }

  private Path file(int size) throws IOException {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    return Files.write(tmp.resolve("f" + size), data);
  }

  @Test
  void aSliceGoesOutWholeBySendfileAndThroughACopyBufferSmallerThanIt() throws Exception {
    Path f = file(3 * 1024 * 1024 + 17);
    byte[] data = Files.readAllBytes(f);
    long from = 1_000_003;
    int count = 2 * 1024 * 1024 + 5;
    byte[] expected = Arrays.copyOfRange(data, (int) from, (int) from + count);
    int[] handedOut = {0};
    Supplier<ByteBuffer> odd = () -> {
      handedOut[0]++;
      return ByteBuffer.allocateDirect(65_537); // not a divisor of the slice: the last read is short
    };
    for (Supplier<ByteBuffer> copy : Arrays.<Supplier<ByteBuffer>>asList(null, odd)) {
      byte[] answer = exchange(socket -> {
        try (FileChannel ch = FileChannel.open(f)) {
          new HttpResponse(socket, true, copy).sendFile(206, ch, from, count, false);
        }
      });
      assertThat(head(answer)).startsWith("HTTP/1.1 206 Partial Content\r\n").contains("Content-Length: " + count);
      assertThat(body(answer)).isEqualTo(expected);
    }
    assertThat(handedOut[0]).isEqualTo(1);
  }

  @Test
  void headOnlyTakesNoBufferAndSendsNoBody() throws Exception {
    Path f = file(1000);
    byte[] answer = exchange(socket -> {
      try (FileChannel ch = FileChannel.open(f)) {
        new HttpResponse(socket, true, () -> {
          throw new AssertionError("a HEAD needs no copy buffer");
        }).sendFile(200, ch, 0, 1000, true);
      }
    });
    assertThat(head(answer)).contains("Content-Length: 1000");
    assertThat(body(answer)).isEmpty();
  }

  @Test
  void aFileShorterThanTheSliceFailsEitherWayInsteadOfSendingShort() throws Exception {
    Path f = file(5000);
    for (Supplier<ByteBuffer> copy : Arrays.<Supplier<ByteBuffer>>asList(null, () -> ByteBuffer.allocateDirect(1024))) {
      IOException[] failure = new IOException[1];
      byte[] answer = exchange(socket -> {
        try (FileChannel ch = FileChannel.open(f)) {
          new HttpResponse(socket, true, copy).sendFile(200, ch, 4000, 2000, false);
        } catch (IOException e) {
          failure[0] = e;
        }
      });
      assertThat(failure[0]).hasMessageContaining("file data ends at").hasMessageContaining("before 6000");
      assertThat(head(answer)).contains("Content-Length: 2000");
      assertThat(body(answer)).hasSizeLessThan(2000); // the client sees a short body, never a wrong one
    }
  }

  @Test
  void copyBuffersAreReusedNotAllocatedPerResponse() {
    CopyBuffers pool = new CopyBuffers();
    ByteBuffer a = pool.take();
    ByteBuffer b = pool.take();
    assertThat(a).isNotSameAs(b);
    assertThat(a.isDirect()).isTrue();
    assertThat(a.capacity()).isEqualTo(CopyBuffers.SIZE);
    a.position(10).limit(20);
    pool.give(a);
    ByteBuffer again = pool.take();
    assertThat(again).isSameAs(a);
    assertThat(again.position()).isZero();
    assertThat(again.limit()).isEqualTo(CopyBuffers.SIZE);
  }

  @Test
  void pastTheBufferCapTheBodyGoesBySendfileInstead() throws Exception {
    CopyBuffers pool = new CopyBuffers(1);
    assertThat(pool.take()).isNotNull();
    assertThat(pool.take()).as("none to spare").isNull();
    Path f = file(100_000);
    byte[] answer = exchange(socket -> {
      try (FileChannel ch = FileChannel.open(f)) {
        new HttpResponse(socket, true, pool::take).sendFile(200, ch, 0, 100_000, false);
      }
    });
    assertThat(body(answer)).isEqualTo(Files.readAllBytes(f));
    assertThat(pool.allocated()).isEqualTo(1);
  }

  @Test
  void aSecondAnswerToOneRequestIsRefused() throws Exception {
    exchange(socket -> {
      HttpResponse r = new HttpResponse(socket, true, null);
      r.sendBytes(200, "x".getBytes(StandardCharsets.US_ASCII), false);
      assertThatThrownBy(() -> r.sendBytes(200, new byte[0], false)).hasMessageContaining("already sent");
    });
  }
}
