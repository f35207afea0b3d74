// Emscripten library (--js-library): the functions opfs_vfs.c declares extern, over the
// OpfsPool (opfs_pool.mjs) that the Worker passes in as Module.opfsPool. Every failure becomes
// a negative number, which the VFS turns into an SQLite I/O error.
mergeInto(LibraryManager.library, {
  psl_pool_find: function(path) { return Module['opfsPool'].find(UTF8ToString(path)); },
  psl_pool_claim: function(path) {
    try { return Module['opfsPool'].claim(UTF8ToString(path)); } catch (e) { return -1; }
  },
  psl_pool_release: function(slot) {
    try { Module['opfsPool'].release(slot); } catch (e) {}
  },
  psl_pool_read: function(slot, buf, n, offset) {
    try { return Module['opfsPool'].read(slot, HEAPU8.subarray(buf, buf + n), offset); } catch (e) { return -1; }
  },
  psl_pool_write: function(slot, buf, n, offset) {
    try { return Module['opfsPool'].write(slot, HEAPU8.subarray(buf, buf + n), offset); } catch (e) { return -1; }
  },
  psl_pool_size: function(slot) {
    try { return Module['opfsPool'].size(slot); } catch (e) { return -1; }
  },
  psl_pool_truncate: function(slot, size) {
    try { Module['opfsPool'].truncate(slot, size); return 0; } catch (e) { return -1; }
  },
  psl_pool_flush: function(slot) {
    try { Module['opfsPool'].flush(slot); return 0; } catch (e) { return -1; }
  },
});
