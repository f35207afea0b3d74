// The pool of OPFS files that opfs_vfs.c stores SQLite's files in (docs/bindings.md, "Durable
// storage"). Opening a FileSystemSyncAccessHandle is asynchronous and SQLite's VFS calls are
// not, so every handle is opened here, up front, in a dedicated Worker (the only place sync
// handles exist). Each pool file starts with a header naming the SQLite path it holds (empty:
// free); SQLite's bytes follow at kDataOffset. The handles are exclusive: a second Worker of the
// same origin cannot open them, which the Web Lock in worker.mjs turns into a clear message
// before it gets that far.

const kMagic = 'PSLPOOL1';
const kHeaderSize = 4096;
const kDataOffset = kHeaderSize;
const kMaxPath = kHeaderSize - 12;

export class OpfsPool {
  // True where this context can have sync access handles (a dedicated Worker, OPFS present).
  static supported() {
    return typeof navigator !== 'undefined' && navigator.storage && typeof navigator.storage.getDirectory === 'function' &&
      typeof FileSystemFileHandle !== 'undefined' && 'createSyncAccessHandle' in FileSystemFileHandle.prototype;
  }

  // Opens (creating what is missing) `capacity` pool files under OPFS's `dirName`.
  static async open(dirName, capacity) {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(dirName, { create: true });
    const pool = new OpfsPool();
    for (let i = 0; i < capacity; ++i) {
      const file = await dir.getFileHandle(`slot-${i}`, { create: true });
      const handle = await file.createSyncAccessHandle();
      pool.handles.push(handle);
      pool.paths.push(pool.readHeader(handle));
    }
    return pool;
  }

  constructor() {
    this.handles = [];
    this.paths = []; // '' for a free slot
    this.encoder = new TextEncoder();
    this.decoder = new TextDecoder();
  }

  readHeader(handle) {
    if (handle.getSize() < kHeaderSize) return '';
    const h = new Uint8Array(kHeaderSize);
    handle.read(h, { at: 0 });
    if (this.decoder.decode(h.subarray(0, 8)) !== kMagic) return '';
    const n = new DataView(h.buffer).getUint32(8, true);
    return n <= kMaxPath ? this.decoder.decode(h.subarray(12, 12 + n)) : '';
  }

  writeHeader(slot, path) {
    const h = new Uint8Array(kHeaderSize);
    h.set(this.encoder.encode(kMagic), 0);
    const bytes = this.encoder.encode(path);
    new DataView(h.buffer).setUint32(8, bytes.length, true);
    h.set(bytes, 12);
    this.handles[slot].write(h, { at: 0 });
    this.handles[slot].flush();
  }

  find(path) { return path === '' ? -1 : this.paths.indexOf(path); }

  claim(path) {
    if (this.encoder.encode(path).length > kMaxPath) return -1;
    const slot = this.paths.indexOf('');
    if (slot < 0) return -1;
    this.handles[slot].truncate(kDataOffset);
    this.writeHeader(slot, path);
    this.paths[slot] = path;
    return slot;
  }

  release(slot) {
    this.writeHeader(slot, '');
    this.handles[slot].truncate(kDataOffset);
    this.handles[slot].flush();
    this.paths[slot] = '';
  }

  read(slot, bytes, offset) { return this.handles[slot].read(bytes, { at: kDataOffset + offset }); }
  write(slot, bytes, offset) { return this.handles[slot].write(bytes, { at: kDataOffset + offset }); }
  size(slot) { return Math.max(0, this.handles[slot].getSize() - kDataOffset); }
  truncate(slot, size) { this.handles[slot].truncate(kDataOffset + size); }
  flush(slot) { this.handles[slot].flush(); }

  // Lets another Worker (a later page) open the files.
  close() {
    for (const h of this.handles) h.close();
    this.handles = [];
  }
}
