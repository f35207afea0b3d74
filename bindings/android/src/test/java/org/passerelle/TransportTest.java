package org.passerelle;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sync through a WebSocket the app supplies ({@link Transport}), from Java, against a real
 * server (run by capi_launcher like ClientTest). The app's WebSocket here is the JDK's own
 * (java.net.http), standing in for OkHttp on a phone: it calls back on its own threads, as
 * OkHttp does. Nothing of the library's own connection carries the sync:
 *
 *   1. syncOnce through it pushes a write; a second device (built-in transport) pulls it back;
 *   2. the background sync through it pushes the next write by itself;
 *   3. every connection the library opened it closed once, and each socket was reported closed;
 *   4. a transport that cannot connect (it throws from open) fails the sync as NETWORK with the
 *      app's reason, which the status shows too; the background sync retries.
 *
 * No JUnit: plain checks, exit code 1 on the first failure.
 */
public final class TransportTest {
  private static final String AMINA = "amina.benali@demo.passerelle.quebec";
  private static final String AMINA_PASSWORD = "demo-candidate-2026";
  private static int checks = 0;

  private static void check(boolean ok, String what) {
    checks++;
    if (!ok) throw new AssertionError("FAILED: " + what);
  }

  /** What the app's transport did, counted. */
  static final class Counters {
    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    final AtomicInteger closedReports = new AtomicInteger();
    final AtomicInteger framesSent = new AtomicInteger();
    final AtomicInteger framesReceived = new AtomicInteger();
    volatile String openThread;
  }

  /** A Transport over java.net.http.WebSocket, the way an app would write one over OkHttp. */
  static final class JdkTransport implements Transport {
    final HttpClient http = HttpClient.newHttpClient();
    final Counters count = new Counters();

    @Override
    public Connection open(String url, TransportSocket socket) {
      count.opens.incrementAndGet();
      count.openThread = Thread.currentThread().getName();
      JdkConnection conn = new JdkConnection(socket, count);
      http.newWebSocketBuilder().buildAsync(URI.create(url), conn).whenComplete((ws, error) -> {
        if (error != null) conn.reportClosed("cannot connect: " + error.getMessage());
      });
      return conn;
    }
  }

  static final class JdkConnection implements Transport.Connection, WebSocket.Listener {
    private final TransportSocket socket;
    private final Counters count;
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket ws;
    private boolean reported;
    // java.net.http sends one frame at a time: the next waits for the previous to complete.
    private CompletionStage<WebSocket> lastSend;

    JdkConnection(TransportSocket socket, Counters count) {
      this.socket = socket;
      this.count = count;
    }

    synchronized void reportClosed(String reason) {
      if (reported) return;
      reported = true;
      count.closedReports.incrementAndGet();
      socket.closed(reason);
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      ws = webSocket;
      socket.opened();
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        count.framesReceived.incrementAndGet();
        socket.received(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      reportClosed("closed by the server (" + statusCode + ")");
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      reportClosed(error.getMessage());
    }

    @Override
    public synchronized void send(String frame) {
      count.framesSent.incrementAndGet();
      WebSocket w = ws;
      lastSend = lastSend == null ? w.sendText(frame, true) : lastSend.thenCompose(x -> x.sendText(frame, true));
      lastSend.exceptionally(e -> {
        reportClosed("send failed: " + e.getMessage());
        return null;
      });
    }

    @Override
    public void close() {
      count.closes.incrementAndGet();
      WebSocket w = ws;
      if (w != null) w.abort();
      reportClosed("closed by the app");
    }
  }

  /** A phone without a network: every open fails at once. */
  static final class OfflineTransport implements Transport {
    final AtomicInteger opens = new AtomicInteger();

    @Override
    public Connection open(String url, TransportSocket socket) {
      opens.incrementAndGet();
      throw new IllegalStateException("no network on this test's phone");
    }
  }

  private static Client.Options options(File dir, String url, ExecutorService executor) {
    return new Client.Options(dir.getPath()).serverUrl(url).executor(executor).connectTimeoutMs(3000)
        .requestTimeoutMs(10000).syncBackoffMs(50, 200);
  }

  private static boolean eventually(long seconds, java.util.function.BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < until) {
      if (condition.getAsBoolean()) return true;
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }

  /** Whether a second device, on the library's own transport, pulls a profile with this bio. */
  private static boolean bioSeenElsewhere(String bio, String url, File dir, ExecutorService executor) {
    try (Client other = Client.open(options(dir, url, executor))) {
      other.login(AMINA, AMINA_PASSWORD);
      other.syncOnce(20000);
      for (Map<String, Object> profile : other.list("profiles"))
        if (bio.equals(profile.get("bio"))) return true;
      return false;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: TransportTest WS_URL SCRATCH_DIR");
      System.exit(2);
    }
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      run(args[0], new File(args[1]), executor);
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    } finally {
      executor.shutdownNow();
    }
    System.out.println("TransportTest: " + checks + " checks passed");
    System.exit(0);
  }

  private static void run(String url, File scratch, ExecutorService executor) throws Exception {
    // 1. One round through the app's WebSocket; another device sees the write.
    JdkTransport transport = new JdkTransport();
    Client amina = Client.open(options(new File(scratch, "host"), url, executor).transport(transport));
    amina.login(AMINA, AMINA_PASSWORD);
    check(transport.count.opens.get() == 0, "sign-in uses the library's own connection");
    amina.mutate("profile.update", Map.of("bio", "sent over the app's WebSocket, é ✓ 🌍"));
    SyncSummary s = amina.syncOnce(20000);
    check(s.pushed > 0 && s.rejected == 0, "syncOnce over the app's transport pushed the write: " + s);
    check(transport.count.opens.get() == 1, "one connection opened: " + transport.count.opens.get());
    check("passerelle-transport".equals(transport.count.openThread),
        "the app's transport runs on the binding's transport thread, not " + transport.count.openThread);
    // hello, auth.resume, push, at least one pull: all through the app's socket
    check(transport.count.framesSent.get() >= 4, "frames sent: " + transport.count.framesSent.get());
    check(transport.count.framesReceived.get() >= 4, "frames received: " + transport.count.framesReceived.get());
    check(amina.status().pendingOps == 0, "nothing left queued");
    check(bioSeenElsewhere("sent over the app's WebSocket, é ✓ 🌍", url, new File(scratch, "elsewhere-1"), executor),
        "a second device pulls the write, emoji intact");

    // 2. The background sync through it: a write goes out by itself.
    amina.startSync();
    check(eventually(10, () -> amina.status().state == SyncState.UP_TO_DATE), "background sync up to date: " + amina.status());
    amina.mutate("profile.update", Map.of("bio", "pushed in the background"));
    check(eventually(10, () -> amina.status().pendingOps == 0), "the background sync pushed the write");
    amina.stopSync();
    check(bioSeenElsewhere("pushed in the background", url, new File(scratch, "elsewhere-2"), executor),
        "a second device pulls the background write");
    amina.close();

    // 3. Every connection opened was closed once by the library and reported closed once.
    Counters c = transport.count;
    check(c.opens.get() >= 2, "opens: " + c.opens.get());
    check(c.closes.get() == c.opens.get(), "closes " + c.closes.get() + " for opens " + c.opens.get());
    check(c.closedReports.get() == c.opens.get(), "closed reports " + c.closedReports.get() + " for opens " + c.opens.get());

    // 4. No network: the sync fails with the app's reason, as a network failure, and retries.
    OfflineTransport offline = new OfflineTransport();
    try (Client phone = Client.open(options(new File(scratch, "offline"), url, executor).transport(offline))) {
      phone.login(AMINA, AMINA_PASSWORD);
      try {
        phone.syncOnce(5000);
        check(false, "syncOnce without a network must throw");
      } catch (PasserelleException e) {
        check(e.origin == ErrorOrigin.NETWORK && e.getMessage().contains("no network on this test's phone"),
            "network failure with the app's reason: " + e);
      }
      phone.startSync();
      check(eventually(5, () -> {
        ErrorInfo last = phone.status().lastError;
        return last != null && String.valueOf(last.message).contains("no network on this test's phone");
      }), "the status tells why: " + phone.status());
      check(eventually(5, () -> offline.opens.get() >= 3), "the background sync retries: " + offline.opens.get());
    }
  }
}
