package dev.airlock.store.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Reads {@code length} bytes of a file channel from {@code offset} with positional reads, so several
 * streams can read one channel at the same time. A file shorter than announced ends the stream early
 * (the verifying stream around it then reports the size difference).
 */
public final class ChannelRangeInputStream extends InputStream {
  private final FileChannel channel;
  private long position;
  private final long end;

  public ChannelRangeInputStream(FileChannel channel, long offset, long length) {
    this.channel = channel;
    this.position = offset;
    this.end = offset + length;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    long left = end - position;
    if (left <= 0) {
      return -1;
    }
    int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, left)), position);
    if (n <= 0) {
      return -1;
    }
    position += n;
    return n;
  }

  @Override
  public long skip(long n) {
    long s = Math.max(0, Math.min(n, end - position));
    position += s;
    return s;
  }

  @Override
  public int available() {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, end - position));
  }
}
