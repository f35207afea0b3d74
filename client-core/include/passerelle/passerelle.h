/*
 * passerelle.h — the C API of the Passerelle client core (libpasserelle).
 *
 * This header is the contract the phone apps bind to (Android through JNI, iOS through Swift):
 * pure C11, no C++ type, no exception, a stable ABI. It wraps the C++ API of client.h thinly;
 * docs/bindings.md explains the rules below at length and walks through a candidate app.
 *
 *   psl_error err = PSL_ERROR_INIT;
 *   psl_client_options opts;
 *   psl_client_options_init(&opts);
 *   opts.data_dir = "/data/user/0/org.example/files/passerelle";
 *   opts.server_url = "wss://passerelle.example.org";
 *   psl_client* c = psl_client_open(&opts, &err);
 *   if (!c) { show(err.message); psl_error_clear(&err); return; }
 *   char* user = psl_client_login(c, "amina@example.org", password, &err);   // JSON object
 *   ...
 *   psl_string_free(user);
 *   psl_client_close(c);
 *
 * RULES (they hold for every function below)
 *
 * Errors.  A function that can fail takes a `psl_error* out_error` last. It reports failure
 *   through its return value (false, NULL, or 0 for observer tokens) and then, when out_error is
 *   not NULL, writes the error into it. On success out_error is NOT touched. A psl_error starts
 *   as PSL_ERROR_INIT (all zeros); when the library writes into an error that still holds a
 *   message it frees that message first, so one error may be reused in a loop without leaking;
 *   psl_error_clear() frees the message and resets the error to PSL_ERROR_INIT.
 *   `code` is one of the protocol's codes (psl_code, docs/protocol.md); `origin` says where the
 *   failure came from (psl_origin): the server refused, the network failed, the device's own
 *   files failed, or the caller's input was refused before anything was sent.
 *   A NULL handle or a NULL required argument fails with PSL_BAD_REQUEST / PSL_ORIGIN_USAGE and
 *   a message naming the function and the argument; it never crashes.
 *
 * Exceptions.  No C++ exception ever leaves this library: every function catches everything and
 *   turns it into PSL_INTERNAL (origin PSL_ORIGIN_LOCAL) with the exception's text; callbacks
 *   into the caller are wrapped the same way on the library's side.
 *
 * Ownership.  Every `char*` a function returns is a NUL-terminated UTF-8 string the caller owns
 *   and frees with psl_string_free() (or psl_free(), the same thing): never with free(), as the
 *   library may use another allocator. `const char*` results (psl_version, psl_code_name,
 *   psl_origin_name) are static and never freed. String arguments are borrowed for the duration
 *   of the call only: the library copies what it keeps. Strings passed to callbacks are valid
 *   only while the callback runs.
 *
 * JSON.  Rows, users, statuses and rejections cross the boundary as JSON text (UTF-8): the rows
 *   are JSON objects whose fields docs/sync.md and docs/action-plans.md list per collection, so
 *   a new collection or field needs no new function. Shapes of the other objects are given at
 *   each function.
 *
 * Threads.  A psl_client may be used from several threads. Local calls (mutate, get, list,
 *   status, rejections, dismiss_rejection, pending_ops, observe, unobserve, threads,
 *   unread_total, thread_messages, send_message, mark_read, slots) run concurrently with each
 *   other and with the background sync, and never touch the network. The blocking calls (login,
 *   resume, accept_invite, logout, check_server, sync_once, start_sync, stop_sync,
 *   current_user, download_file) wait for each other (one at a time per client); login, resume, accept_invite
 *   and logout also make local calls of the same client wait until they return (bounded by the
 *   timeouts in psl_client_options). Do not call the blocking ones from a UI thread.
 *   psl_client_close must not run concurrently with any other call on the same client.
 *
 * Observers.  psl_client_observe_* register a callback and its `context` pointer (passed back
 *   untouched). A callback runs on the thread that caused the change:
 *     - rows changed by psl_client_mutate: on the caller's thread, before mutate returns;
 *     - everything from the network (pushed, pulled, rejected ops, sync state changes): on the
 *       background sync thread started by psl_client_start_sync, or on the caller's thread
 *       during psl_client_sync_once.
 *   A callback may call the local calls above (including unobserve of itself) but not the
 *   blocking ones (they fail with PSL_ORIGIN_USAGE instead of deadlocking) nor psl_client_close.
 *   Return quickly: UIs post the news to their main thread (the Android and Swift bindings do
 *   this for you). After psl_client_unobserve returns the callback is never called again (a
 *   call already running on another thread finishes first), so the context may then be freed.
 */
#ifndef PASSERELLE_H
#define PASSERELLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(PSL_BUILDING_LIBRARY)
#    define PSL_API __declspec(dllexport)
#  else
#    define PSL_API
#  endif
#elif defined(__GNUC__)
#  define PSL_API __attribute__((visibility("default")))
#else
#  define PSL_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions ------------------------------------------------------------------------------ */

/* Bumped when a function is added (the ABI only grows; see docs/bindings.md, "Stability"). */
#define PSL_API_VERSION 4  /* 4: psl_client_activity_view */

/* The library's version, e.g. "0.1.0". Static: never freed. Never fails. */
PSL_API const char* psl_version(void);
/* PSL_API_VERSION as the library was built: lets a binding check the .so it loaded. */
PSL_API int psl_api_version(void);

/* ---- errors -------------------------------------------------------------------------------- */

/* The protocol's error codes (docs/protocol.md); PSL_OK (0) only in an untouched psl_error. */
typedef enum psl_code {
  PSL_OK = 0,
  PSL_BAD_REQUEST = 1,     /* invalid input: a field, JSON args, a name */
  PSL_UNAUTHENTICATED = 2, /* wrong e-mail or password, session ended, or nobody signed in */
  PSL_FORBIDDEN = 3,
  PSL_NOT_FOUND = 4,
  PSL_CONFLICT = 5,
  PSL_RATE_LIMITED = 6,
  PSL_TOO_LARGE = 7,
  PSL_UNSUPPORTED = 8,
  PSL_INTERNAL = 9 /* a bug or a broken environment; also every network failure */
} psl_code;

/* Where a failure came from: what the caller acts on. */
typedef enum psl_origin {
  PSL_ORIGIN_NONE = 0,
  PSL_ORIGIN_SERVER = 1,  /* the server answered with this error (show it) */
  PSL_ORIGIN_NETWORK = 2, /* the server could not be reached or the connection failed (retry later) */
  PSL_ORIGIN_LOCAL = 3,   /* the device's files failed, or an internal error (report it) */
  PSL_ORIGIN_USAGE = 4    /* the caller's input was refused before anything was sent (fix it) */
} psl_origin;

/* Written only on failure. `code` holds a psl_code, `origin` a psl_origin (ints: a stable
 * size across compilers); `message` is a sentence a person can read, owned by the error. */
typedef struct psl_error {
  int code;
  int origin;
  char* message;
} psl_error;

#define PSL_ERROR_INIT {0, 0, NULL}

/* Frees the message and resets the error to PSL_ERROR_INIT. NULL is accepted. */
PSL_API void psl_error_clear(psl_error* error);
/* "bad_request", ..., "internal" (the wire spelling); "ok" for 0; "unknown" otherwise. Static. */
PSL_API const char* psl_code_name(int code);
/* "server", "network", "local", "usage"; "none" for 0; "unknown" otherwise. Static. */
PSL_API const char* psl_origin_name(int origin);

/* ---- memory -------------------------------------------------------------------------------- */

/* Frees a string this library returned. NULL is accepted. */
PSL_API void psl_string_free(char* string);
/* Same as psl_string_free, for any buffer this library returned. NULL is accepted. */
PSL_API void psl_free(void* buffer);

/* A new UUIDv7 in canonical text form ("0190b6c4-..."), the id every new row needs (message,
 * plan, note entry ...). Caller frees with psl_string_free. NULL only when out of memory. */
PSL_API char* psl_new_id(void);

/* ---- opening a client ---------------------------------------------------------------------- */

typedef struct psl_client psl_client;
typedef struct psl_transport psl_transport; /* see "host transport" below */

/* Options of psl_client_open. Always start from psl_client_options_init(): it sets
 * struct_size, which lets later versions add fields at the end without breaking old callers.
 * A 0 or NULL field means "the default". */
typedef struct psl_client_options {
  uint32_t struct_size;   /* sizeof(psl_client_options), set by psl_client_options_init */
  const char* data_dir;   /* required: the app's private directory for this library's files */
  const char* server_url; /* ws://, wss://, http:// or https://; NULL: the one of the last
                             sign-in on this device, else fallback_server_url */
  const char* fallback_server_url; /* NULL: "ws://127.0.0.1:8080" */
  const char* ca_file;    /* extra CA certificate (PEM file) trusted for wss://; NULL: none */
  int32_t connect_timeout_ms;  /* 0: 10 s */
  int32_t request_timeout_ms;  /* 0: 30 s */
  int32_t sync_backoff_min_ms; /* reconnection delay of the background sync; 0: 500 ms */
  int32_t sync_backoff_max_ms; /* ...doubling up to this; 0: 60 s */
  /* Since API version 3. The WebSocket the sync speaks through, given by the app (see "host
   * transport" below); NULL: the library's own (Boost.Beast). Copied by psl_client_open. */
  const psl_transport* transport;
} psl_client_options;

/* Fills `options` with the defaults (all zero/NULL) and sets struct_size. NULL is ignored. */
PSL_API void psl_client_options_init(psl_client_options* options);

/* Opens (creating it if missing, mode 0700) the data directory: device.sqlite and, per account
 * signed in, accounts/<user_id>.sqlite. No network access. Returns a client the caller owns and
 * releases with psl_client_close, or NULL and an error (usage: no data_dir, a bad server URL;
 * local: the directory or files cannot be opened). */
PSL_API psl_client* psl_client_open(const psl_client_options* options, psl_error* out_error);

/* Stops the background sync (waits for its thread), unregisters every observer and frees the
 * client. Local data stays on disk. NULL is accepted. Not concurrently with another call on the
 * same client; called from an observer of this client it does nothing (it would wait for
 * itself). */
PSL_API void psl_client_close(psl_client* client);

/* The server URL in use ("wss://passerelle.example.org"), and this device's id. Owned by the
 * caller. */
PSL_API char* psl_client_server_url(psl_client* client, psl_error* out_error);
PSL_API char* psl_client_device_id(psl_client* client, psl_error* out_error);

/* ---- accounts (blocking: network) ---------------------------------------------------------- */

/* A user object is {"id","role","email","name","locale"}: role one of candidate, mentor,
 * coach, admin, employer; locale fr or en. */

/* Signs in. Stops the background sync of the previous session first (start it again after).
 * Returns the user (JSON object, caller frees) and makes the account current on this device.
 * Wrong e-mail or password: PSL_UNAUTHENTICATED from PSL_ORIGIN_SERVER. Server unreachable:
 * PSL_ORIGIN_NETWORK. Empty fields or a malformed e-mail: PSL_ORIGIN_USAGE. */
PSL_API char* psl_client_login(psl_client* client, const char* email, const char* password,
                               psl_error* out_error);

/* Re-opens the current account's session with its stored token and refreshes the user (JSON
 * object, caller frees). When the server refuses the token, the token is forgotten locally and
 * the error (PSL_UNAUTHENTICATED, server) says to log in again. Apps rarely need it: the
 * background sync resumes the session by itself. */
PSL_API char* psl_client_resume(psl_client* client, psl_error* out_error);

/* Creates the invited account (the token comes from the invitation e-mail) and signs it in,
 * like psl_client_login. Returns the user (JSON object, caller frees). */
PSL_API char* psl_client_accept_invite(psl_client* client, const char* invite_token, const char* name,
                                       const char* password, psl_error* out_error);

/* Also delete every account file of this data directory: the replicated rows, the outbox (ops
 * not yet sent are LOST) and the rejections. device.sqlite (device id, last server URL) stays. */
#define PSL_LOGOUT_WIPE_LOCAL_DATA 1u

/* Stops the background sync, revokes the session on the server when reachable, and always
 * forgets the token on the device. With PSL_LOGOUT_WIPE_LOCAL_DATA also deletes the local data
 * (even when nobody was signed in). Returns (caller frees)
 *   {"was_signed_in": bool, "revoked_on_server": bool, "wiped_local_data": bool,
 *    "server_problem": null | {"code","origin","message"}}
 * Fails (NULL) only when the local files cannot be updated or deleted. */
PSL_API char* psl_client_logout(psl_client* client, uint32_t flags, psl_error* out_error);

/* The account signed in on this device, from the local store (works offline):
 * {"user": {...}, "server_url": "..."}, caller frees. NULL with out_error untouched when nobody
 * is signed in; NULL with out_error written on failure. */
PSL_API char* psl_client_current_user(psl_client* client, psl_error* out_error);

/* Whether the server answers now (a fresh connection and its hello, each bounded by
 * timeout_ms; 0 means 5000). Needs no account. False and PSL_ORIGIN_NETWORK when not. */
PSL_API bool psl_client_check_server(psl_client* client, int32_t timeout_ms, psl_error* out_error);

/* ---- sync ---------------------------------------------------------------------------------- */

/* Starts the background sync on its own thread: connects, resumes the session, pushes the
 * outbox, pulls to the end, then follows the server's pokes and local writes; reconnects with
 * backoff after any network failure. Returns at once; no effect when it already runs. Fails
 * (PSL_UNAUTHENTICATED, usage) when nobody is signed in. A session the server refuses stops it
 * in state "error" (the sync-state observers are told): log in again. */
PSL_API bool psl_client_start_sync(psl_client* client, psl_error* out_error);

/* Stops the background sync and waits for its thread. NULL is accepted. Never fails. */
PSL_API void psl_client_stop_sync(psl_client* client);

/* One blocking sync round on the caller's thread (connect, resume, push everything, pull to
 * the end) within timeout_ms (0 means 30000). Refused (usage) while the background sync runs.
 * Returns (caller frees) {"pushed","applied","rejected","pulled_rows","cursor",
 * "new_rejections":[rejection...]} (a rejection is described at psl_client_rejections). */
PSL_API char* psl_client_sync_once(psl_client* client, int32_t timeout_ms, psl_error* out_error);

/* Where sync stands (local, never blocks on the network). Caller frees:
 *   {"online": bool, "state": "offline"|"connecting"|"syncing"|"up_to_date"|"error",
 *    "pending_ops": n, "last_synced_at": "RFC 3339" | null, "cursor": n, "rejections": n,
 *    "last_error": null | {"code","origin","message"},
 *    "progress": null | {"pushed","pulled_rows","cursor","pulling","more"}} */
PSL_API char* psl_client_status(psl_client* client, psl_error* out_error);

/* The ops the server refused and the person has not dismissed, oldest first. Caller frees:
 *   [{"op_id","name","args":{...},"error":{"code","message"},"rejected_at"}] */
PSL_API char* psl_client_rejections(psl_client* client, psl_error* out_error);

/* Forgets one rejection (the person has seen it). Unknown ids are ignored. */
PSL_API bool psl_client_dismiss_rejection(psl_client* client, const char* op_id, psl_error* out_error);

/* The queued ops not yet answered by the server, oldest first: [{"op_id","name","args"}].
 * Caller frees. */
PSL_API char* psl_client_pending_ops(psl_client* client, psl_error* out_error);

/* ---- data: writes (mutators) and reads (the local view) ------------------------------------- */

/* Runs mutator `name` (docs/sync.md, docs/action-plans.md: "message.send", "step.set_status",
 * "profile.update" ...) with `args_json` (a JSON object) on the local view and queues it for
 * the server, in one transaction: the change is visible at once and survives the app being
 * killed. Returns the op id (caller frees). Fails with PSL_BAD_REQUEST / PSL_ORIGIN_USAGE when
 * args_json is not a JSON object, the mutator is unknown, or the mutator refuses the args (the
 * message names the field: "field 'args.body' must not be empty"); PSL_UNAUTHENTICATED when
 * nobody is signed in. The server's verdict comes later: a refused op reaches the rejection
 * observers and psl_client_rejections. Works offline. */
PSL_API char* psl_client_mutate(psl_client* client, const char* name, const char* args_json,
                                psl_error* out_error);

/* One row of the local view (server rows with the pending ops re-applied): a JSON object,
 * caller frees. NULL with out_error untouched when the collection has no such row; NULL with
 * out_error written on failure. Initialize the error with PSL_ERROR_INIT to tell them apart.
 * Collections: profiles, threads, messages, templates, plans, plan_steps; later issues add
 * more (e.g. meetings, slots): any name of lowercase letters, digits and '_' (at most 64) is
 * accepted, and one the device holds no rows of is simply empty. A malformed name fails with
 * PSL_BAD_REQUEST / PSL_ORIGIN_USAGE. */
PSL_API char* psl_client_get(psl_client* client, const char* collection, const char* id,
                             psl_error* out_error);

/* The rows of a collection as a JSON array of objects, ordered by id; with `field` not NULL,
 * only the rows whose string field `field` equals `value` (e.g. "messages", "thread_id", t;
 * "plan_steps", "plan_id", p). Caller frees. "[]" when there are none. */
PSL_API char* psl_client_list(psl_client* client, const char* collection, const char* field,
                              const char* value, psl_error* out_error);

/* ---- computed views: coaching messages and meeting slots ----------------------------------- */

/* get/list return rows as replicated; these return what the device computes from them (the
 * same as the CLI shows). All but psl_client_download_file are local calls (offline, see
 * "Threads"); every returned string is owned by the caller and freed with psl_string_free. */

/* Every thread on this device, most recent activity first: a JSON array of the thread rows'
 * fields plus
 *   "title": the other members' names, "members": [user ids], "message_count": n (queued
 *   ones included), "unread": n (messages of others above my read mark),
 *   "last_activity": RFC 3339 | null, "last_message": a message (as below) | null. */
PSL_API char* psl_client_threads(psl_client* client, psl_error* out_error);

/* The unread counts of every thread, summed, into *out_total (written only on success). */
PSL_API bool psl_client_unread_total(psl_client* client, int64_t* out_total, psl_error* out_error);

/* A thread's messages in the thread's order (queued ones last): a JSON array of the message
 * rows' fields plus
 *   "author_name", "mine": bool, "n": order (provisional while queued),
 *   "state": "queued" | "sent" | "delivered" | "read", "sent_at": RFC 3339 | null,
 *   "written_at": RFC 3339 | null (the author's clock, shown only),
 *   "attachments": [{"sha256","name","size","type","on_device": bool}].
 * An unknown thread: PSL_NOT_FOUND / PSL_ORIGIN_USAGE. */
PSL_API char* psl_client_thread_messages(psl_client* client, const char* thread_id, psl_error* out_error);

/* Queues a message in a thread with `body` (UTF-8; "" is allowed when files are attached) and
 * `file_count` files given by path (file_paths may be NULL when file_count is 0). Each file is
 * checked at once — at most the server's size limit (PSL_TOO_LARGE), a PDF, DOCX, ODT, PNG or
 * JPEG by its content (PSL_UNSUPPORTED), a usable name (PSL_BAD_REQUEST), all PSL_ORIGIN_USAGE
 * — and copied into the account's file store; the files' uploads and the message are queued in
 * one transaction, and the next sync sends both. The caller's files are not kept open or
 * changed. Returns the new message's id (caller frees). Works offline. */
PSL_API char* psl_client_send_message(psl_client* client, const char* thread_id, const char* body,
                                      const char* const* file_paths, size_t file_count, psl_error* out_error);

/* Marks the thread read up to the last message of others (queued like any write; nothing is
 * queued when it is read already). */
PSL_API bool psl_client_mark_read(psl_client* client, const char* thread_id, psl_error* out_error);

/* BLOCKING (network when the file is not on the device). The file attached with this SHA-256
 * (an attachment's "sha256"), checked against its hash, copied to `destination`, which must not
 * exist (PSL_CONFLICT, usage); never a partial file there. With destination NULL or "" the
 * stored file's own path is returned instead (read it, do not change it). Returns the path
 * written (caller frees). Unknown or not readable by this user: PSL_NOT_FOUND, server. */
PSL_API char* psl_client_download_file(psl_client* client, const char* sha256, const char* destination,
                                       psl_error* out_error);

/* The free one-hour meeting slots of a mentorship's mentor, from 24 h ahead over `days` days
 * (0 or less: 21; at most 90), at most 200, in time order — computed from the mentor's
 * availability and both people's busy rows on this device, as `passerelle slots` does.
 * `mentorship_id` NULL: the one active mentorship on this device (a candidate's or mentor's
 * own); none: PSL_NOT_FOUND, several: PSL_CONFLICT (both usage). Unknown id, or no availability
 * published yet: PSL_NOT_FOUND / PSL_ORIGIN_USAGE. Returns (caller frees) a JSON array of
 *   {"start": RFC 3339 UTC (what meeting.request takes), "end",
 *    "local_start": RFC 3339 with offset in the candidate's zone, "time_zone",
 *    "mentor_local_start": the same in the mentor's zone, "mentor_time_zone", "mentorship_id"}
 * ("[]" when nothing is free). The server has the last word when a slot is booked. */
PSL_API char* psl_client_slots(psl_client* client, const char* mentorship_id, int32_t days, psl_error* out_error);

/* An activity (docs/activities.md) as the signed-in person takes part in it, from this device's
 * rows, as the web app shows it: a JSON object {"activity_id", "registration": her row or null,
 * "status_text": where she stands in `locale` ("fr" | "en"; NULL: the account's language) or
 * null, "agenda": her or his speed-jobbing agenda row or null, "agenda_text": its printable
 * sheet or null, "ics": the agenda's text/calendar, else the activity's one event}. An activity
 * not on this device: PSL_NOT_FOUND / PSL_ORIGIN_USAGE; nobody signed in: PSL_UNAUTHENTICATED. */
PSL_API char* psl_client_activity_view(psl_client* client, const char* activity_id, const char* locale, psl_error* out_error);

/* ---- host transport ------------------------------------------------------------------------ */

/* The sync (psl_client_start_sync, psl_client_sync_once) speaks to the server through one
 * WebSocket at a time. By default the library opens it itself; an app may give its platform's
 * WebSocket instead (its proxies, VPNs and trust store) by filling a psl_transport and setting
 * psl_client_options.transport. The library then asks the host to open, send and close, and
 * the host reports what happened with psl_socket_opened / _received / _closed. The protocol
 * itself (hello, auth.resume, push, pull, pokes, timeouts, reconnecting with backoff) stays in
 * the library. Sign-in, the other blocking calls and file transfers use the library's own
 * connection always. docs/bindings.md, "Host transport", walks through one.
 *
 * A psl_socket is the library's side of one connection. It is passed to `open` and stays valid
 * until the host has reported psl_socket_closed on it AND the library has called `close` for it;
 * the host must do the first exactly once per socket (also when opening fails, also after the
 * library asked to close), the library does the second exactly once per `open`. */
typedef struct psl_socket psl_socket;

struct psl_transport {
  uint32_t struct_size; /* sizeof(psl_transport) */
  void* context;        /* passed back untouched to each callback; must stay valid until
                           psl_client_close returns */
  /* Starts opening a WebSocket to `url` ("ws://host:port/v1/ws" or "wss://...", path included)
   * and returns at once. The return value is the host's handle for this connection (any
   * pointer, NULL too): the library passes it back to send and close and never reads it. The
   * outcome is reported on `socket`: psl_socket_opened, or psl_socket_closed. */
  void* (*open)(void* context, psl_socket* socket, const char* url);
  /* Sends one text frame: `length` bytes of UTF-8 JSON (also NUL-terminated), valid only during
   * the call. Called only after the host reported opened, never after close. A failure to send
   * is reported as psl_socket_closed. */
  void (*send)(void* context, void* handle, const char* frame, size_t length);
  /* The library is done with this connection: close it politely and free the handle. Called
   * exactly once per open (also after the host reported closed); never used again after. */
  void (*close)(void* context, void* handle);
};
/* Threads. open, send and close run on the sync's thread (the background sync thread, or the
 * caller of psl_client_sync_once); they must return quickly and must not call the blocking
 * psl_client_* functions. The psl_socket_* reports may come from any thread, also from inside
 * open, send and close; the library moves each onto the sync's thread. A report that arrives
 * after `close` is ignored (psl_socket_closed still releases the socket). A NULL socket is
 * ignored. psl_client_open refuses (PSL_BAD_REQUEST, usage) a transport whose struct_size is
 * not set or one of whose callbacks is NULL. */

/* The connection is open (at most once, before any frame). */
PSL_API void psl_socket_opened(psl_socket* socket);
/* One whole text frame from the server (the host joins fragments): `length` bytes, copied. */
PSL_API void psl_socket_received(psl_socket* socket, const char* frame, size_t length);
/* The connection failed to open or ended, for any reason. `reason` is a short sentence for
 * people ("connection refused"; NULL: none) that the library puts in the sync's last_error.
 * Exactly once per socket; after it the host must not use `socket` again. */
PSL_API void psl_socket_closed(psl_socket* socket, const char* reason);

/* ---- observers ----------------------------------------------------------------------------- */

/* 0 is never a valid token. */
typedef uint64_t psl_observer_token;

/* rows_json: [{"collection": "...", "id": "..."}] — read the rows again with get/list. */
typedef void (*psl_rows_callback)(void* context, const char* rows_json);
/* status_json: as psl_client_status returns. */
typedef void (*psl_sync_state_callback)(void* context, const char* status_json);
/* rejection_json: one rejection, as in psl_client_rejections. */
typedef void (*psl_rejection_callback)(void* context, const char* rejection_json);

/* Each returns a token for psl_client_unobserve, or 0 and an error (NULL client or callback).
 * The thread a callback runs on is stated at the top of this file. */
PSL_API psl_observer_token psl_client_observe_rows(psl_client* client, psl_rows_callback callback,
                                                   void* context, psl_error* out_error);
PSL_API psl_observer_token psl_client_observe_sync_state(psl_client* client, psl_sync_state_callback callback,
                                                         void* context, psl_error* out_error);
PSL_API psl_observer_token psl_client_observe_rejections(psl_client* client, psl_rejection_callback callback,
                                                         void* context, psl_error* out_error);
/* After it returns the callback is not called again. Unknown tokens and NULL are ignored. */
PSL_API void psl_client_unobserve(psl_client* client, psl_observer_token token);

/* ==== password and sessions (blocking: network) ============================================ *
 * Issue #23. Online requests, not mutators: each needs the server and fails with
 * PSL_ORIGIN_NETWORK when it cannot be reached. Secrets are never stored on the device. */

/* The name this device gives at its next sign-in (psl_client_login, psl_client_accept_invite),
 * which psl_client_sessions shows: "Amina's phone". NULL or "": none. At most 100 bytes. */
PSL_API bool psl_client_set_device_name(psl_client* client, const char* device_name, psl_error* out_error);

/* Changes the signed-in person's password (resuming the session first if needed). Every other
 * session of theirs ends; this one stays. `out_ended` (may be NULL) receives how many ended.
 * Wrong current password: PSL_FORBIDDEN from PSL_ORIGIN_SERVER. A new password shorter than 10
 * characters: PSL_BAD_REQUEST from PSL_ORIGIN_USAGE. */
PSL_API bool psl_client_change_password(psl_client* client, const char* current_password, const char* new_password,
                                        int64_t* out_ended, psl_error* out_error);

/* Asks for a reset e-mail. Succeeds the same whether an account uses `email` or not; only an
 * existing, enabled account gets the e-mail (a link into the app, /app/#reset=<token>, and a
 * code). Too many requests: PSL_RATE_LIMITED. */
PSL_API bool psl_client_request_password_reset(psl_client* client, const char* email, psl_error* out_error);

/* Sets a new password with the e-mail's code (or, with _token, the token of its link). Every
 * session of the account ends: sign in again after. Unknown, used, replaced or expired:
 * PSL_NOT_FOUND from PSL_ORIGIN_SERVER. */
PSL_API bool psl_client_reset_password_with_code(psl_client* client, const char* code, const char* new_password,
                                                 psl_error* out_error);
PSL_API bool psl_client_reset_password_with_token(psl_client* client, const char* token, const char* new_password,
                                                  psl_error* out_error);

/* The signed-in person's live sessions, most recently seen first (JSON array, caller frees):
 *   [{"id","device","address","first_seen_at","last_seen_at","expires_at","current": bool}] */
PSL_API char* psl_client_sessions(psl_client* client, psl_error* out_error);

/* Ends one of those sessions (its device's connections close, its token is refused). Stops the
 * background sync first, like psl_client_login (start it again after): ending this device's
 * own session signs it out. No such live session of this person: PSL_NOT_FOUND. */
PSL_API bool psl_client_end_session(psl_client* client, const char* session_id, psl_error* out_error);

/* Admin: ends every session of another account; `out_ended` (may be NULL) receives how many. */
PSL_API bool psl_client_end_all_sessions(psl_client* client, const char* user_id, int64_t* out_ended,
                                         psl_error* out_error);

/* Coach or admin: invites someone (issue 27); the server e-mails them a single-use link. `role`:
 * "candidate", "mentor", "coach", "admin" or "employer" (a coach: candidate, mentor or employer,
 * else PSL_FORBIDDEN);
 * `name` and `locale` ("fr"/"en") may be NULL. An account already using the e-mail:
 * PSL_CONFLICT. Returns the invitation as JSON (caller frees):
 *   {"id","email","name","role","locale","invited_by","created_at","expires_at","status"} */
PSL_API char* psl_client_invite(psl_client* client, const char* email, const char* role, const char* name,
                                const char* locale, psl_error* out_error);

/* ==== end of password and sessions ========================================================== */

/* ---- test hook ----------------------------------------------------------------------------- */

/* FOR TESTS ONLY: proves that a C++ exception never crosses this API. `kind`:
 *   1  throw std::runtime_error inside this call       -> false, PSL_INTERNAL
 *   2  throw std::bad_alloc inside this call           -> false, PSL_INTERNAL ("out of memory")
 *   3  throw a non-standard type (int) inside this call -> false, PSL_INTERNAL
 *   4  arm: the next rows notification on the calling thread (e.g. during psl_client_mutate)
 *      throws std::runtime_error from inside the C++ core -> that call fails with PSL_INTERNAL;
 *      returns true. Needs a client.
 * Other kinds: false, PSL_BAD_REQUEST. Apps never call it. */
PSL_API bool psl_debug_throw_for_test(psl_client* client, int kind, psl_error* out_error);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PASSERELLE_H */
