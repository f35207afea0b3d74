package org.passerelle;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Java API against a real server (tests/capi runs it through capi_launcher, which seeded
 * the demo program and obeys "@server stop" / "@server start" lines on our stdout):
 *
 *   1. the coach (Marc-André) starts Amina's action plan from the shipped template;
 *   2. Amina signs in on her phone and syncs her plan; the coach's phone syncs in the background;
 *   3. the server goes down; Amina marks a step in progress, offline: her rows listener hears it
 *      on the app's Executor, and a sync attempt fails with origin NETWORK;
 *   4. the server comes back on the same database; Amina syncs: the step reaches the server
 *      once, and the coach's background sync delivers it to the coach's rows listener, again
 *      through the Executor;
 *   5. errors come back typed (wrong password, bad JSON args, a C++ exception in the core);
 *   6. the computed views: threads with unread counts, a message with a PDF, read marks, slots;
 *      and logout wipes the local data.
 *
 * No JUnit: plain checks, exit code 1 on the first failure. Needs no Gradle: javac + java.
 */
public final class ClientTest {
  private static final String COACH = "coach.gagnon@demo.passerelle.quebec";
  private static final String COACH_PASSWORD = "demo-coach-2026";
  private static final String AMINA = "amina.benali@demo.passerelle.quebec";
  private static final String AMINA_PASSWORD = "demo-candidate-2026";
  private static final String EXECUTOR_THREAD = "app-listeners";

  private static final BufferedReader launcher =
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
  private static int checks = 0;

  private static void check(boolean ok, String what) {
    checks++;
    if (!ok) throw new AssertionError("FAILED: " + what);
  }

  private static void server(String command) throws Exception {
    System.out.println("@server " + command);
    System.out.flush();
    String answer = launcher.readLine();
    check(answer != null && answer.startsWith("ok"), "the launcher did '" + command + "': " + answer);
  }

  /** What a listener saw, and on which thread. */
  private static final class Heard {
    final String thread;
    final Object value;

    Heard(Object value) {
      this.thread = Thread.currentThread().getName();
      this.value = value;
    }
  }

  /** Waits (bounded) for a rows notification naming `key`; every one must come on the Executor. */
  private static boolean heardRow(BlockingQueue<Heard> queue, RowKey key, long seconds) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (;;) {
      long left = until - System.nanoTime();
      if (left <= 0) return false;
      Heard h = queue.poll(left, TimeUnit.NANOSECONDS);
      if (h == null) return false;
      check(h.thread.equals(EXECUTOR_THREAD), "listeners run on the app's Executor, not on " + h.thread);
      @SuppressWarnings("unchecked")
      List<RowKey> rows = (List<RowKey>) h.value;
      if (rows.contains(key)) return true;
    }
  }

  private static String stringField(Map<String, Object> row, String key) {
    Object v = row == null ? null : row.get(key);
    return v == null ? null : v.toString();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: ClientTest WS_URL SCRATCH_DIR");
      System.exit(2);
    }
    String url = args[0];
    File scratch = new File(args[1]);
    ExecutorService appExecutor = Executors.newSingleThreadExecutor(r -> new Thread(r, EXECUTOR_THREAD));
    try {
      run(url, scratch, appExecutor);
      closeFromAListener(url, scratch);
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1);
    } finally {
      appExecutor.shutdownNow();
    }
    System.out.println("ClientTest: " + checks + " checks passed");
    System.exit(0);
  }

  /**
   * With a direct Executor a listener runs on the binding's dispatcher thread. Closing the client
   * from there must neither deadlock (that thread cannot join itself) nor touch freed memory:
   * the dispatcher ends, then frees the binding itself (-Xcheck:jni watches the JNI calls).
   */
  private static void closeFromAListener(String url, File scratch) throws Exception {
    Client direct = Client.open(new Client.Options(new File(scratch, "direct").getPath()).serverUrl(url)
        .executor(Runnable::run).connectTimeoutMs(3000).requestTimeoutMs(10000).syncBackoffMs(50, 300));
    direct.login(AMINA, AMINA_PASSWORD);
    BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    AtomicBoolean first = new AtomicBoolean(true);
    direct.addSyncStateListener(status -> {
      if (!first.getAndSet(false)) return;
      String name = Thread.currentThread().getName();
      direct.close();
      heard.add(name);
    });
    direct.startSync();
    String thread = heard.poll(30, TimeUnit.SECONDS);
    check(thread != null, "the sync state listener ran");
    check("passerelle-dispatch".equals(thread), "a direct Executor runs it on the dispatcher, not on " + thread);
    try {
      direct.status();
      check(false, "a client closed by its own listener must throw");
    } catch (PasserelleException e) {
      check(e.origin == ErrorOrigin.USAGE && e.getMessage().contains("closed"), "closed by its listener: " + e);
    }
    direct.close();  // idempotent, from another thread too
  }

  private static Client.Options options(File dir, String url, ExecutorService executor) {
    return new Client.Options(dir.getPath()).serverUrl(url).executor(executor).connectTimeoutMs(3000)
        .requestTimeoutMs(10000).syncBackoffMs(50, 300);
  }

  private static void run(String url, File scratch, ExecutorService executor) throws Exception {
    check(Client.version().matches("\\d+\\.\\d+\\.\\d+.*"), "version " + Client.version());
    check(Client.newId().length() == 36, "newId");

    // 1. The coach starts Amina's plan.
    String planId = Client.newId();
    try (Client coach = Client.open(options(new File(scratch, "coach"), url, executor))) {
      User marc = coach.login(COACH, COACH_PASSWORD);
      check(marc.role.equals("coach") && marc.name.startsWith("Marc"), "coach signed in: " + marc);
      coach.syncOnce(20000);
      String aminaId = null;
      for (Map<String, Object> p : coach.list("profiles", "role", "candidate"))
        if ("Amina Benali".equals(p.get("name"))) aminaId = stringField(p, "id");
      check(aminaId != null, "the coach sees Amina's profile in the caseload");
      coach.mutate("plan.create", Map.of("plan_id", planId, "candidate_id", aminaId, "template_key",
          "quebec-skilled-worker"));
      SyncSummary s = coach.syncOnce(20000);
      check(s.applied == 1 && s.rejected == 0, "plan.create applied: " + s);
      // Invitations (issue 27): a coach invites a candidate, not an admin.
      String invitationId = coach.invite("java-invitee@example.org", "candidate", "Invitée Java", "fr");
      check(invitationId != null && invitationId.length() == 36, "invite returns the invitation's id: " + invitationId);
      try {
        coach.invite("java-boss@example.org", "admin", null, null);
        check(false, "a coach inviting an admin is refused");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.FORBIDDEN, "a coach inviting an admin: FORBIDDEN, got " + e.code);
      }
    }

    // 2. Amina's phone and the coach's phone (background sync, listeners).
    Client amina = Client.open(options(new File(scratch, "amina"), url, executor));
    Client coach = Client.open(options(new File(scratch, "coach"), url, executor));
    BlockingQueue<Heard> aminaRows = new LinkedBlockingQueue<>();
    BlockingQueue<Heard> coachRows = new LinkedBlockingQueue<>();
    BlockingQueue<Heard> coachStates = new LinkedBlockingQueue<>();
    try {
      // Wrong password: a typed error from the server.
      try {
        amina.login(AMINA, "not her password");
        check(false, "a wrong password must throw");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.UNAUTHENTICATED && e.origin == ErrorOrigin.SERVER, "wrong password: " + e);
      }
      amina.setDeviceName("Amina's phone");
      User me = amina.login(AMINA, AMINA_PASSWORD);
      check(me.name.equals("Amina Benali") && me.role.equals("candidate"), "Amina signed in: " + me);
      Account account = amina.currentUser();
      check(account != null && account.user.id.equals(me.id), "currentUser");
      SyncSummary first = amina.syncOnce(20000);
      check(first.pulledRows > 0, "first sync pulled rows: " + first);
      List<Map<String, Object>> steps = amina.list("plan_steps", "plan_id", planId);
      check(steps.size() >= 10, "Amina's plan has its steps: " + steps.size());
      String stepId = stringField(steps.get(0), "id");
      check("todo".equals(stringField(steps.get(0), "status")), "a fresh step is todo");
      Subscription aminaSub = amina.addRowsListener(rows -> aminaRows.add(new Heard(rows)));

      check(coach.currentUser() != null, "the coach is still signed in on the coach's phone");
      Subscription coachSub = coach.addRowsListener(rows -> coachRows.add(new Heard(rows)));
      coach.addSyncStateListener(status -> coachStates.add(new Heard(status)));
      coach.startSync();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      boolean upToDate = false;
      while (!upToDate && System.nanoTime() < until) {
        Heard h = coachStates.poll(200, TimeUnit.MILLISECONDS);
        if (h == null) continue;
        check(h.thread.equals(EXECUTOR_THREAD), "state listeners run on the Executor");
        upToDate = ((SyncStatus) h.value).state == SyncState.UP_TO_DATE;
      }
      check(upToDate, "the coach's background sync reached up_to_date");

      // 3. Offline: the server stops; Amina works on her plan.
      server("stop");
      String op = amina.mutate("step.set_status", Map.of("id", stepId, "status", "in_progress"));
      check(op.length() == 36, "step.set_status queued offline");
      check(heardRow(aminaRows, new RowKey("plan_steps", stepId), 5), "Amina's rows listener heard the offline write");
      check("in_progress".equals(stringField(amina.get("plan_steps", stepId), "status")), "visible at once");
      check(amina.status().pendingOps == 1, "one op waits in the outbox");
      try {
        amina.syncOnce(2000);
        check(false, "syncing without a server must throw");
      } catch (PasserelleException e) {
        check(e.origin == ErrorOrigin.NETWORK, "no server: origin NETWORK: " + e);
      }
      // Bad input is refused before anything is queued.
      try {
        amina.mutateJson("step.set_status", "{\"id\": ");
        check(false, "bad JSON must throw");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.BAD_REQUEST && e.origin == ErrorOrigin.USAGE && e.getMessage().contains("JSON"),
            "bad JSON: " + e);
      }
      try {
        amina.mutate("step.set_status", Map.of("id", stepId, "status", "finished-ish"));
        check(false, "a bad status must throw");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.BAD_REQUEST && e.getMessage().contains("status"), "bad status: " + e);
      }
      check(amina.status().pendingOps == 1, "still one op");

      // 4. The server comes back on the same database: Amina syncs, the coach hears it live.
      server("start");
      SyncSummary pushed = amina.syncOnce(20000);
      check(pushed.pushed == 1 && pushed.applied == 1 && pushed.rejected == 0, "the offline write applied: " + pushed);
      check(amina.status().pendingOps == 0, "outbox empty");
      check(heardRow(coachRows, new RowKey("plan_steps", stepId), 20),
          "the coach's rows listener heard Amina's step through the background sync");
      check("in_progress".equals(stringField(coach.get("plan_steps", stepId), "status")),
          "the coach's phone shows the step in progress");
      Map<String, Object> step = amina.get("plan_steps", stepId);
      check(step != null && step.get("history") instanceof List && !((List<?>) step.get("history")).isEmpty(),
          "the step's history records the change");

      // Unsubscribed listeners hear nothing more.
      aminaSub.close();
      coachSub.close();
      aminaRows.clear();
      amina.mutate("step.set_status", Map.of("id", stepId, "status", "done"));
      Thread.sleep(200);
      check(aminaRows.isEmpty(), "no call after Subscription.close()");

      // 5. A C++ exception inside the core comes back as a typed error; the client carries on.
      amina.debugThrowForTest(4);
      try {
        amina.mutate("profile.update", Map.of("bio", "Infirmière \uD83C\uDDE8\uD83C\uDDE6"));
        check(false, "the armed exception must surface");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.INTERNAL && e.getMessage().contains("test exception"), "exception: " + e);
      }
      Map<String, Object> profile = amina.get("profiles", me.id);
      check("Infirmière \uD83C\uDDE8\uD83C\uDDE6".equals(stringField(profile, "bio")),
          "UTF-8 beyond the BMP survives the round trip through JNI: " + stringField(profile, "bio"));

      // Listing errors are typed too.
      try {
        amina.list("Not A Collection");
        check(false, "a malformed collection must throw");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.BAD_REQUEST && e.origin == ErrorOrigin.USAGE, "bad collection: " + e);
      }
      check(amina.get("plan_steps", Client.newId()) == null, "a missing row is null");
      List<Map<String, Object>> pending = amina.pendingOps();
      check(pending.size() == 2, "two ops pending (done, bio): " + pending.size());
      SyncSummary last = amina.syncOnce(20000);
      check(last.applied == 2, "both reach the server: " + last);
      check(amina.rejections().isEmpty(), "no rejections");

      // 6. The computed views: threads with unread counts, a message with a PDF, read marks, slots.
      List<Map<String, Object>> threads = amina.threads();
      check(!threads.isEmpty() && threads.get(0).get("unread") instanceof Number
          && "Marc-André Gagnon".equals(stringField(threads.get(0), "title")), "threads: " + threads);
      String threadId = stringField(threads.get(0), "id");
      File pdf = new File(scratch, "attestation.pdf");
      java.nio.file.Files.write(pdf.toPath(), "%PDF-1.4\n% attestation\n%%EOF\n".getBytes(StandardCharsets.UTF_8));
      String messageId = amina.sendMessage(threadId, "Mon attestation \uD83D\uDCC4", List.of(pdf.getPath()));
      Map<String, Object> sent = null;
      for (Map<String, Object> m : amina.threadMessages(threadId))
        if (messageId.equals(m.get("id"))) sent = m;
      Object files = sent == null ? null : sent.get("attachments");
      Object file = files instanceof List && ((List<?>) files).size() == 1 ? ((List<?>) files).get(0) : null;
      check(sent != null && "queued".equals(sent.get("state")) && Boolean.TRUE.equals(sent.get("mine"))
          && file instanceof Map && Boolean.TRUE.equals(((Map<?, ?>) file).get("on_device"))
          && "attestation.pdf".equals(((Map<?, ?>) file).get("name")), "my message with its PDF: " + sent);
      amina.markRead(threadId);
      check(amina.unreadTotal() == 0, "nothing unread after markRead");
      SyncSummary withFile = amina.syncOnce(20000);
      check(withFile.applied >= 1 && withFile.rejected == 0, "the message and its file reached the server: " + withFile);
      try {
        amina.slots(null, 14);
        check(false, "no active mentorship: slots must throw");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.NOT_FOUND && e.origin == ErrorOrigin.USAGE, "slots without a mentorship: " + e);
      }

      // Password and sessions (issue #23): online requests.
      List<SessionInfo> sessions = amina.sessions();
      SessionInfo mine = null;
      for (SessionInfo si : sessions) if (si.current) mine = si;
      check(mine != null && "Amina's phone".equals(mine.device) && !mine.firstSeenAt.isEmpty(),
          "Amina's sessions name this phone: " + sessions.size());
      try {
        amina.changePassword("not her password", "another long password");
        check(false, "a wrong current password must throw");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.FORBIDDEN && e.origin == ErrorOrigin.SERVER, "wrong current password: " + e);
      }
      amina.requestPasswordReset("nobody-here@example.org");  // the same answer as for anyone
      try {
        amina.resetPasswordWithCode("ABCD-EFGH-JKMN", "another long password");
        check(false, "a made-up reset code must throw");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.NOT_FOUND && e.origin == ErrorOrigin.SERVER, "made-up reset code: " + e);
      }

      // Logout wipes the local data.
      coach.stopSync();
      LogoutResult out = amina.logout(true);
      check(out.wasSignedIn && out.revokedOnServer && out.wipedLocalData, "logout with wipe");
      check(!new File(scratch, "amina/accounts").exists(), "the account files are gone");
      check(new File(scratch, "amina/device.sqlite").exists(), "device.sqlite stays");
      check(amina.currentUser() == null, "nobody signed in");
      try {
        amina.get("plan_steps", stepId);
        check(false, "no data after logout");
      } catch (PasserelleException e) {
        check(e.code == ErrorCode.UNAUTHENTICATED, "signed out: " + e);
      }
      coach.logout(true);
    } finally {
      amina.close();
      coach.close();
    }
    amina.close();  // idempotent
    try {
      amina.status();
      check(false, "a closed client must throw");
    } catch (PasserelleException e) {
      check(e.origin == ErrorOrigin.USAGE && e.getMessage().contains("closed"), "closed: " + e);
    }
  }
}
