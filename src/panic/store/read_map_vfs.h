// "panic-readmap": a SQLite VFS for read-only connections that maps the whole database
// file into memory, past the 2 GiB cap of Debian's SQLite build (SQLITE_MAX_MMAP_SIZE =
// 0x7fff0000), so that every page of a large database is read in place instead of by one
// pread(2) copy per page (issue 12: 30 % of `analyse drift` over 1M embeddings was the
// kernel copying pages past the cap).
//
// It wraps the default "unix" VFS and forwards everything to it — opening, locking, the
// WAL and its shared memory, reads — except the main database file's xFetch/xUnfetch (the
// memory-map interface of SQLite's pager). The pager decides which pages may be fetched,
// exactly as with SQLite's own mapping: only when mmap_size > 0, never a page whose newest
// version is in the WAL, and it drops the mapping (xUnfetch(0, NULL)) when another
// connection changed the file; the next fetch maps the file at its new size. A page past the
// mapped size, or any failure to map, falls back to SQLite's normal read.
//
// The mapping needs a descriptor of the file. Opening one more would be unsafe: closing
// any descriptor of a file drops every POSIX lock the process holds on it (SQLite's locks of
// other connections included). So the shim maps through the unix VFS's own descriptor, the
// `h` field that follows three pointers at the head of its (private) unixFile struct — a
// layout unchanged since SQLite 3.7 — and only after checking that this descriptor is a
// regular file with the same device and inode as the database path; when it is not, the
// file is read as SQLite would without the shim.
#pragma once

namespace panic::store {

// The name to pass to sqlite3_open_v2, registering the VFS on first use; nullptr (the
// default VFS) when it cannot be registered.
const char* ReadMapVfsName();

}  // namespace panic::store
