package org.passerelle;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The Passerelle client core on a phone: one signed-in account's offline-first data, its outbox
 * and its sync with the server. A thin layer over the C API (passerelle.h); docs/bindings.md
 * walks through a candidate app's lifecycle.
 *
 * <pre>{@code
 * Client client = Client.open(new Client.Options(context.getFilesDir() + "/passerelle")
 *     .serverUrl("wss://passerelle.example.org")
 *     .executor(ContextCompat.getMainExecutor(context)));   // listeners run on the UI thread
 * User me = client.login(email, password);                  // blocking: not on the UI thread
 * client.addRowsListener(rows -> refresh(rows));
 * client.startSync();                                       // background, reconnects by itself
 * String op = client.mutate("step.set_status", Map.of("id", stepId, "status", "done"));  // offline too
 * }</pre>
 *
 * <p>Threads. Every method may be called from any thread. The blocking ones (login, resume,
 * acceptInvite, logout, checkServer, syncOnce, startSync, stopSync, currentUser, downloadFile)
 * wait for the network or for each other: call them from a background thread or a coroutine on
 * Dispatchers.IO, never from the main thread. The local ones (mutate, get, list, status,
 * rejections, dismissRejection, pendingOps, threads, unreadTotal, threadMessages, sendMessage,
 * markRead, slots) read or write the device's SQLite file only and return in milliseconds.
 *
 * <p>Listeners run on the {@link Executor} given in {@link Options#executor}: the core's threads
 * only queue the news; one dispatcher thread of this client hands each listener call to the
 * Executor, so a listener never runs on a core thread nor while the core holds a lock, and may
 * call any method of this client (a direct Executor runs listeners on that dispatcher thread).
 *
 * <p>Errors: every method that can fail throws {@link PasserelleException} (unchecked) with the
 * protocol's {@link ErrorCode} and an {@link ErrorOrigin}. Calls after {@link #close()} throw it
 * with code BAD_REQUEST and origin USAGE.
 */
public final class Client implements AutoCloseable {
  /** Options of {@link Client#open(Options)}; 0 or null means the default. */
  public static final class Options {
    String dataDir;
    String serverUrl;
    String caFile;
    int connectTimeoutMs;
    int requestTimeoutMs;
    int syncBackoffMinMs;
    int syncBackoffMaxMs;
    Executor executor;
    Transport transport;

    /** @param dataDir the app's private directory for this library's files (e.g. under getFilesDir()). */
    public Options(String dataDir) {
      this.dataDir = dataDir;
    }

    /** ws://, wss://, http:// or https://; null: the one of the last sign-in on this device. */
    public Options serverUrl(String url) {
      this.serverUrl = url;
      return this;
    }

    /** An extra CA certificate (PEM file) trusted for wss://, besides the system store. */
    public Options caFile(String path) {
      this.caFile = path;
      return this;
    }

    public Options connectTimeoutMs(int ms) {
      this.connectTimeoutMs = ms;
      return this;
    }

    public Options requestTimeoutMs(int ms) {
      this.requestTimeoutMs = ms;
      return this;
    }

    /** Reconnection delays of the background sync: min doubling up to max (defaults 500 ms, 60 s). */
    public Options syncBackoffMs(int minMs, int maxMs) {
      this.syncBackoffMinMs = minMs;
      this.syncBackoffMaxMs = maxMs;
      return this;
    }

    /**
     * The WebSocket the sync speaks through, given by the app (OkHttp's, say: its proxies, VPN
     * and system trust store); null, the default: the library's own. See {@link Transport}.
     */
    public Options transport(Transport transport) {
      this.transport = transport;
      return this;
    }

    /** Where listeners run (required): e.g. ContextCompat.getMainExecutor(context). */
    public Options executor(Executor executor) {
      this.executor = executor;
      return this;
    }
  }

  /** logout flag: also delete this device's account files (rows, outbox, rejections). */
  static final int LOGOUT_WIPE_LOCAL_DATA = 1;

  private static final int KIND_ROWS = 1;
  private static final int KIND_SYNC_STATE = 2;
  private static final int KIND_REJECTION = 3;

  private final Executor executor;
  // Calls hold the read lock while they use the handle; close() takes the write lock to retire
  // it, so a handle is never used after it was freed.
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private long handle;
  private final ConcurrentHashMap<Long, Registration> listeners = new ConcurrentHashMap<>();
  private final AtomicLong nextListenerId = new AtomicLong(1);

  private Client(Executor executor) {
    this.executor = executor;
  }

  /** Opens (creating it if missing) the data directory. No network access. */
  public static Client open(Options options) {
    if (options == null || options.dataDir == null) throw usage("Options with a data directory are required");
    if (options.executor == null) throw usage("Options.executor is required: listeners run on it");
    Client c = new Client(options.executor);
    c.handle = Native.open(c, utf8(options.dataDir), utf8(options.serverUrl), utf8(options.caFile),
        options.connectTimeoutMs, options.requestTimeoutMs, options.syncBackoffMinMs, options.syncBackoffMaxMs,
        options.transport);
    return c;
  }

  public static Client open(String dataDir, String serverUrl, Executor executor) {
    return open(new Options(dataDir).serverUrl(serverUrl).executor(executor));
  }

  /** The library's version, e.g. "0.1.0". */
  public static String version() {
    return str(Native.version());
  }

  /** A new UUIDv7, the id every new row needs (a message, a plan, a note entry...). */
  public static String newId() {
    return str(Native.newId());
  }

  /**
   * Stops the background sync, unregisters every listener and frees the native client; local
   * data stays on disk. Idempotent. Waits for calls in progress on other threads to return.
   * Once it returns no listener is called again (one already running elsewhere finishes).
   */
  @Override
  public void close() {
    long h;
    lock.writeLock().lock();
    try {
      h = handle;
      handle = 0;
    } finally {
      lock.writeLock().unlock();
    }
    for (Registration r : listeners.values()) r.active = false;
    listeners.clear();
    if (h != 0) Native.close(h);
  }

  public String serverUrl() {
    return call(h -> str(Native.serverUrl(h)));
  }

  public String deviceId() {
    return call(h -> str(Native.deviceId(h)));
  }

  // --- accounts (blocking) -----------------------------------------------------------------------

  /**
   * Signs in and makes the account current on this device. Stops the background sync of a
   * previous session: call {@link #startSync()} after. Wrong e-mail or password: code
   * UNAUTHENTICATED, origin SERVER; no network: origin NETWORK.
   */
  public User login(String email, String password) {
    return call(h -> User.from(parse(Native.login(h, utf8(email), utf8(password)))));
  }

  /** Re-opens the stored session (the background sync does this by itself). */
  public User resume() {
    return call(h -> User.from(parse(Native.resume(h))));
  }

  /** Creates the invited account and signs it in. */
  public User acceptInvite(String token, String name, String password) {
    return call(h -> User.from(parse(Native.acceptInvite(h, utf8(token), utf8(name), utf8(password)))));
  }

  /**
   * Stops the sync, revokes the session on the server when reachable, forgets the token here;
   * with {@code wipeLocalData} also deletes every account file of this device (ops not yet sent
   * are lost). Throws only when the local files cannot be updated.
   */
  public LogoutResult logout(boolean wipeLocalData) {
    return call(h -> LogoutResult.from(parse(Native.logout(h, wipeLocalData ? LOGOUT_WIPE_LOCAL_DATA : 0))));
  }

  /** The account signed in on this device (offline), or null. */
  public Account currentUser() {
    return call(h -> {
      byte[] json = Native.currentUser(h);
      return json == null ? null : Account.from(parse(json));
    });
  }

  /** Throws (origin NETWORK) unless the server answers within {@code timeoutMs}. */
  public void checkServer(int timeoutMs) {
    call(h -> {
      Native.checkServer(h, timeoutMs);
      return null;
    });
  }

  // --- password and sessions (blocking: network; issue #23) -------------------------------------

  /** The name this device gives at its next sign-in ("Amina's phone"), shown by {@link #sessions()}. */
  public void setDeviceName(String deviceName) {
    call(h -> {
      Native.setDeviceName(h, utf8(deviceName == null ? "" : deviceName));
      return null;
    });
  }

  /**
   * Changes the signed-in person's password; every other session of theirs ends, this one stays.
   * Returns how many ended. Wrong current password: code FORBIDDEN, origin SERVER.
   */
  public long changePassword(String currentPassword, String newPassword) {
    return call(h -> Native.changePassword(h, utf8(currentPassword), utf8(newPassword)));
  }

  /** Asks for a reset e-mail; answers the same whether an account uses {@code email} or not. */
  public void requestPasswordReset(String email) {
    call(h -> {
      Native.requestPasswordReset(h, utf8(email));
      return null;
    });
  }

  /** Sets a new password with the reset e-mail's code; every session ends (sign in again). */
  public void resetPasswordWithCode(String code, String newPassword) {
    call(h -> {
      Native.resetPasswordWithCode(h, utf8(code), utf8(newPassword));
      return null;
    });
  }

  /** The same with the token of the e-mail's link (the app opened at /app/#reset=TOKEN). */
  public void resetPasswordWithToken(String token, String newPassword) {
    call(h -> {
      Native.resetPasswordWithToken(h, utf8(token), utf8(newPassword));
      return null;
    });
  }

  /** The signed-in person's live sessions, most recently seen first. */
  public List<SessionInfo> sessions() {
    return call(h -> {
      List<SessionInfo> out = new ArrayList<>();
      for (Object o : Json.arr(parse(Native.sessions(h)))) out.add(SessionInfo.from(o));
      return out;
    });
  }

  /**
   * Ends one of those sessions. Stops the background sync first, like {@link #login}: ending
   * this device's own session signs it out.
   */
  public void endSession(String sessionId) {
    call(h -> {
      Native.endSession(h, utf8(sessionId));
      return null;
    });
  }

  /** Admin: ends every session of another account; returns how many. */
  public long endAllSessions(String userId) {
    return call(h -> Native.endAllSessions(h, utf8(userId)));
  }

  // --- sync --------------------------------------------------------------------------------------

  /** Starts the background sync (its own thread; reconnects with backoff). Returns at once. */
  public void startSync() {
    call(h -> {
      Native.startSync(h);
      return null;
    });
  }

  /** Stops the background sync and waits for its thread. */
  public void stopSync() {
    call(h -> {
      Native.stopSync(h);
      return null;
    });
  }

  /** One blocking round: push everything, pull to the end, within {@code timeoutMs} (0: 30 s). */
  public SyncSummary syncOnce(int timeoutMs) {
    return call(h -> SyncSummary.from(parse(Native.syncOnce(h, timeoutMs))));
  }

  public SyncStatus status() {
    return call(h -> SyncStatus.from(parse(Native.status(h))));
  }

  public List<Rejection> rejections() {
    return call(h -> {
      List<Rejection> out = new ArrayList<>();
      for (Object o : Json.arr(parse(Native.rejections(h)))) out.add(Rejection.from(o));
      return Collections.unmodifiableList(out);
    });
  }

  public void dismissRejection(String opId) {
    call(h -> {
      Native.dismissRejection(h, utf8(opId));
      return null;
    });
  }

  /** The queued ops not yet answered, oldest first, as {op_id, name, args} maps. */
  public List<Map<String, Object>> pendingOps() {
    return call(h -> Json.objectList(parse(Native.pendingOps(h))));
  }

  // --- data --------------------------------------------------------------------------------------

  /**
   * Runs mutator {@code name} (docs/sync.md, docs/action-plans.md) on the local view and queues
   * it; returns the op id. Works offline. Bad args: BAD_REQUEST / USAGE naming the field.
   */
  public String mutate(String name, Map<String, ?> args) {
    return mutateJson(name, Json.write(args));
  }

  /** {@link #mutate} with the args as JSON text. */
  public String mutateJson(String name, String argsJson) {
    return call(h -> str(Native.mutate(h, utf8(name), utf8(argsJson))));
  }

  /** One row of the local view, or null. */
  public Map<String, Object> get(String collection, String id) {
    String json = getJson(collection, id);
    return json == null ? null : Json.objectMap(Json.parse(json));
  }

  /** One row as JSON text, or null. */
  public String getJson(String collection, String id) {
    return call(h -> str(Native.get(h, utf8(collection), utf8(id))));
  }

  /** Every row of a collection, by id. */
  public List<Map<String, Object>> list(String collection) {
    return Json.objectList(Json.parse(listJson(collection, null, null)));
  }

  /** The rows whose string field {@code field} equals {@code value} ("messages", "thread_id", t). */
  public List<Map<String, Object>> list(String collection, String field, String value) {
    return Json.objectList(Json.parse(listJson(collection, field, value)));
  }

  /** {@link #list} as a JSON array text; field null for every row. */
  public String listJson(String collection, String field, String value) {
    return call(h -> str(Native.list(h, utf8(collection), utf8(field), utf8(value))));
  }

  // --- computed views: coaching messages and meeting slots ----------------------------------------

  /**
   * Every thread on this device, most recent activity first: each thread row's fields plus
   * "title", "members", "message_count", "unread", "last_activity" and "last_message" (a
   * message as {@link #threadMessages} gives it, or null). Local.
   */
  public List<Map<String, Object>> threads() {
    return Json.objectList(Json.parse(threadsJson()));
  }

  /** {@link #threads()} as a JSON array text. */
  public String threadsJson() {
    return call(h -> str(Native.threads(h)));
  }

  /** The unread counts of every thread, summed (a badge). Local. */
  public long unreadTotal() {
    return call(Native::unreadTotal);
  }

  /**
   * A thread's messages in order (queued ones last): each message row's fields plus
   * "author_name", "mine", "n", "state" (queued, sent, delivered, read), "sent_at", "written_at"
   * and "attachments" [{sha256, name, size, type, on_device}]. Local. An unknown thread: NOT_FOUND, USAGE.
   */
  public List<Map<String, Object>> threadMessages(String threadId) {
    return Json.objectList(Json.parse(threadMessagesJson(threadId)));
  }

  /** {@link #threadMessages} as a JSON array text. */
  public String threadMessagesJson(String threadId) {
    return call(h -> str(Native.threadMessages(h, utf8(threadId))));
  }

  /**
   * Queues a message with {@code body} ("" allowed with files) and the files at {@code filePaths}
   * (PDF, DOCX, ODT, PNG or JPEG; copied into the library's store at once, checked before
   * anything is queued: TOO_LARGE, UNSUPPORTED or BAD_REQUEST with origin USAGE). Returns the
   * message id. Local: the next sync uploads the files, then sends the message.
   */
  public String sendMessage(String threadId, String body, List<String> filePaths) {
    byte[][] files = new byte[filePaths == null ? 0 : filePaths.size()][];
    for (int i = 0; i < files.length; i++) files[i] = utf8(filePaths.get(i));
    return call(h -> str(Native.sendMessage(h, utf8(threadId), utf8(body), files)));
  }

  public String sendMessage(String threadId, String body) {
    return sendMessage(threadId, body, null);
  }

  /** Marks the thread read up to the last message of others (queued like any write). Local. */
  public void markRead(String threadId) {
    call(h -> {
      Native.markRead(h, utf8(threadId));
      return null;
    });
  }

  /**
   * BLOCKING (network when the file is not on the device): the attachment with this SHA-256,
   * copied to {@code destination} (must not exist: CONFLICT, USAGE); null for the stored copy's
   * own path (read it, do not change it). Returns the path written.
   */
  public String downloadFile(String sha256, String destination) {
    return call(h -> str(Native.downloadFile(h, utf8(sha256), utf8(destination))));
  }

  /**
   * The free one-hour meeting slots of a mentorship's mentor, from 24 h ahead over {@code days}
   * (0: 21, at most 90), computed on the device as the CLI does. {@code mentorshipId} null: the
   * one active mentorship on this device (none: NOT_FOUND; several: CONFLICT; both USAGE). Local.
   */
  public List<Slot> slots(String mentorshipId, int days) {
    List<Slot> out = new ArrayList<>();
    for (Object o : Json.arr(Json.parse(slotsJson(mentorshipId, days)))) out.add(Slot.from(o));
    return Collections.unmodifiableList(out);
  }

  /** {@link #slots} as a JSON array text. */
  public String slotsJson(String mentorshipId, int days) {
    return call(h -> str(Native.slots(h, utf8(mentorshipId), days)));
  }

  // --- listeners ---------------------------------------------------------------------------------

  public Subscription addRowsListener(RowsListener listener) {
    return register(KIND_ROWS, listener);
  }

  public Subscription addSyncStateListener(SyncStateListener listener) {
    return register(KIND_SYNC_STATE, listener);
  }

  public Subscription addRejectionListener(RejectionListener listener) {
    return register(KIND_REJECTION, listener);
  }

  private final class Registration implements Subscription {
    final long id;
    final int kind;
    final Object listener;
    volatile boolean active = true;
    long token;

    Registration(long id, int kind, Object listener) {
      this.id = id;
      this.kind = kind;
      this.listener = listener;
    }

    @Override
    public void close() {
      if (!active) return;
      active = false;
      listeners.remove(id);
      lock.readLock().lock();
      try {
        if (handle != 0 && token != 0) Native.unobserve(handle, token);
      } finally {
        lock.readLock().unlock();
      }
    }
  }

  private Subscription register(int kind, Object listener) {
    if (listener == null) throw usage("the listener is null");
    Registration r = new Registration(nextListenerId.getAndIncrement(), kind, listener);
    listeners.put(r.id, r);
    try {
      r.token = call(h -> {
        switch (kind) {
          case KIND_ROWS: return Native.observeRows(h, r.id);
          case KIND_SYNC_STATE: return Native.observeSyncState(h, r.id);
          default: return Native.observeRejections(h, r.id);
        }
      });
    } catch (RuntimeException e) {
      listeners.remove(r.id);
      throw e;
    }
    return r;
  }

  /**
   * Called by the JNI dispatcher thread (never a core thread) with one piece of news: decodes it
   * here and hands the listener call to the app's Executor.
   */
  void dispatch(int kind, long listenerId, byte[] json) {
    Registration r = listeners.get(listenerId);
    if (r == null || !r.active) return;
    Object value = Json.parse(str(json));
    Runnable task;
    switch (kind) {
      case KIND_ROWS: {
        List<RowKey> rows = RowKey.listFrom(value);
        task = () -> {
          if (r.active) ((RowsListener) r.listener).onRowsChanged(rows);
        };
        break;
      }
      case KIND_SYNC_STATE: {
        SyncStatus status = SyncStatus.from(value);
        task = () -> {
          if (r.active) ((SyncStateListener) r.listener).onSyncStateChanged(status);
        };
        break;
      }
      case KIND_REJECTION: {
        Rejection rejection = Rejection.from(value);
        task = () -> {
          if (r.active) ((RejectionListener) r.listener).onRejected(rejection);
        };
        break;
      }
      default:
        return;
    }
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // The app shut its Executor down: nobody is listening any more.
    }
  }

  /** Tests only: see psl_debug_throw_for_test in passerelle.h. */
  void debugThrowForTest(int kind) {
    call(h -> {
      Native.debugThrowForTest(h, kind);
      return null;
    });
  }

  // --- helpers -----------------------------------------------------------------------------------

  private interface NativeCall<T> {
    T run(long handle);
  }

  private <T> T call(NativeCall<T> f) {
    lock.readLock().lock();
    try {
      long h = handle;
      if (h == 0) throw usage("the client is closed");
      return f.run(h);
    } finally {
      lock.readLock().unlock();
    }
  }

  private static PasserelleException usage(String message) {
    return new PasserelleException(ErrorCode.BAD_REQUEST, ErrorOrigin.USAGE, message);
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static Object parse(byte[] json) {
    return Json.parse(str(json));
  }
}
