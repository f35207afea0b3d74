/* The host transport of the C API (passerelle.h, "host transport"), from C: the app gives the
 * sync its own WebSocket and the sync really runs over it, against a real passerelle-server.
 *
 *   capi_transport_test WS_URL SCRATCH_DIR      (run through capi_launcher, tests/capi)
 *
 * The host's WebSocket here is a small one written in this file over POSIX sockets (ws:// only,
 * RFC 6455 framing: masked client frames, fragments joined, pings answered), with a reader
 * thread per connection that reports to the library from that thread, as a platform's
 * WebSocket would. Nothing of the library's own connection is used for the sync:
 *   1. sync_once through it pushes a write; a second device (built-in transport) pulls it back;
 *   2. the background sync through it pushes the next write by itself;
 *   3. a transport that cannot connect fails the sync with the host's reason (network);
 *   4. every open was closed exactly once, and every socket was reported closed exactly once;
 *   5. a transport with a NULL callback is refused at open. */
#define _POSIX_C_SOURCE 200809L

#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "passerelle/passerelle.h"

static const char* kEmail = "amina.benali@demo.passerelle.quebec";
static const char* kPassword = "demo-candidate-2026";

/* ---- the host's WebSocket -------------------------------------------------------------------- */

typedef struct counters {
  atomic_int opens;
  atomic_int closes;   /* the library's close callback */
  atomic_int reports;  /* psl_socket_closed by the host */
  atomic_int frames_sent;
  atomic_int frames_received;
} counters;

typedef struct host_ws {
  counters* count;
  psl_socket* socket;
  char host[256], port[16], path[256];
  int fd;
  pthread_mutex_t write_lock;
  pthread_t reader;
  atomic_int closing;
} host_ws;

static int write_all(int fd, const unsigned char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return 0;
    p += w;
    n -= (size_t)w;
  }
  return 1;
}

static int read_all(int fd, unsigned char* p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) return 0;
    p += r;
    n -= (size_t)r;
  }
  return 1;
}

/* One client frame: FIN, the opcode, masked payload (RFC 6455 5.3). */
static int write_frame(host_ws* ws, int opcode, const char* data, size_t n) {
  unsigned char head[14];
  size_t h = 0;
  head[h++] = (unsigned char)(0x80 | opcode);
  if (n < 126) {
    head[h++] = (unsigned char)(0x80 | n);
  } else if (n <= 0xFFFF) {
    head[h++] = 0x80 | 126;
    head[h++] = (unsigned char)(n >> 8);
    head[h++] = (unsigned char)n;
  } else {
    head[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; --i) head[h++] = (unsigned char)((uint64_t)n >> (8 * i));
  }
  unsigned char mask[4] = {(unsigned char)rand(), (unsigned char)rand(), (unsigned char)rand(), (unsigned char)rand()};
  memcpy(head + h, mask, 4);
  h += 4;
  unsigned char* body = malloc(n ? n : 1);
  if (!body) return 0;
  for (size_t i = 0; i < n; ++i) body[i] = (unsigned char)data[i] ^ mask[i % 4];
  pthread_mutex_lock(&ws->write_lock);
  int ok = write_all(ws->fd, head, h) && write_all(ws->fd, body, n);
  pthread_mutex_unlock(&ws->write_lock);
  free(body);
  return ok;
}

/* TCP connect and the opening handshake; NULL on success, else why. */
static const char* handshake(host_ws* ws) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(ws->host, ws->port, &hints, &res) != 0 || !res) return "host not found";
  int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    if (fd >= 0) close(fd);
    freeaddrinfo(res);
    return "connection refused";
  }
  freeaddrinfo(res);
  pthread_mutex_lock(&ws->write_lock);
  ws->fd = fd;
  int closing = atomic_load(&ws->closing);
  pthread_mutex_unlock(&ws->write_lock);
  if (closing) return "closed while connecting";
  char request[1024];
  int n = snprintf(request, sizeof request,
                   "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   ws->path, ws->host, ws->port);
  if (!write_all(fd, (const unsigned char*)request, (size_t)n)) return "the handshake could not be sent";
  char response[4096];
  size_t got = 0;
  while (got + 1 < sizeof response) {
    if (!read_all(fd, (unsigned char*)response + got, 1)) return "the server closed during the handshake";
    ++got;
    response[got] = '\0';
    if (got >= 4 && strcmp(response + got - 4, "\r\n\r\n") == 0) break;
  }
  if (strncmp(response, "HTTP/1.1 101", 12) != 0) return "the server refused the WebSocket upgrade";
  return NULL;
}

/* The connection's own thread: connect, report opened, then each whole text frame. */
static void* reader(void* arg) {
  host_ws* ws = arg;
  const char* why = handshake(ws);
  if (!why) {
    psl_socket_opened(ws->socket);
    char* message = NULL;
    size_t size = 0;
    for (;;) {
      unsigned char h[2];
      if (!read_all(ws->fd, h, 2)) {
        why = "the server closed the connection";
        break;
      }
      int fin = h[0] & 0x80, opcode = h[0] & 0x0F;
      uint64_t n = h[1] & 0x7F;
      unsigned char ext[8];
      if (n == 126) {
        if (!read_all(ws->fd, ext, 2)) break;
        n = ((uint64_t)ext[0] << 8) | ext[1];
      } else if (n == 127) {
        if (!read_all(ws->fd, ext, 8)) break;
        n = 0;
        for (int i = 0; i < 8; ++i) n = (n << 8) | ext[i];
      }
      char* payload = malloc(n + 1);
      if (!payload || !read_all(ws->fd, (unsigned char*)payload, n)) {
        free(payload);
        why = "the connection failed while reading";
        break;
      }
      if (opcode == 0x8) {
        free(payload);
        why = "the server closed the connection";
        break;
      }
      if (opcode == 0x9) {
        write_frame(ws, 0xA, payload, n);
      } else if (opcode == 0x1 || opcode == 0x0) {
        if (opcode == 0x1) size = 0;
        char* grown = realloc(message, size + n + 1);
        if (!grown) {
          free(payload);
          why = "out of memory";
          break;
        }
        message = grown;
        memcpy(message + size, payload, n);
        size += n;
        if (fin) {
          atomic_fetch_add(&ws->count->frames_received, 1);
          psl_socket_received(ws->socket, message, size);
          size = 0;
        }
      }
      free(payload);
    }
    free(message);
  }
  if (atomic_load(&ws->closing)) why = NULL;
  atomic_fetch_add(&ws->count->reports, 1);
  psl_socket_closed(ws->socket, why);  /* exactly once; the socket is not used after it */
  return NULL;
}

static void* ws_open(void* context, psl_socket* socket, const char* url) {
  counters* count = context;
  atomic_fetch_add(&count->opens, 1);
  host_ws* ws = calloc(1, sizeof *ws);
  ws->count = count;
  ws->socket = socket;
  ws->fd = -1;
  pthread_mutex_init(&ws->write_lock, NULL);
  /* ws://host:port/path (the library always names the port and the path) */
  if (sscanf(url, "ws://%255[^:/]:%15[0-9]%255s", ws->host, ws->port, ws->path) != 3) {
    atomic_fetch_add(&count->reports, 1);
    psl_socket_closed(socket, "this test's WebSocket speaks ws:// only");
    ws->socket = NULL;
    return ws;
  }
  pthread_create(&ws->reader, NULL, reader, ws);
  return ws;
}

static void ws_send(void* context, void* handle, const char* frame, size_t length) {
  (void)context;
  host_ws* ws = handle;
  if (write_frame(ws, 0x1, frame, length)) atomic_fetch_add(&ws->count->frames_sent, 1);
  /* A failed write also ends the reader's read: it reports closed. */
}

static void ws_close(void* context, void* handle) {
  counters* count = context;
  host_ws* ws = handle;
  atomic_fetch_add(&count->closes, 1);
  if (ws->socket) {
    /* Under the lock the reader sets fd with: either it sees `closing`, or we see its fd. */
    pthread_mutex_lock(&ws->write_lock);
    atomic_store(&ws->closing, 1);
    int fd = ws->fd;
    pthread_mutex_unlock(&ws->write_lock);
    if (fd >= 0) {
      write_frame(ws, 0x8, "\x03\xe8", 2);
      shutdown(fd, SHUT_RDWR);
    }
    pthread_join(ws->reader, NULL);
    if (ws->fd >= 0) close(ws->fd);
  }
  pthread_mutex_destroy(&ws->write_lock);
  free(ws);
}

/* A transport that never gets through: the host reports the failure from inside open. */
static void* refusing_open(void* context, psl_socket* socket, const char* url) {
  counters* count = context;
  (void)url;
  atomic_fetch_add(&count->opens, 1);
  atomic_fetch_add(&count->reports, 1);
  psl_socket_closed(socket, "no network on this test's phone");
  return NULL;
}
static void refusing_send(void* context, void* handle, const char* frame, size_t length) {
  (void)context, (void)handle, (void)frame, (void)length;
  fail(__FILE__, __LINE__, "send on a socket that never opened");
}
static void refusing_close(void* context, void* handle) {
  counters* count = context;
  (void)handle;
  atomic_fetch_add(&count->closes, 1);
}

/* ---- the test -------------------------------------------------------------------------------- */

static psl_client* open_client(const char* url, const char* dir, const psl_transport* transport) {
  psl_error err = PSL_ERROR_INIT;
  psl_client_options opts;
  psl_client_options_init(&opts);
  opts.data_dir = dir;
  opts.server_url = url;
  opts.transport = transport;
  opts.sync_backoff_min_ms = 50;
  opts.sync_backoff_max_ms = 200;
  psl_client* c = psl_client_open(&opts, &err);
  CHECK(c, "open: %s", err.message ? err.message : "");
  char* user = psl_client_login(c, kEmail, kPassword, &err);
  CHECK(user, "login: %s", err.message ? err.message : "");
  psl_string_free(user);
  return c;
}

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

/* What a second device, on the built-in transport, pulls of Amina's profiles. */
static char* profiles_seen_elsewhere(const char* url, const char* scratch, const char* name) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s", scratch, name);
  psl_error err = PSL_ERROR_INIT;
  psl_client* other = open_client(url, dir, NULL);
  char* summary = psl_client_sync_once(other, 20000, &err);
  CHECK(summary, "second device sync: %s", err.message ? err.message : "");
  psl_string_free(summary);
  char* rows = psl_client_list(other, "profiles", NULL, NULL, &err);
  CHECK(rows, "list: %s", err.message ? err.message : "");
  psl_client_close(other);
  return rows;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: capi_transport_test WS_URL SCRATCH_DIR\n");
    return 2;
  }
  const char* url = argv[1];
  const char* scratch = argv[2];
  psl_error err = PSL_ERROR_INIT;
  char dir[1024];

  counters count;
  atomic_init(&count.opens, 0);
  atomic_init(&count.closes, 0);
  atomic_init(&count.reports, 0);
  atomic_init(&count.frames_sent, 0);
  atomic_init(&count.frames_received, 0);
  psl_transport host = {sizeof(psl_transport), &count, ws_open, ws_send, ws_close};

  /* 1. One round through the host's WebSocket; another device sees the write. */
  snprintf(dir, sizeof dir, "%s/host", scratch);
  psl_client* c = open_client(url, dir, &host);
  char* op = psl_client_mutate(c, "profile.update", "{\"bio\":\"sent over the host's socket\"}", &err);
  CHECK(op, "mutate: %s", err.message ? err.message : "");
  psl_string_free(op);
  char* summary = psl_client_sync_once(c, 20000, &err);
  CHECK(summary, "sync_once over the host transport: %s", err.message ? err.message : "");
  /* the write, and the delivered receipts of what the first pull brought */
  CHECK(summary && !strstr(summary, "\"pushed\":0,"), "pushed something: %s", summary);
  CHECK_CONTAINS(summary, "\"rejected\":0,");
  psl_string_free(summary);
  CHECK(atomic_load(&count.opens) == 1, "one socket opened, got %d", atomic_load(&count.opens));
  /* hello, auth.resume, push, at least one pull: all through the host's socket */
  CHECK(atomic_load(&count.frames_sent) >= 4, "frames sent by the host: %d", atomic_load(&count.frames_sent));
  CHECK(atomic_load(&count.frames_received) >= 4, "frames received: %d", atomic_load(&count.frames_received));
  CHECK(wait_status(c, "\"pending_ops\":0,", 0), "nothing left queued");
  char* rows = profiles_seen_elsewhere(url, scratch, "elsewhere-1");
  CHECK_CONTAINS(rows, "sent over the host's socket");
  psl_string_free(rows);

  /* 2. The background sync through it: a write goes out by itself. */
  CHECK(psl_client_start_sync(c, &err), "start_sync: %s", err.message ? err.message : "");
  CHECK(wait_status(c, "\"state\":\"up_to_date\"", 10000), "background sync up to date over the host transport");
  op = psl_client_mutate(c, "profile.update", "{\"bio\":\"pushed in the background\"}", &err);
  CHECK(op, "mutate: %s", err.message ? err.message : "");
  psl_string_free(op);
  CHECK(wait_status(c, "\"pending_ops\":0,", 10000), "the background sync pushed the write");
  psl_client_stop_sync(c);
  rows = profiles_seen_elsewhere(url, scratch, "elsewhere-2");
  CHECK_CONTAINS(rows, "pushed in the background");
  psl_string_free(rows);
  psl_client_close(c);
  /* 4. Every socket the library opened it closed once, and the host reported each closed once. */
  CHECK(atomic_load(&count.opens) >= 2, "opens: %d", atomic_load(&count.opens));
  CHECK(atomic_load(&count.closes) == atomic_load(&count.opens), "closes %d for opens %d",
        atomic_load(&count.closes), atomic_load(&count.opens));
  CHECK(atomic_load(&count.reports) == atomic_load(&count.opens), "closed reports %d for opens %d",
        atomic_load(&count.reports), atomic_load(&count.opens));

  /* 3. A transport that cannot connect: the sync fails with the host's reason, as a network failure. */
  counters refused;
  atomic_init(&refused.opens, 0);
  atomic_init(&refused.closes, 0);
  atomic_init(&refused.reports, 0);
  atomic_init(&refused.frames_sent, 0);
  atomic_init(&refused.frames_received, 0);
  psl_transport offline = {sizeof(psl_transport), &refused, refusing_open, refusing_send, refusing_close};
  snprintf(dir, sizeof dir, "%s/offline", scratch);
  c = open_client(url, dir, &offline);
  CHECK(psl_client_sync_once(c, 5000, &err) == NULL, "sync_once without a network");
  CHECK(err.origin == PSL_ORIGIN_NETWORK && err.message && strstr(err.message, "no network on this test's phone"),
        "network failure with the host's reason, got %s: %s", psl_origin_name(err.origin),
        err.message ? err.message : "");
  psl_error_clear(&err);
  CHECK(psl_client_start_sync(c, &err), "start_sync: %s", err.message ? err.message : "");
  CHECK(wait_status(c, "no network on this test's phone", 5000), "the status tells why");
  psl_client_close(c);
  CHECK(atomic_load(&refused.opens) >= 2, "retried with backoff: %d opens", atomic_load(&refused.opens));
  CHECK(atomic_load(&refused.closes) == atomic_load(&refused.opens), "closes %d for opens %d",
        atomic_load(&refused.closes), atomic_load(&refused.opens));

  /* 5. A transport missing a callback, or without struct_size, is refused at open. */
  psl_client_options opts;
  psl_client_options_init(&opts);
  snprintf(dir, sizeof dir, "%s/bad", scratch);
  opts.data_dir = dir;
  psl_transport missing = {sizeof(psl_transport), NULL, ws_open, NULL, ws_close};
  opts.transport = &missing;
  CHECK(psl_client_open(&opts, &err) == NULL, "a transport without send");
  CHECK(err.origin == PSL_ORIGIN_USAGE && strstr(err.message, "open, send and close"), "%s", err.message);
  psl_error_clear(&err);
  psl_transport unsized = {0, NULL, ws_open, ws_send, ws_close};
  opts.transport = &unsized;
  CHECK(psl_client_open(&opts, &err) == NULL, "a transport without struct_size");
  CHECK(err.origin == PSL_ORIGIN_USAGE && strstr(err.message, "struct_size"), "%s", err.message);
  psl_error_clear(&err);

  /* NULL sockets are ignored. */
  psl_socket_opened(NULL);
  psl_socket_received(NULL, "x", 1);
  psl_socket_closed(NULL, NULL);

  printf("capi_transport_test: %d checks passed\n", g_checks);
  return 0;
}
