/* The C API (passerelle.h) from C, against a real passerelle-server seeded with the demo program.
 * Compiled as C11 with -Wall -Wextra -Werror -pedantic: the header must be plain C.
 *
 *   capi_test WS_URL SCRATCH_DIR      (tests/capi/CMakeLists.txt runs it through capi_launcher)
 *
 * Every string the library returns is freed and every error cleared, so the AddressSanitizer /
 * LeakSanitizer build (tests/capi/run-asan.sh) proves the ownership rules as well. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "passerelle/passerelle.h"

static const char* kEmail = "amina.benali@demo.passerelle.quebec";
static const char* kPassword = "demo-candidate-2026";

/* ---- the test kit beyond check.h ------------------------------------------------------------ */

/* An error with this code and origin whose message contains `needle`; then cleared. */
#define CHECK_ERROR(err, want_code, want_origin, needle)                                                     \
  do {                                                                                                       \
    ++g_checks;                                                                                              \
    if ((err).code != (want_code) || (err).origin != (want_origin) || !(err).message ||                     \
        !strstr((err).message, (needle)))                                                                    \
      fail(__FILE__, __LINE__, "expected %s/%s containing '%s', got %s/%s: %s", psl_code_name(want_code),   \
           psl_origin_name(want_origin), (needle), psl_code_name((err).code), psl_origin_name((err).origin), \
           (err).message ? (err).message : "(no message)");                                                 \
    psl_error_clear(&(err));                                                                                 \
  } while (0)

#define CHECK_NO_ERROR(err) \
  CHECK((err).code == PSL_OK && (err).message == NULL, "unexpected error %s: %s", psl_code_name((err).code), \
        (err).message ? (err).message : "")

/* The first "key":"value" string in a JSON text, malloc'd (ids and plain words only). */
static char* json_string(const char* json, const char* key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char* p = json ? strstr(json, pattern) : NULL;
  if (!p) return NULL;
  p += strlen(pattern);
  const char* end = strchr(p, '"');
  if (!end) return NULL;
  char* out = malloc((size_t)(end - p) + 1);
  memcpy(out, p, (size_t)(end - p));
  out[end - p] = '\0';
  return out;
}

static int exists(const char* path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* ---- observers ------------------------------------------------------------------------------- */

typedef struct observed {
  psl_client* client;
  pthread_t caller;
  atomic_int rows;
  atomic_int rows_on_caller;
  atomic_int states;
  atomic_int up_to_date;
  atomic_int rejections;
  atomic_int rejections_not_found;
  /* Set by the test: the next rows callback tries a blocking call (refused) and a local one. */
  atomic_int try_calls_inside;
  atomic_int blocking_refused;
  atomic_int local_allowed;
  atomic_int bad_json;
} observed;

static void on_rows(void* context, const char* rows_json) {
  observed* o = context;
  atomic_fetch_add(&o->rows, 1);
  if (pthread_equal(pthread_self(), o->caller)) atomic_fetch_add(&o->rows_on_caller, 1);
  if (!rows_json || rows_json[0] != '[' || !strstr(rows_json, "\"collection\"")) atomic_fetch_add(&o->bad_json, 1);
  if (atomic_exchange(&o->try_calls_inside, 0)) {
    psl_error err = PSL_ERROR_INIT;
    char* s = psl_client_sync_once(o->client, 1000, &err);
    if (!s && err.origin == PSL_ORIGIN_USAGE && strstr(err.message, "observer")) atomic_fetch_add(&o->blocking_refused, 1);
    psl_string_free(s);
    psl_error_clear(&err);
    char* status = psl_client_status(o->client, &err);
    if (status && strstr(status, "\"pending_ops\"")) atomic_fetch_add(&o->local_allowed, 1);
    psl_string_free(status);
    psl_error_clear(&err);
  }
}

static void on_state(void* context, const char* status_json) {
  observed* o = context;
  atomic_fetch_add(&o->states, 1);
  if (!status_json || status_json[0] != '{') atomic_fetch_add(&o->bad_json, 1);
  if (status_json && strstr(status_json, "\"state\":\"up_to_date\"")) atomic_fetch_add(&o->up_to_date, 1);
}

static void on_rejection(void* context, const char* rejection_json) {
  observed* o = context;
  atomic_fetch_add(&o->rejections, 1);
  if (rejection_json && strstr(rejection_json, "\"code\":\"not_found\"")) atomic_fetch_add(&o->rejections_not_found, 1);
}

/* Polls the status until it contains `needle` (bounded). */
static int wait_status(psl_client* c, const char* needle, long limit_ms) {
  for (long waited = 0; waited <= limit_ms; waited += 50) {
    psl_error err = PSL_ERROR_INIT;
    char* s = psl_client_status(c, &err);
    int found = s && strstr(s, needle);
    psl_string_free(s);
    psl_error_clear(&err);
    if (found) return 1;
    sleep_ms(50);
  }
  return 0;
}

/* ---- computed views: threads, messages with files, slots ------------------------------------- */

/* A client of its own in SCRATCH/<name>, signed in and synced once; *user_id gets the user's id. */
static psl_client* signed_in(const char* url, const char* scratch, const char* name, const char* email,
                             const char* password, char** user_id) {
  psl_error err = PSL_ERROR_INIT;
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s", scratch, name);
  psl_client_options opts;
  psl_client_options_init(&opts);
  opts.data_dir = dir;
  opts.server_url = url;
  opts.request_timeout_ms = 20000;
  psl_client* c = psl_client_open(&opts, &err);
  CHECK(c, "open %s: %s", name, err.message ? err.message : "");
  char* user = psl_client_login(c, email, password, &err);
  CHECK(user, "login %s: %s", email, err.message ? err.message : "");
  *user_id = json_string(user, "id");
  psl_string_free(user);
  char* summary = psl_client_sync_once(c, 20000, &err);
  CHECK(summary, "sync %s: %s", name, err.message ? err.message : "");
  psl_string_free(summary);
  return c;
}

/* One sync round whose summary must contain `needle`. */
static void sync_expect(psl_client* c, const char* needle) {
  psl_error err = PSL_ERROR_INIT;
  char* summary = psl_client_sync_once(c, 20000, &err);
  CHECK(summary, "sync: %s", err.message ? err.message : "");
  CHECK_CONTAINS(summary, needle);
  psl_string_free(summary);
}

static int64_t unread_total(psl_client* c) {
  psl_error err = PSL_ERROR_INIT;
  int64_t total = -1;
  CHECK(psl_client_unread_total(c, &total, &err), "unread_total: %s", err.message ? err.message : "");
  return total;
}

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "wb");
  CHECK(f != NULL, "cannot write %s: %s", path, strerror(errno));
  fputs(text, f);
  fclose(f);
}

static void test_messages_and_slots(const char* url, const char* scratch) {
  psl_error err = PSL_ERROR_INIT;
  char *amina_id = NULL, *coach_id = NULL, *mentor_id = NULL;
  psl_client* amina = signed_in(url, scratch, "views-amina", kEmail, kPassword, &amina_id);
  psl_client* coach = signed_in(url, scratch, "views-coach", "coach.gagnon@demo.passerelle.quebec", "demo-coach-2026", &coach_id);
  psl_client* mentor = signed_in(url, scratch, "views-mentor", "mentor.roy@demo.passerelle.quebec", "demo-mentor-2026", &mentor_id);
  CHECK(amina_id && coach_id && mentor_id && strlen(mentor_id) == 36, "user ids");

  /* Invitations (issue 27): a coach invites a candidate, not an admin. */
  char* invitation = psl_client_invite(coach, "capi-invitee@example.org", "candidate", "Invit\xc3\xa9" "e C", "fr", &err);
  CHECK_CONTAINS(invitation, "\"status\":\"pending\"");
  CHECK_CONTAINS(invitation, "\"email\":\"capi-invitee@example.org\"");
  psl_string_free(invitation);
  CHECK(psl_client_invite(coach, "capi-boss@example.org", "admin", NULL, NULL, &err) == NULL, "a coach inviting an admin");
  CHECK_ERROR(err, PSL_FORBIDDEN, PSL_ORIGIN_SERVER, "cannot invite");
  CHECK(psl_client_invite(coach, NULL, "candidate", NULL, NULL, &err) == NULL, "invite(NULL email)");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "email");

  /* Threads: the coaching thread with its computed fields. */
  char* threads = psl_client_threads(amina, &err);
  CHECK(threads && threads[0] == '[', "threads: %s", err.message ? err.message : "");
  CHECK_CONTAINS(threads, "\"kind\":\"coaching\"");
  CHECK_CONTAINS(threads, "\"title\":\"Marc-Andr\xc3\xa9 Gagnon\"");
  CHECK_CONTAINS(threads, "\"unread\":");
  CHECK_CONTAINS(threads, "\"last_message\":{");
  char* thread_id = json_string(threads, "id");
  CHECK(thread_id && strlen(thread_id) == 36, "thread id in %s", threads);
  psl_string_free(threads);

  /* The coach writes, with a PDF: once Amina syncs, the thread counts it unread. */
  char pdf_path[1100], txt_path[1100], copy_path[1100];
  snprintf(pdf_path, sizeof pdf_path, "%s/cv-amina.pdf", scratch);
  snprintf(txt_path, sizeof txt_path, "%s/notes.txt", scratch);
  snprintf(copy_path, sizeof copy_path, "%s/downloaded.pdf", scratch);
  const char* pdf_text = "%PDF-1.4\n% CV Amina Benali, infirmi\xc3\xa8re\n%%EOF\n";
  write_file(pdf_path, pdf_text);
  write_file(txt_path, "plain text is not accepted\n");
  const char* files[] = {pdf_path};
  char* coach_msg = psl_client_send_message(coach, thread_id, "Voici le mod\xc3\xa8le de CV", files, 1, &err);
  CHECK(coach_msg && strlen(coach_msg) == 36, "send_message: %s", err.message ? err.message : "");
  char* coach_view = psl_client_thread_messages(coach, thread_id, &err);
  CHECK_CONTAINS(coach_view, "\"state\":\"queued\"");
  CHECK_CONTAINS(coach_view, "\"name\":\"cv-amina.pdf\"");
  CHECK_CONTAINS(coach_view, "\"on_device\":true");
  psl_string_free(coach_view);
  sync_expect(coach, "\"rejected\":0,");

  int64_t before = unread_total(amina);
  sync_expect(amina, "\"pulled_rows\":");
  int64_t after = unread_total(amina);
  CHECK(after == before + 1 && after >= 1, "unread %lld -> %lld", (long long)before, (long long)after);
  char* messages = psl_client_thread_messages(amina, thread_id, &err);
  CHECK(messages && messages[0] == '[', "thread_messages: %s", err.message ? err.message : "");
  CHECK_CONTAINS(messages, coach_msg);
  CHECK_CONTAINS(messages, "\"mine\":false");
  CHECK_CONTAINS(messages, "\"author_name\":\"Marc-Andr\xc3\xa9 Gagnon\"");
  CHECK_CONTAINS(messages, "\"type\":\"application/pdf\"");
  CHECK_CONTAINS(messages, "\"on_device\":false");
  char* sha = json_string(strstr(messages, coach_msg), "sha256");
  CHECK(sha && strlen(sha) == 64, "attachment sha256 in %s", messages);
  psl_string_free(messages);

  /* The file: downloaded to a path of our choice, byte for byte; not twice to the same path. */
  char* written = psl_client_download_file(amina, sha, copy_path, &err);
  CHECK(written && strcmp(written, copy_path) == 0, "download_file: %s", err.message ? err.message : "");
  psl_string_free(written);
  FILE* f = fopen(copy_path, "rb");
  char buf[256] = {0};
  CHECK(f && fread(buf, 1, sizeof buf - 1, f) == strlen(pdf_text) && strcmp(buf, pdf_text) == 0, "downloaded bytes");
  if (f) fclose(f);
  CHECK(psl_client_download_file(amina, sha, copy_path, &err) == NULL, "destination exists");
  CHECK_ERROR(err, PSL_CONFLICT, PSL_ORIGIN_USAGE, "");
  char* stored = psl_client_download_file(amina, sha, NULL, &err);
  CHECK(stored && exists(stored), "the stored copy: %s", err.message ? err.message : "");
  psl_string_free(stored);
  CHECK(psl_client_download_file(amina, "0000000000000000000000000000000000000000000000000000000000000000", NULL, &err) == NULL,
        "unknown file");
  CHECK(err.code == PSL_NOT_FOUND || err.code == PSL_BAD_REQUEST, "unknown file: %s", err.message);
  psl_error_clear(&err);

  /* Read: the unread count of the thread goes to 0 at once, offline. */
  CHECK(psl_client_mark_read(amina, thread_id, &err), "mark_read: %s", err.message ? err.message : "");
  CHECK(unread_total(amina) == 0, "nothing unread after mark_read");
  threads = psl_client_threads(amina, &err);
  CHECK_CONTAINS(threads, "\"unread\":0");
  psl_string_free(threads);
  CHECK(psl_client_mark_read(amina, "00000000-0000-7000-8000-000000000000", &err) == false, "mark_read unknown thread");
  CHECK(err.code != PSL_OK, "mark_read unknown thread fails");
  psl_error_clear(&err);

  /* Amina answers with her own PDF: queued, then sent after a sync. */
  char* mine = psl_client_send_message(amina, thread_id, "Merci ! Ma version :", files, 1, &err);
  CHECK(mine, "send_message with a file: %s", err.message ? err.message : "");
  messages = psl_client_thread_messages(amina, thread_id, &err);
  const char* at = messages ? strstr(messages, mine) : NULL;
  CHECK(at && strstr(at, "\"mine\":true") && strstr(at, "\"state\":\"queued\""), "my message queued: %s", messages);
  psl_string_free(messages);
  sync_expect(amina, "\"rejected\":0,");
  messages = psl_client_thread_messages(amina, thread_id, &err);
  at = messages ? strstr(messages, mine) : NULL;
  CHECK(at && !strstr(at, "\"state\":\"queued\""), "my message left the queue: %s", messages);
  psl_string_free(messages);

  /* send_message's refusals: before anything is queued. */
  CHECK(psl_client_send_message(amina, NULL, "x", NULL, 0, &err) == NULL, "NULL thread");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "thread_id is NULL");
  CHECK(psl_client_send_message(amina, thread_id, "x", NULL, 1, &err) == NULL, "files NULL with a count");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "file_paths");
  const char* text_files[] = {txt_path};
  CHECK(psl_client_send_message(amina, thread_id, "x", text_files, 1, &err) == NULL, "a text file");
  CHECK_ERROR(err, PSL_UNSUPPORTED, PSL_ORIGIN_USAGE, "PDF");
  CHECK(psl_client_thread_messages(amina, "00000000-0000-7000-8000-000000000000", &err) == NULL, "unknown thread");
  CHECK_ERROR(err, PSL_NOT_FOUND, PSL_ORIGIN_USAGE, "");
  CHECK(psl_client_unread_total(amina, NULL, &err) == false, "NULL out_total");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "out_total is NULL");

  /* An activity the device does not hold; a bad language. */
  CHECK(psl_client_activity_view(amina, "00000000-0000-7000-8000-000000000000", NULL, &err) == NULL, "unknown activity");
  CHECK_ERROR(err, PSL_NOT_FOUND, PSL_ORIGIN_USAGE, "not on this device");
  CHECK(psl_client_activity_view(amina, "00000000-0000-7000-8000-000000000000", "de", &err) == NULL, "unknown language");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "locale");
  CHECK(psl_client_activity_view(amina, NULL, NULL, &err) == NULL, "NULL activity");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "activity_id is NULL");

  /* Slots: none before a mentorship is active; the coach proposes, the mentor accepts. */
  CHECK(psl_client_slots(amina, NULL, 14, &err) == NULL, "no mentorship yet");
  CHECK_ERROR(err, PSL_NOT_FOUND, PSL_ORIGIN_USAGE, "no active mentorship");
  char* ship = psl_new_id();
  char args[512];
  snprintf(args, sizeof args, "{\"id\":\"%s\",\"candidate_id\":\"%s\",\"mentor_id\":\"%s\"}", ship, amina_id, mentor_id);
  char* op = psl_client_mutate(coach, "mentorship.propose", args, &err);
  CHECK(op, "mentorship.propose: %s", err.message ? err.message : "");
  psl_string_free(op);
  sync_expect(coach, "\"rejected\":0,");
  sync_expect(mentor, "\"pulled_rows\":");
  char* ship_thread = psl_new_id();
  snprintf(args, sizeof args, "{\"id\":\"%s\",\"accept\":true,\"thread_id\":\"%s\"}", ship, ship_thread);
  op = psl_client_mutate(mentor, "mentorship.respond", args, &err);
  CHECK(op, "mentorship.respond: %s", err.message ? err.message : "");
  psl_string_free(op);
  sync_expect(mentor, "\"rejected\":0,");
  sync_expect(amina, "\"pulled_rows\":");

  char* slots = psl_client_slots(amina, NULL, 14, &err);
  CHECK(slots && slots[0] == '[' && strcmp(slots, "[]") != 0, "slots: %s", err.message ? err.message : "");
  CHECK_CONTAINS(slots, "\"start\":\"");
  CHECK_CONTAINS(slots, "Z\",\"end\":\"");
  CHECK_CONTAINS(slots, "\"time_zone\":\"Africa/Casablanca\"");
  CHECK_CONTAINS(slots, "\"mentor_time_zone\":\"America/Toronto\"");
  CHECK_CONTAINS(slots, "\"mentor_local_start\":\"");
  CHECK_CONTAINS(slots, ship);
  char* local = json_string(slots, "local_start");
  CHECK(local && strlen(local) == 25 && local[10] == 'T' && (local[19] == '+' || local[19] == '-'),
        "local_start is RFC 3339 with an offset: %s", local ? local : "(null)");
  free(local);
  char* named = psl_client_slots(amina, ship, 14, &err);
  CHECK(named && strcmp(named, slots) == 0, "the same slots by id");
  psl_string_free(named);
  char* mentors_view = psl_client_slots(mentor, NULL, 14, &err);
  CHECK(mentors_view && strcmp(mentors_view, "[]") != 0, "the mentor's view: %s", err.message ? err.message : "");
  psl_string_free(mentors_view);
  psl_string_free(slots);
  CHECK(psl_client_slots(amina, "00000000-0000-7000-8000-000000000000", 14, &err) == NULL, "unknown mentorship");
  CHECK_ERROR(err, PSL_NOT_FOUND, PSL_ORIGIN_USAGE, "is not on this device");
  CHECK(psl_client_slots(NULL, NULL, 14, &err) == NULL, "NULL client");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "psl_client_slots");

  psl_string_free(ship_thread);
  psl_string_free(ship);
  psl_string_free(mine);
  psl_string_free(sha);
  psl_string_free(coach_msg);
  free(thread_id);
  free(amina_id);
  free(coach_id);
  free(mentor_id);
  psl_client_close(mentor);
  psl_client_close(coach);
  psl_client_close(amina);
}

/* ---- the test -------------------------------------------------------------------------------- */

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: capi_test WS_URL SCRATCH_DIR\n");
    return 2;
  }
  const char* url = argv[1];
  char data_dir[1024], accounts_dir[1100], device_file[1100];
  snprintf(data_dir, sizeof data_dir, "%s/amina", argv[2]);
  snprintf(accounts_dir, sizeof accounts_dir, "%s/accounts", data_dir);
  snprintf(device_file, sizeof device_file, "%s/device.sqlite", data_dir);
  psl_error err = PSL_ERROR_INIT;

  /* Versions, names, ids: no client needed. */
  CHECK(psl_version() && strlen(psl_version()) >= 5, "psl_version");
  CHECK(psl_api_version() == PSL_API_VERSION, "psl_api_version %d", psl_api_version());
  CHECK(strcmp(psl_code_name(PSL_CONFLICT), "conflict") == 0, "code name");
  CHECK(strcmp(psl_code_name(PSL_BAD_REQUEST), "bad_request") == 0, "code name");
  CHECK(strcmp(psl_code_name(1234), "unknown") == 0, "unknown code name");
  CHECK(strcmp(psl_origin_name(PSL_ORIGIN_USAGE), "usage") == 0, "origin name");
  char* id1 = psl_new_id();
  char* id2 = psl_new_id();
  CHECK(id1 && id2 && strlen(id1) == 36 && strcmp(id1, id2) < 0, "UUIDv7 ids are time-ordered: %s %s", id1, id2);
  psl_string_free(id1);
  psl_string_free(id2);

  /* NULL everything: usage errors naming the function, never a crash. */
  CHECK(psl_client_open(NULL, &err) == NULL, "open(NULL)");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "options is NULL");
  CHECK(psl_client_get(NULL, "profiles", "x", &err) == NULL, "get(NULL client)");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "psl_client_get: the client is NULL");
  CHECK(psl_client_status(NULL, &err) == NULL, "status(NULL)");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "psl_client_status");
  CHECK(!psl_client_start_sync(NULL, &err), "start_sync(NULL)");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "psl_client_start_sync");
  CHECK(psl_client_observe_rows(NULL, on_rows, NULL, &err) == 0, "observe(NULL)");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "client is NULL");
  CHECK(psl_client_get(NULL, "profiles", "x", NULL) == NULL, "a NULL error pointer is fine");
  psl_client_close(NULL);
  psl_client_stop_sync(NULL);
  psl_client_unobserve(NULL, 1);
  psl_string_free(NULL);
  psl_free(NULL);
  psl_error_clear(NULL);

  psl_client_options opts;
  psl_client_options_init(&opts);
  CHECK(opts.struct_size == sizeof opts && opts.data_dir == NULL, "options_init");
  CHECK(psl_client_open(&opts, &err) == NULL, "open without data_dir");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "data_dir is required");
  opts.data_dir = data_dir;
  opts.server_url = "ftp://example.org";
  CHECK(psl_client_open(&opts, &err) == NULL, "open with a bad URL");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "ftp://example.org");

  /* Open for real. */
  opts.server_url = url;
  opts.connect_timeout_ms = 5000;
  opts.request_timeout_ms = 20000;
  opts.sync_backoff_min_ms = 50;
  opts.sync_backoff_max_ms = 500;
  psl_client* c = psl_client_open(&opts, &err);
  CHECK(c != NULL, "open: %s", err.message ? err.message : "");
  CHECK_NO_ERROR(err);
  char* server = psl_client_server_url(c, &err);
  CHECK(server && strcmp(server, url) == 0, "server url %s", server ? server : "(null)");
  psl_string_free(server);
  char* device = psl_client_device_id(c, &err);
  CHECK(device && strlen(device) == 36, "device id");
  psl_string_free(device);

  /* Nobody signed in: current_user is NULL without an error; data calls say so. */
  CHECK(psl_client_current_user(c, &err) == NULL, "nobody signed in yet");
  CHECK_NO_ERROR(err);
  CHECK(psl_client_mutate(c, "profile.update", "{\"bio\":\"x\"}", &err) == NULL, "mutate before login");
  CHECK_ERROR(err, PSL_UNAUTHENTICATED, PSL_ORIGIN_USAGE, "log in");
  CHECK(psl_client_check_server(c, 5000, &err), "the server answers");

  /* Sign-in errors. */
  CHECK(psl_client_login(c, kEmail, "wrong password", &err) == NULL, "wrong password");
  CHECK_ERROR(err, PSL_UNAUTHENTICATED, PSL_ORIGIN_SERVER, "");
  CHECK(psl_client_login(c, kEmail, NULL, &err) == NULL, "NULL password");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "password is NULL");
  CHECK(psl_client_login(c, "not an e-mail", kPassword, &err) == NULL, "malformed e-mail");
  CHECK(err.code == PSL_BAD_REQUEST && err.origin == PSL_ORIGIN_USAGE, "malformed e-mail: %s", err.message);
  psl_error_clear(&err);

  char* user = psl_client_login(c, kEmail, kPassword, &err);
  CHECK(user, "login: %s", err.message ? err.message : "");
  CHECK_CONTAINS(user, "\"name\":\"Amina Benali\"");
  CHECK_CONTAINS(user, "\"role\":\"candidate\"");
  psl_string_free(user);
  char* account = psl_client_current_user(c, &err);
  CHECK_CONTAINS(account, "\"server_url\":\"");
  CHECK_CONTAINS(account, kEmail);
  psl_string_free(account);

  /* Observers, each with its context. */
  observed obs;
  memset(&obs, 0, sizeof obs);
  obs.client = c;
  obs.caller = pthread_self();
  CHECK(psl_client_observe_rows(c, NULL, &obs, &err) == 0, "NULL callback");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "callback is NULL");
  psl_observer_token t_rows = psl_client_observe_rows(c, on_rows, &obs, &err);
  psl_observer_token t_state = psl_client_observe_sync_state(c, on_state, &obs, &err);
  psl_observer_token t_rej = psl_client_observe_rejections(c, on_rejection, &obs, &err);
  CHECK(t_rows && t_state && t_rej && t_rows != t_state && t_state != t_rej, "observer tokens");

  /* First sync: the profile, the coaching thread and its messages arrive. */
  char* summary = psl_client_sync_once(c, 20000, &err);
  CHECK(summary, "sync_once: %s", err.message ? err.message : "");
  CHECK_CONTAINS(summary, "\"pulled_rows\":");
  psl_string_free(summary);
  CHECK(atomic_load(&obs.rows) >= 1 && atomic_load(&obs.states) >= 1, "observers fired during sync_once");

  char* threads = psl_client_list(c, "threads", NULL, NULL, &err);
  CHECK_CONTAINS(threads, "\"kind\":\"coaching\"");
  char* thread_id = json_string(threads, "id");
  CHECK(thread_id && strlen(thread_id) == 36, "thread id in %s", threads);
  psl_string_free(threads);
  char* messages = psl_client_list(c, "messages", "thread_id", thread_id, &err);
  CHECK_CONTAINS(messages, "CSQ");
  psl_string_free(messages);
  char* none = psl_client_list(c, "messages", "thread_id", "no-such-thread", &err);
  CHECK(none && strcmp(none, "[]") == 0, "filter matches nothing: %s", none ? none : "(null)");
  psl_string_free(none);

  /* An offline write (no sync running): visible at once, observed on this thread, queued. */
  int rows_before = atomic_load(&obs.rows), on_caller_before = atomic_load(&obs.rows_on_caller);
  char* message_id = psl_new_id();
  const char* body = "Bonjour depuis l'API C \xc3\xa9 \xe2\x9c\x93";
  char args[1024];
  snprintf(args, sizeof args, "{\"id\":\"%s\",\"thread_id\":\"%s\",\"body\":\"%s\"}", message_id, thread_id, body);
  atomic_store(&obs.try_calls_inside, 1);
  char* op = psl_client_mutate(c, "message.send", args, &err);
  CHECK(op && strlen(op) == 36, "message.send: %s", err.message ? err.message : "");
  CHECK(atomic_load(&obs.rows) == rows_before + 1, "rows observer called once by mutate");
  CHECK(atomic_load(&obs.rows_on_caller) == on_caller_before + 1, "...on the caller's thread, before mutate returned");
  CHECK(atomic_load(&obs.blocking_refused) == 1, "a blocking call from an observer is refused");
  CHECK(atomic_load(&obs.local_allowed) == 1, "a local call from an observer works");
  char* row = psl_client_get(c, "messages", message_id, &err);
  CHECK_CONTAINS(row, body);
  psl_string_free(row);
  char* pending = psl_client_pending_ops(c, &err);
  CHECK_CONTAINS(pending, op);
  CHECK_CONTAINS(pending, "\"name\":\"message.send\"");
  psl_string_free(pending);
  CHECK(wait_status(c, "\"pending_ops\":1,", 0), "one op queued");

  /* Bad input to mutate, get and list. */
  CHECK(psl_client_mutate(c, "message.send", "{not json", &err) == NULL, "bad JSON");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "args_json is not valid JSON");
  CHECK(psl_client_mutate(c, "message.send", "[1,2]", &err) == NULL, "args not an object");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "must be a JSON object");
  CHECK(psl_client_mutate(c, "no.such_mutator", "{}", &err) == NULL, "unknown mutator");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "unknown mutator");
  snprintf(args, sizeof args, "{\"id\":\"%s\",\"thread_id\":\"%s\",\"body\":\"\"}", message_id, thread_id);
  CHECK(psl_client_mutate(c, "message.send", args, &err) == NULL, "empty body");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "body");
  CHECK(psl_client_mutate(c, NULL, "{}", &err) == NULL, "NULL name");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "name is NULL");
  CHECK(psl_client_get(c, "messages", "no-such-id", &err) == NULL, "missing row");
  CHECK_NO_ERROR(err);
  CHECK(psl_client_get(c, "No such!", "x", &err) == NULL, "malformed collection");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "is not a collection name");
  CHECK(psl_client_list(c, "../etc", NULL, NULL, &err) == NULL, "malformed collection");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "is not a collection name");
  CHECK(psl_client_list(c, "messages", "thread_id", NULL, &err) == NULL, "field without value");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "value");
  char* empty = psl_client_list(c, "not_synced_here", NULL, NULL, &err);
  CHECK(empty && strcmp(empty, "[]") == 0, "a collection with no rows here is empty");
  psl_string_free(empty);
  /* One error reused without clearing in between: the library frees the old message. */
  CHECK(psl_client_get(c, "Bad", "x", &err) == NULL && psl_client_get(c, "Worse", "x", &err) == NULL, "reuse");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "'Worse'");

  /* An op the server refuses: a step that does not exist (the device defers to the server). */
  char* ghost_step = psl_new_id();
  snprintf(args, sizeof args, "{\"id\":\"%s\",\"status\":\"in_progress\"}", ghost_step);
  char* ghost_op = psl_client_mutate(c, "step.set_status", args, &err);
  CHECK(ghost_op, "step.set_status queued: %s", err.message ? err.message : "");
  summary = psl_client_sync_once(c, 20000, &err);
  CHECK(summary, "second sync_once: %s", err.message ? err.message : "");
  CHECK_CONTAINS(summary, "\"pushed\":2,");
  CHECK_CONTAINS(summary, "\"applied\":1,");
  CHECK_CONTAINS(summary, "\"rejected\":1,");
  psl_string_free(summary);
  CHECK(atomic_load(&obs.rejections) == 1 && atomic_load(&obs.rejections_not_found) == 1, "rejection observed");
  char* rejections = psl_client_rejections(c, &err);
  CHECK_CONTAINS(rejections, ghost_op);
  CHECK_CONTAINS(rejections, "\"code\":\"not_found\"");
  psl_string_free(rejections);
  CHECK(wait_status(c, "\"pending_ops\":0,", 0), "the outbox is empty after sync");
  CHECK(psl_client_dismiss_rejection(c, ghost_op, &err), "dismiss");
  rejections = psl_client_rejections(c, &err);
  CHECK(rejections && strcmp(rejections, "[]") == 0, "dismissed: %s", rejections ? rejections : "(null)");
  psl_string_free(rejections);
  psl_string_free(ghost_op);
  psl_string_free(ghost_step);
  row = psl_client_get(c, "messages", message_id, &err);
  CHECK_CONTAINS(row, "\"sent_at\"");  /* the server's copy now */
  psl_string_free(row);

  /* Background sync: up to date, and a local write while it runs reaches the server by itself. */
  CHECK(psl_client_start_sync(c, &err), "start_sync: %s", err.message ? err.message : "");
  CHECK(psl_client_start_sync(c, &err), "start_sync twice is harmless");
  for (int i = 0; i < 200 && atomic_load(&obs.up_to_date) == 0; ++i) sleep_ms(50);
  CHECK(atomic_load(&obs.up_to_date) > 0, "the state observer saw up_to_date");
  CHECK(psl_client_sync_once(c, 1000, &err) == NULL, "sync_once while the background sync runs");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "background sync");
  char* bio_op = psl_client_mutate(c, "profile.update", "{\"bio\":\"Infirmi\\u00e8re, arriv\\u00e9e en septembre\"}", &err);
  CHECK(bio_op, "profile.update: %s", err.message ? err.message : "");
  psl_string_free(bio_op);
  CHECK(wait_status(c, "\"pending_ops\":0,", 10000), "the background sync pushed the write");
  psl_client_stop_sync(c);
  CHECK(wait_status(c, "\"online\":false", 0), "offline after stop_sync");

  /* Unobserved: no more calls. */
  psl_client_unobserve(c, t_rows);
  psl_client_unobserve(c, t_state);
  psl_client_unobserve(c, t_rej);
  psl_client_unobserve(c, 987654321);  /* unknown: ignored */
  int rows_now = atomic_load(&obs.rows);
  snprintf(args, sizeof args, "{\"bio\":\"%s\"}", "encore");
  psl_string_free(op);
  op = psl_client_mutate(c, "profile.update", args, &err);
  CHECK(op, "mutate after unobserve");
  CHECK(atomic_load(&obs.rows) == rows_now, "no rows callback after unobserve");
  CHECK(atomic_load(&obs.bad_json) == 0, "every callback got well-formed JSON");

  /* Password and sessions (issue #23). */
  char* sessions = psl_client_sessions(c, &err);
  CHECK_CONTAINS(sessions, "\"current\":true");
  CHECK_CONTAINS(sessions, "\"first_seen_at\":\"");
  psl_string_free(sessions);
  int64_t ended = -1;
  CHECK(!psl_client_change_password(c, "not the password", "another long password", &ended, &err), "wrong current");
  CHECK_ERROR(err, PSL_FORBIDDEN, PSL_ORIGIN_SERVER, "current password");
  CHECK(!psl_client_change_password(c, "whatever", "short", &ended, &err), "short new password");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "10 characters");
  CHECK(!psl_client_change_password(c, NULL, "another long password", &ended, &err), "NULL current");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "current_password");
  CHECK(psl_client_request_password_reset(c, "nobody-here@example.org", &err), "reset asked");
  CHECK(!psl_client_reset_password_with_code(c, "ABCD-EFGH-JKMN", "another long password", &err), "made-up code");
  CHECK_ERROR(err, PSL_NOT_FOUND, PSL_ORIGIN_SERVER, "reset");
  CHECK(!psl_client_end_session(c, "0190a000-0000-7000-8000-000000000000", &err), "unknown session");
  CHECK_ERROR(err, PSL_NOT_FOUND, PSL_ORIGIN_SERVER, "session");

  /* Logout without wiping keeps the data; with PSL_LOGOUT_WIPE_LOCAL_DATA it goes. */
  CHECK(psl_client_logout(c, 0x80, &err) == NULL, "unknown logout flag");
  CHECK_ERROR(err, PSL_BAD_REQUEST, PSL_ORIGIN_USAGE, "flags");
  char* out = psl_client_logout(c, 0, &err);
  CHECK_CONTAINS(out, "\"was_signed_in\":true");
  CHECK_CONTAINS(out, "\"revoked_on_server\":true");
  CHECK_CONTAINS(out, "\"wiped_local_data\":false");
  psl_string_free(out);
  CHECK(exists(accounts_dir), "a plain logout keeps the account file");
  CHECK(psl_client_current_user(c, &err) == NULL, "signed out");
  CHECK_NO_ERROR(err);

  user = psl_client_login(c, kEmail, kPassword, &err);
  CHECK(user, "login again: %s", err.message ? err.message : "");
  psl_string_free(user);
  row = psl_client_get(c, "messages", message_id, &err);
  CHECK_CONTAINS(row, body);  /* still here: nothing was wiped */
  psl_string_free(row);
  out = psl_client_logout(c, PSL_LOGOUT_WIPE_LOCAL_DATA, &err);
  CHECK_CONTAINS(out, "\"revoked_on_server\":true");
  CHECK_CONTAINS(out, "\"wiped_local_data\":true");
  psl_string_free(out);
  CHECK(!exists(accounts_dir), "logout with PSL_LOGOUT_WIPE_LOCAL_DATA deletes the account files");
  CHECK(exists(device_file), "...and keeps device.sqlite");
  CHECK(psl_client_get(c, "messages", message_id, &err) == NULL, "no data after the wipe");
  CHECK_ERROR(err, PSL_UNAUTHENTICATED, PSL_ORIGIN_USAGE, "log in");

  /* Signing in again starts from nothing and pulls everything back, the message included. */
  user = psl_client_login(c, kEmail, kPassword, &err);
  CHECK(user, "login after wipe: %s", err.message ? err.message : "");
  psl_string_free(user);
  CHECK(wait_status(c, "\"cursor\":0,", 0), "a fresh account file");
  summary = psl_client_sync_once(c, 20000, &err);
  CHECK(summary, "sync after wipe: %s", err.message ? err.message : "");
  psl_string_free(summary);
  row = psl_client_get(c, "messages", message_id, &err);
  CHECK_CONTAINS(row, body);
  psl_string_free(row);
  out = psl_client_logout(c, PSL_LOGOUT_WIPE_LOCAL_DATA, &err);
  CHECK_CONTAINS(out, "\"wiped_local_data\":true");
  psl_string_free(out);

  psl_string_free(op);
  psl_string_free(message_id);
  free(thread_id);
  psl_client_close(c);

  test_messages_and_slots(url, argv[2]);
  printf("capi_test: %d checks passed\n", g_checks);
  return 0;
}
