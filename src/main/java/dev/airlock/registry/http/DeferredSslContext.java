package dev.airlock.registry.http;

import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@link SSLContext} that builds the real one only when a TLS connection is made. Building the
 * verifying context loads the system trust store (about 0.1–0.3 s); a client that talks plain HTTP to a
 * loopback registry needs TLS only if it is redirected to an {@code https} origin, so it should not pay
 * that on every run. Verification is the real context's: nothing is relaxed.
 *
 * <p>The JDK client asks for the default parameters when it is built: they are left empty (no protocol
 * or cipher suite list), so each engine keeps the real context's defaults; the client still sets
 * hostname verification and SNI on every connection.
 */
public final class DeferredSslContext extends SSLContext {
  private final Spi spi;

  public DeferredSslContext(Supplier<SSLContext> real) {
    this(new Spi(real));
  }

  private DeferredSslContext(Spi spi) {
    super(spi, null, "TLS");
    this.spi = spi;
  }

  /** The JVM's default (verifying, system trust store) context, built on first use. */
  public static DeferredSslContext ofDefault() {
    return new DeferredSslContext(() -> {
      try {
        return SSLContext.getDefault();
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("no default TLS context", e);
      }
    });
  }

  /** True once a TLS connection made the real context be built. */
  public boolean built() {
    return spi.real != null;
  }

  private static final class Spi extends SSLContextSpi {
    private final Supplier<SSLContext> supplier;
    private volatile SSLContext real;

    Spi(Supplier<SSLContext> supplier) {
      this.supplier = supplier;
    }

    private SSLContext real() {
      SSLContext r = real;
      if (r == null) {
        synchronized (this) {
          if (real == null) {
            real = supplier.get();
          }
          r = real;
        }
      }
      return r;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) {
      throw new UnsupportedOperationException("a deferred TLS context is initialised by its supplier");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return real().getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return real().getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return real().createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return real().createSSLEngine(host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return real().getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return real().getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return real == null ? new SSLParameters() : real.getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return real().getSupportedSSLParameters();
    }
  }
}
