package dev.airlock.serve;

import dev.airlock.InvalidInputException;
import dev.airlock.oci.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Enumeration;
import java.util.function.Consumer;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * HTTPS for {@code serve --tls-cert FILE --tls-key FILE}: TLS 1.3 and 1.2 with the certificate chain and key
 * of {@link TlsKeyPair}. The pair is read again on {@link #reload} (SIGHUP) and whenever either file's
 * content changes (checked every {@link #POLL_MS} ms): new connections get the new certificate, open ones
 * keep theirs. A new pair that does not read (a half-written file, a key of another certificate) leaves the
 * old one in use and is logged in one line, once per content of the two files.
 */
public final class ServeTls implements Closeable {
  public static final long POLL_MS = 2_000;
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final Path certFile;
  private final Path keyFile;
  private final Consumer<String> log;
  private final SSLContext context;
  private final Reloading keys = new Reloading();
  private final Object lock = new Object();
  private String seen; // digests of the two files' content last read (good or bad)
  private volatile TlsKeyPair current;
  private volatile Thread watcher;

  private ServeTls(Path certFile, Path keyFile, Consumer<String> log) throws IOException {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.log = log;
    TlsKeyPair pair = TlsKeyPair.read(certFile, keyFile);
    String contents = contents();
    keys.use(pair);
    this.current = pair;
    this.seen = contents;
    try {
      context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keys}, null, null);
    } catch (GeneralSecurityException e) {
      throw new IOException("TLS is not available in this Java runtime: " + e.getMessage(), e);
    }
  }

  /**
   * Reads the pair (a problem is an {@link InvalidInputException} naming the file) and, with {@code log} not
   * null, starts watching the files for changes.
   */
  public static ServeTls load(Path certFile, Path keyFile, Consumer<String> log) throws IOException {
    ServeTls tls = new ServeTls(certFile, keyFile, log == null ? m -> { } : log);
    if (log != null) {
      Thread t = new Thread(tls::watch, "airlock-serve-tls-watch");
      t.setDaemon(true);
      tls.watcher = t;
      t.start();
    }
    return tls;
  }

  /** The certificate served now, described for a log line. */
  public String describe() {
    return current.describe();
  }

  /** The certificates served now, leaf first (tests). */
  java.util.List<X509Certificate> chain() {
    return current.chain();
  }

  /**
   * Reads the files again if their content changed since the last read ({@code force}: in any case); a good
   * pair replaces the one in use, a bad one is logged. True when a new pair is now in use.
   */
  public boolean reload(boolean force) {
    synchronized (lock) {
      String contents;
      try {
        contents = contents();
      } catch (IOException | RuntimeException e) {
        if (force || !"unreadable".equals(seen)) {
          log.accept("serve: TLS certificate not reloaded, still serving the previous one: " + oneLine(e));
        }
        seen = "unreadable";
        return false;
      }
      if (!force && contents.equals(seen)) {
        return false;
      }
      seen = contents;
      TlsKeyPair pair;
      try {
        pair = TlsKeyPair.read(certFile, keyFile);
      } catch (IOException | RuntimeException e) {
        log.accept("serve: TLS certificate not reloaded, still serving the previous one: " + oneLine(e));
        return false;
      }
      keys.use(pair);
      current = pair;
      forgetSessions();
      log.accept("serve: TLS reloaded from " + certFile + ": " + pair.describe());
      return true;
    }
  }

  /** Resumed sessions would keep the old certificate; new connections should see the new one. */
  private void forgetSessions() {
    SSLSessionContext sessions = context.getServerSessionContext();
    for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements(); ) {
      javax.net.ssl.SSLSession s = sessions.getSession(ids.nextElement());
      if (s != null) {
        s.invalidate();
      }
    }
  }

  /** The two files' content digests: changes are seen even when a copy keeps the modification time. */
  private String contents() throws IOException {
    return digest(certFile) + " " + digest(keyFile);
  }

  private static String digest(Path file) throws IOException {
    if (Files.size(file) > TlsKeyPair.MAX_FILE) {
      return "large:" + Files.size(file) + ":" + Files.getLastModifiedTime(file).toMillis();
    }
    return Digest.sha256(Files.readAllBytes(file)).toString();
  }

  private void watch() {
    while (watcher != null) {
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        return;
      }
      if (watcher != null) {
        reload(false);
      }
    }
  }

  /**
   * TLS over an accepted connection whose first bytes ({@code consumed}, the start of the ClientHello) were
   * already read; closing it closes {@code socket}. The handshake happens on first use or
   * {@link SSLSocket#startHandshake}.
   */
  SSLSocket wrap(Socket socket, InputStream consumed) throws IOException {
    SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(socket, consumed, true);
    SSLParameters p = ssl.getSSLParameters();
    p.setProtocols(PROTOCOLS);
    p.setNeedClientAuth(false);
    p.setWantClientAuth(false);
    ssl.setSSLParameters(p);
    return ssl;
  }

  @Override
  public void close() {
    Thread t = watcher;
    watcher = null;
    if (t != null) {
      t.interrupt();
    }
  }

  private static String oneLine(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("\\s+", " ").trim();
  }

  /**
   * The key manager the SSL context keeps for good: it hands out the pair in use now. Aliases carry the
   * generation, so a handshake that chose an alias before a reload still gets that alias's certificate and
   * key together.
   */
  private static final class Reloading extends X509ExtendedKeyManager {
    private record Generation(int number, X509ExtendedKeyManager keys) {}

    private volatile Generation now;
    private volatile Generation before;

    void use(TlsKeyPair pair) {
      try {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = "airlock".toCharArray();
        ks.setKeyEntry("serve", pair.key(), pw, pair.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, pw);
        X509ExtendedKeyManager km = (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
        Generation g = now;
        before = g;
        now = new Generation(g == null ? 1 : g.number() + 1, km);
      } catch (GeneralSecurityException | IOException e) {
        throw new InvalidInputException("the TLS key pair cannot be used: " + e.getMessage());
      }
    }

    private String tag(Generation g, String alias) {
      return alias == null ? null : g.number() + "/" + alias;
    }

    private X509ExtendedKeyManager of(String alias) {
      if (alias == null) {
        return null;
      }
      int slash = alias.indexOf('/');
      Generation g = now;
      Generation b = before;
      String n = slash < 0 ? "" : alias.substring(0, slash);
      if (g != null && n.equals(String.valueOf(g.number()))) {
        return g.keys();
      }
      if (b != null && n.equals(String.valueOf(b.number()))) {
        return b.keys();
      }
      return null;
    }

    private static String bare(String alias) {
      return alias.substring(alias.indexOf('/') + 1);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      Generation g = now;
      return tag(g, g.keys().chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      Generation g = now;
      return tag(g, g.keys().chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      Generation g = now;
      String[] a = g.keys().getServerAliases(keyType, issuers);
      if (a == null) {
        return null;
      }
      String[] out = new String[a.length];
      for (int i = 0; i < a.length; i++) {
        out[i] = tag(g, a[i]);
      }
      return out;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      X509ExtendedKeyManager km = of(alias);
      return km == null ? null : km.getCertificateChain(bare(alias));
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      X509ExtendedKeyManager km = of(alias);
      return km == null ? null : km.getPrivateKey(bare(alias));
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return null;
    }
  }
}
