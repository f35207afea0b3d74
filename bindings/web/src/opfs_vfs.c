/* An SQLite VFS over the Origin Private File System (docs/bindings.md, "Durable storage").
 *
 * A dedicated Worker can read and write an OPFS file synchronously through its
 * FileSystemSyncAccessHandle, but getting such a handle is asynchronous, and SQLite calls its
 * VFS synchronously. So the Worker opens a pool of files, and a handle on each, before the core
 * starts (opfs_pool.mjs); this VFS then names pool files after SQLite's paths, and reads and
 * writes them through the handles. The path a file stands for lives in its own header, so the
 * mapping survives a reload and a killed browser with the data.
 *
 * Locking is a no-op: one tab owns the database (a Web Lock taken by the Worker before it opens
 * anything), and the build's SQLite uses exclusive locking mode, which also lets WAL keep its
 * index in heap memory, so this VFS needs no shared-memory methods (iVersion 1).
 *
 * Writes are gathered (docs/benchmarks.md, "The browser"): an OPFS write costs about 50-80 us
 * whatever its size, and SQLite writes a WAL frame as two calls (its 24-byte header, then the
 * page) and a checkpoint page by page. So contiguous writes to one file are kept in one run in
 * memory and handed to OPFS as a single write when the run ends: a write elsewhere, a read or
 * size of what the run covers, a truncate, a sync, a close, the run full, a commit (its second
 * phase), or the Worker's call into the core returning (psl_web_opfs_write_out, called by
 * worker.mjs after each call). Only one file has a run at a time, so OPFS receives the writes
 * in SQLite's order; and nothing stays in memory once the Worker goes back to its event loop,
 * so a killed browser finds what it found before (a commit reported durable was synced: xSync
 * writes the run out first).
 *
 * What is not here: temporary files (SQLITE_TEMP_STORE=3 keeps them in memory) and any file
 * beyond the pool's capacity, which SQLite sees as SQLITE_CANTOPEN. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The pool, in JavaScript (opfs_pool_lib.js, over opfs_pool.mjs). Slots are small integers;
 * offsets and sizes are doubles because a JavaScript number carries 53 bits. */
extern int psl_pool_find(const char* path);  /* the slot holding `path`, or -1 */
extern int psl_pool_claim(const char* path); /* a free slot now holding `path`, or -1 if full */
extern void psl_pool_release(int slot);      /* forget the slot's path, empty it */
extern double psl_pool_read(int slot, void* buf, int n, double offset); /* bytes read; -1 failed */
extern double psl_pool_write(int slot, const void* buf, int n, double offset); /* -1 failed */
extern double psl_pool_size(int slot);       /* -1 failed */
extern int psl_pool_truncate(int slot, double size); /* 0 ok */
extern int psl_pool_flush(int slot);         /* 0 ok */

typedef struct PoolFile {
  sqlite3_file base;
  int slot;
  int delete_on_close;
} PoolFile;

static sqlite3_vfs* default_vfs; /* for what files have nothing to do with: time, randomness */

/* The run of contiguous writes not yet handed to OPFS (see the top). 4 MiB: a pulled page of
 * 1,000 rows commits about that much. */
enum { kRunCapacity = 4 << 20 };
static struct {
  int slot; /* -1: no run */
  sqlite3_int64 start;
  int length;
  unsigned char* bytes; /* kRunCapacity, allocated on first use */
} run = {-1, 0, 0, NULL};

/* Hands the run to OPFS. 0 ok, -1 failed (the bytes are dropped: SQLite then sees an I/O
 * error from the call that wrote the run out, and rolls back or reports it). */
static int write_out_run(void) {
  if (run.slot < 0) return 0;
  int ok = run.length == 0 || psl_pool_write(run.slot, run.bytes, run.length, (double)run.start) == run.length;
  run.slot = -1;
  run.length = 0;
  return ok ? 0 : -1;
}

/* Writes the run out if it belongs to `slot` (and, with `length` > 0, covers part of
 * [offset, offset + length)). */
static int write_out_run_of(int slot, sqlite3_int64 offset, sqlite3_int64 length) {
  if (run.slot != slot) return 0;
  if (length > 0 && (offset >= run.start + run.length || offset + length <= run.start)) return 0;
  return write_out_run();
}

/* Called by the Worker after each call into the core: nothing stays unwritten between them. */
int psl_web_opfs_write_out(void) { return write_out_run(); }

static int pool_close(sqlite3_file* f) {
  PoolFile* p = (PoolFile*)f;
  int rc = write_out_run_of(p->slot, 0, 0) == 0 && psl_pool_flush(p->slot) == 0 ? SQLITE_OK : SQLITE_IOERR_CLOSE;
  if (p->delete_on_close) psl_pool_release(p->slot);
  return rc;
}

static int pool_read(sqlite3_file* f, void* buf, int amt, sqlite3_int64 offset) {
  PoolFile* p = (PoolFile*)f;
  if (write_out_run_of(p->slot, offset, amt) != 0) return SQLITE_IOERR_READ;
  double got = psl_pool_read(p->slot, buf, amt, (double)offset);
  if (got < 0) return SQLITE_IOERR_READ;
  if (got < amt) {
    /* SQLite requires the missing tail zero-filled on a short read. */
    memset((char*)buf + (int)got, 0, (size_t)(amt - (int)got));
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

static int pool_write(sqlite3_file* f, const void* buf, int amt, sqlite3_int64 offset) {
  PoolFile* p = (PoolFile*)f;
  /* Within or right after the run (a frame's page after its header, the next frame, a page
   * rewritten in place): into the run. */
  if (run.slot == p->slot && offset >= run.start && offset <= run.start + run.length &&
      offset + amt <= run.start + kRunCapacity) {
    memcpy(run.bytes + (offset - run.start), buf, (size_t)amt);
    if (offset + amt > run.start + run.length) run.length = (int)(offset + amt - run.start);
    return SQLITE_OK;
  }
  if (write_out_run() != 0) return SQLITE_IOERR_WRITE;
  if (!run.bytes) run.bytes = malloc(kRunCapacity);
  if (!run.bytes || amt > kRunCapacity / 2)
    return psl_pool_write(p->slot, buf, amt, (double)offset) == amt ? SQLITE_OK : SQLITE_IOERR_WRITE;
  run.slot = p->slot;
  run.start = offset;
  run.length = amt;
  memcpy(run.bytes, buf, (size_t)amt);
  return SQLITE_OK;
}

static int pool_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (write_out_run_of(((PoolFile*)f)->slot, 0, 0) != 0) return SQLITE_IOERR_TRUNCATE;
  return psl_pool_truncate(((PoolFile*)f)->slot, (double)size) == 0 ? SQLITE_OK : SQLITE_IOERR_TRUNCATE;
}

/* flush() is what makes the handle's writes durable: a commit is reported only after it. */
static int pool_sync(sqlite3_file* f, int flags) {
  (void)flags;
  if (write_out_run() != 0) return SQLITE_IOERR_FSYNC;
  return psl_pool_flush(((PoolFile*)f)->slot) == 0 ? SQLITE_OK : SQLITE_IOERR_FSYNC;
}

static int pool_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (write_out_run_of(((PoolFile*)f)->slot, 0, 0) != 0) return SQLITE_IOERR_FSTAT;
  double s = psl_pool_size(((PoolFile*)f)->slot);
  if (s < 0) return SQLITE_IOERR_FSTAT;
  *size = (sqlite3_int64)s;
  return SQLITE_OK;
}

static int pool_lock(sqlite3_file* f, int level) { (void)f; (void)level; return SQLITE_OK; }
static int pool_unlock(sqlite3_file* f, int level) { (void)f; (void)level; return SQLITE_OK; }
static int pool_check_reserved_lock(sqlite3_file* f, int* out) { (void)f; *out = 0; return SQLITE_OK; }
/* A commit's frames are handed to OPFS before SQLite reports it done, so an OPFS failure
 * (quota) fails the COMMIT, as an unbuffered write would have, even without a sync
 * (synchronous=NORMAL: pulled pages, push answers). */
static int pool_file_control(sqlite3_file* f, int op, void* arg) {
  (void)f;
  (void)arg;
  if (op == SQLITE_FCNTL_COMMIT_PHASETWO) return write_out_run() == 0 ? SQLITE_OK : SQLITE_IOERR_WRITE;
  return SQLITE_NOTFOUND;
}
static int pool_sector_size(sqlite3_file* f) { (void)f; return 4096; }
static int pool_device_characteristics(sqlite3_file* f) { (void)f; return SQLITE_IOCAP_UNDELETABLE_WHEN_OPEN; }

static const sqlite3_io_methods pool_io = {
    1, pool_close, pool_read, pool_write, pool_truncate, pool_sync, pool_file_size, pool_lock, pool_unlock,
    pool_check_reserved_lock, pool_file_control, pool_sector_size, pool_device_characteristics,
    /* no xShm*: exclusive locking mode keeps WAL's index in memory */
    NULL, NULL, NULL, NULL, NULL, NULL,
};

static int pool_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  (void)vfs;
  PoolFile* p = (PoolFile*)f;
  p->base.pMethods = NULL;
  if (!name) return SQLITE_CANTOPEN; /* temporary files stay in memory (SQLITE_TEMP_STORE=3) */
  int slot = psl_pool_find(name);
  /* The core creates a database file with open(2) before SQLite opens it without
   * SQLITE_OPEN_CREATE (sqlite.cpp, to set its permissions); in the browser that file is made
   * in Emscripten's in-memory file system. Its presence there stands for "exists". */
  int created_by_core = (flags & SQLITE_OPEN_MAIN_DB) && access(name, F_OK) == 0;
  if (slot < 0 && ((flags & SQLITE_OPEN_CREATE) || created_by_core)) slot = psl_pool_claim(name);
  if (slot < 0) return SQLITE_CANTOPEN;
  p->slot = slot;
  p->delete_on_close = (flags & SQLITE_OPEN_DELETEONCLOSE) != 0;
  p->base.pMethods = &pool_io;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

static int pool_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  (void)vfs;
  (void)sync_dir;
  int slot = psl_pool_find(name);
  if (slot >= 0 && write_out_run_of(slot, 0, 0) != 0) return SQLITE_IOERR_DELETE;
  if (slot >= 0) psl_pool_release(slot);
  return SQLITE_OK;
}

static int pool_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  (void)vfs;
  (void)flags;
  *out = psl_pool_find(name) >= 0;
  return SQLITE_OK;
}

static int pool_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  (void)vfs;
  if (name[0] == '/') {
    sqlite3_snprintf(n, out, "%s", name);
  } else {
    sqlite3_snprintf(n, out, "/%s", name);
  }
  return (int)strlen(out) + 1 >= n ? SQLITE_CANTOPEN : SQLITE_OK;
}

static int pool_randomness(sqlite3_vfs* vfs, int n, char* out) { (void)vfs; return default_vfs->xRandomness(default_vfs, n, out); }
static int pool_sleep(sqlite3_vfs* vfs, int us) { (void)vfs; return default_vfs->xSleep(default_vfs, us); }
static int pool_current_time(sqlite3_vfs* vfs, double* out) { (void)vfs; return default_vfs->xCurrentTime(default_vfs, out); }
static int pool_last_error(sqlite3_vfs* vfs, int n, char* out) { (void)vfs; (void)n; (void)out; return 0; }
static int pool_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  (void)vfs;
  return default_vfs->xCurrentTimeInt64(default_vfs, out);
}

static sqlite3_vfs pool_vfs = {
    2, sizeof(PoolFile), 512, NULL, "passerelle-opfs", NULL, pool_open, pool_delete, pool_access,
    pool_full_pathname, NULL, NULL, NULL, NULL, /* no loadable extensions */
    pool_randomness, pool_sleep, pool_current_time, pool_last_error, pool_current_time_int64,
    NULL, NULL, NULL,
};

/* Makes the OPFS pool SQLite's default VFS. Called once, after the pool is open. */
int psl_web_opfs_register(void) {
  default_vfs = sqlite3_vfs_find(NULL);
  if (!default_vfs) return SQLITE_ERROR;
  return sqlite3_vfs_register(&pool_vfs, 1);
}
