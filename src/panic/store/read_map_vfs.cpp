#include "panic/store/read_map_vfs.h"

#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstring>
#include <mutex>

namespace panic::store {
namespace {

constexpr const char* kName = "panic-readmap";

sqlite3_vfs* g_real = nullptr;  // the wrapped "unix" VFS
sqlite3_vfs g_vfs;              // ours (a copy of it with our xOpen and forwarders)

// The head of SQLite's unixFile (os_unix.c): the descriptor follows three pointers.
struct UnixFileHead {
  const sqlite3_io_methods* methods;
  sqlite3_vfs* vfs;
  void* inode;
  int h;
};

struct MapFile {
  sqlite3_file base;   // pMethods: &kMethods
  sqlite3_file* real;  // the unix VFS's file, stored right after this struct
  int fd;              // the real file's descriptor; −1: not mapped by us (all forwarded)
  dev_t dev;
  ino_t ino;
  int64_t limit;       // the pager's mmap_size; ≤ 0: no mapping
  void* map;
  int64_t map_size;
  int fetch_out;       // pages handed out by xFetch and not yet returned
};

MapFile* Self(sqlite3_file* f) { return reinterpret_cast<MapFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Self(f)->real; }

void Unmap(MapFile* f) {
  if (f->map) munmap(f->map, static_cast<size_t>(f->map_size));
  f->map = nullptr;
  f->map_size = 0;
}

// Maps the whole file at its current size, through the real file's descriptor after checking
// that it is still the database's (see the header). Failure leaves no mapping.
void Map(MapFile* f) {
  struct stat st;
  if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != f->dev || st.st_ino != f->ino ||
      st.st_size <= 0) {
    return;
  }
  void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, f->fd, 0);
  if (p == MAP_FAILED) return;
  f->map = p;
  f->map_size = st.st_size;
}

int Close(sqlite3_file* file) {
  MapFile* f = Self(file);
  Unmap(f);
  return f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) { return Real(f)->pMethods->xRead(Real(f), buf, n, off); }
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) { return Real(f)->pMethods->xTruncate(Real(f), size); }
int Sync(sqlite3_file* f, int flags) { return Real(f)->pMethods->xSync(Real(f), flags); }
int FileSize(sqlite3_file* f, sqlite3_int64* size) { return Real(f)->pMethods->xFileSize(Real(f), size); }
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) { return Real(f)->pMethods->xCheckReservedLock(Real(f), out); }
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) { return Real(f)->pMethods->xDeviceCharacteristics(Real(f)); }
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** p) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, p);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) { return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags); }
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }

int FileControl(sqlite3_file* file, int op, void* arg) {
  MapFile* f = Self(file);
  if (op != SQLITE_FCNTL_MMAP_SIZE || f->fd < 0) return f->real->pMethods->xFileControl(f->real, op, arg);
  // The pager's mmap_size (clamped by SQLite to its compile-time cap): > 0 turns our mapping
  // of the whole file on, 0 off; < 0 only asks. The real file records it too, but never maps:
  // its xFetch is not called.
  const int64_t wanted = *static_cast<sqlite3_int64*>(arg);
  const int rc = f->real->pMethods->xFileControl(f->real, op, arg);
  if (wanted >= 0 && f->fetch_out == 0) {
    f->limit = wanted;
    if (wanted == 0) Unmap(f);
  }
  *static_cast<sqlite3_int64*>(arg) = f->limit;
  return rc;
}

int Fetch(sqlite3_file* file, sqlite3_int64 off, int amount, void** pp) {
  MapFile* f = Self(file);
  if (f->fd < 0) return f->real->pMethods->xFetch(f->real, off, amount, pp);
  *pp = nullptr;
  if (f->limit <= 0) return SQLITE_OK;
  if (!f->map) Map(f);  // no mapping implies no page out (Unfetch(0, NULL) requires none)
  if (f->map && off >= 0 && off + amount <= f->map_size) {
    *pp = static_cast<char*>(f->map) + off;
    ++f->fetch_out;
  }
  return SQLITE_OK;  // *pp NULL: the pager reads the page with xRead
}

int Unfetch(sqlite3_file* file, sqlite3_int64 off, void* p) {
  MapFile* f = Self(file);
  if (f->fd < 0) return f->real->pMethods->xUnfetch(f->real, off, p);
  if (p) {
    --f->fetch_out;
  } else if (f->fetch_out == 0) {
    Unmap(f);  // the pager saw the file change: map it afresh at the next fetch
  }
  return SQLITE_OK;
}

const sqlite3_io_methods kMethods = {
    3,        Close,    Read,        Write,   Truncate,   Sync,       FileSize,  Lock,
    Unlock,   CheckReservedLock,     FileControl,         SectorSize, DeviceCharacteristics,
    ShmMap,   ShmLock,  ShmBarrier,  ShmUnmap,            Fetch,      Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  MapFile* f = Self(file);
  std::memset(f, 0, sizeof(MapFile));
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->fd = -1;
  const int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods) f->real->pMethods->xClose(f->real);
    file->pMethods = nullptr;
    return rc;
  }
  if ((flags & SQLITE_OPEN_MAIN_DB) && name && f->real->pMethods && f->real->pMethods->iVersion >= 3) {
    const int h = reinterpret_cast<const UnixFileHead*>(f->real)->h;
    struct stat by_fd, by_path;
    if (h >= 0 && fstat(h, &by_fd) == 0 && stat(name, &by_path) == 0 && S_ISREG(by_fd.st_mode) &&
        by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino) {
      f->fd = h;
      f->dev = by_fd.st_dev;
      f->ino = by_fd.st_ino;
    }
  }
  file->pMethods = &kMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) { return g_real->xDelete(g_real, name, sync_dir); }
int Access(sqlite3_vfs*, const char* name, int flags, int* out) { return g_real->xAccess(g_real, name, flags, out); }
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*DlSym(sqlite3_vfs*, void* lib, const char* sym))(void) { return g_real->xDlSym(g_real, lib, sym); }
void DlClose(sqlite3_vfs*, void* lib) { g_real->xDlClose(g_real, lib); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int Sleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) { return g_real->xCurrentTimeInt64(g_real, out); }

bool Register() {
  g_real = sqlite3_vfs_find("unix");
  if (!g_real || g_real->iVersion < 2) return false;
  g_vfs = sqlite3_vfs{};
  g_vfs.iVersion = 2;
  g_vfs.szOsFile = static_cast<int>(sizeof(MapFile)) + g_real->szOsFile;
  g_vfs.mxPathname = g_real->mxPathname;
  g_vfs.zName = kName;
  g_vfs.xOpen = Open;
  g_vfs.xDelete = Delete;
  g_vfs.xAccess = Access;
  g_vfs.xFullPathname = FullPathname;
  g_vfs.xDlOpen = DlOpen;
  g_vfs.xDlError = DlError;
  g_vfs.xDlSym = DlSym;
  g_vfs.xDlClose = DlClose;
  g_vfs.xRandomness = Randomness;
  g_vfs.xSleep = Sleep;
  g_vfs.xCurrentTime = CurrentTime;
  g_vfs.xGetLastError = GetLastError;
  g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  return sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0) == SQLITE_OK;
}

}  // namespace

const char* ReadMapVfsName() {
  static const bool registered = Register();  // thread-safe once (C++ static initialisation)
  return registered ? kName : nullptr;
}

}  // namespace panic::store
