// A file that appears whole or not at all: every file the user asks us to write (exports of
// every format, pictures, video, reports, --output) is written to a temporary file in the
// same folder, synced, renamed over the destination and the folder synced. A kill or power
// loss at any moment leaves either the old file or the complete new one, never a torn one;
// a failure or Ctrl-C before Commit leaves the old file as it was.
//
//   PANIC_ASSIGN_OR_RETURN(auto file, AtomicFile::Create(path));
//   ... write file->temp_path() (ourselves, cairo, ffmpeg) and close it ...
//   PANIC_RETURN_IF_ERROR(file->Commit());
//
// The temporary file is `.NAME.tmp-PID-XXXXXX.EXT` beside the destination (hidden; PID the
// creating process; the same extension, for writers that look at it), created with O_EXCL
// (never someone else's file), mode 0666 less the umask, as an ordinary new file would be.
// A process killed before Commit leaves that hidden file behind (nothing else: the
// destination is untouched); the next Create of the same destination removes it — only a
// regular file named exactly by this destination's pattern, whose PID is gone and which was
// last written before this process started (never another destination's, a live export's,
// or a file we would not have named so).
//
// A destination that exists and is not a regular file (a FIFO, /dev/null, /dev/stdout) is
// written in place: temp_path() is the destination itself and Commit only syncs what it
// can. A symbolic link to a regular file is followed: the file it names is replaced.
//
// Thread safety: one AtomicFile per destination; distinct ones are independent.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/status.h"

namespace panic {

class AtomicFile {
 public:
  // IOError naming `path` when the temporary file cannot be created (a missing or read-only
  // folder, a destination that is a directory).
  static Result<std::unique_ptr<AtomicFile>> Create(const std::string& path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& path() const { return path_; }            // the destination, as given
  const std::string& temp_path() const { return temp_path_; }  // where to write

  // REQUIRES: whatever wrote temp_path() has closed it. fsync(temp), rename(temp, path),
  // fsync(folder); IOError naming the step and the destination on failure (the temporary
  // file is then removed and the destination left as it was).
  Status Commit();

 private:
  friend class AtomicFileBatch;
  AtomicFile() = default;
  Status Rename();  // rename(temp, path) alone
  std::string path_, target_, temp_path_;  // target_: the destination with links followed
  bool in_place_ = false;
  bool committed_ = false;
};

// `bytes` into `path` through an AtomicFile.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);

// Many files at once (a run's images): each is written to its temporary file; Commit syncs
// them all with one syncfs(2) (one journal commit instead of one per file: `export images`
// of 794 files took 2–4× as long with an fsync each), renames each, and syncs each folder
// once. Each destination is still the old file or the complete new one at every moment.
class AtomicFileBatch {
 public:
  // `bytes` into a temporary file beside `path` (folders must exist).
  Status Write(const std::string& path, std::string_view bytes);
  Status Commit();  // the temporary files of every Write since the last Commit

 private:
  std::vector<std::unique_ptr<AtomicFile>> files_;  // their destructors remove what is left
};

}  // namespace panic
