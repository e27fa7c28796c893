// core/atomic_file.h: a destination is the old file or the complete new one at every moment —
// after a commit, a failure, a destructor without commit, and a process killed mid-write.
#include "panic/core/atomic_file.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <ctime>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace panic {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

// Every name in the folder, sorted.
std::string Names(const TempDir& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += n + " ";
  return out;
}

// Sets the file's times an hour back.
void Backdate(const std::string& path) {
  const timespec hour_ago[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), hour_ago, 0), 0) << path;
}

// The pid of a child that has exited and been reaped.
pid_t DeadPid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

TEST(AtomicFileTest, ReplacesWholeAndLeavesNoTemporaryFile) {
  TempDir dir;
  const std::string path = dir.File("out.csv");
  WriteFile(path, "old");
  ASSERT_TRUE(WriteFileAtomically(path, "new contents\n").ok());
  EXPECT_EQ(ReadFile(path), "new contents\n");
  EXPECT_EQ(Names(dir), "out.csv ");
  // A new file gets the mode of any new file: 0666 less the umask.
  const mode_t mask = ::umask(022);
  ::umask(mask);
  ASSERT_TRUE(WriteFileAtomically(dir.File("fresh.txt"), "x").ok());
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("fresh.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask);
}

TEST(AtomicFileTest, WithoutCommitTheOldFileStays) {
  TempDir dir;
  const std::string path = dir.File("chart.pdf");
  WriteFile(path, "old");
  {
    auto file = AtomicFile::Create(path);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    WriteFile((*file)->temp_path(), "half a new ch");
    EXPECT_EQ(fs::path((*file)->temp_path()).parent_path(), dir.path());  // same folder: rename is atomic
    EXPECT_EQ(fs::path((*file)->temp_path()).extension(), ".pdf");
    EXPECT_EQ(ReadFile(path), "old");
  }
  EXPECT_EQ(ReadFile(path), "old");
  EXPECT_EQ(Names(dir), "chart.pdf ");
}

TEST(AtomicFileTest, ABatchAppearsAtCommit) {
  TempDir dir;
  WriteFile(dir.File("0001.png"), "old");
  {
    AtomicFileBatch batch;
    ASSERT_TRUE(batch.Write(dir.File("0000.png"), "a").ok());
    ASSERT_TRUE(batch.Write(dir.File("0001.png"), "b").ok());
    EXPECT_EQ(ReadFile(dir.File("0001.png")), "old");
    EXPECT_FALSE(fs::exists(dir.File("0000.png")));
    ASSERT_TRUE(batch.Commit().ok());
    ASSERT_TRUE(batch.Write(dir.File("0002.png"), "c").ok());
  }  // not committed: removed
  EXPECT_EQ(ReadFile(dir.File("0000.png")), "a");
  EXPECT_EQ(ReadFile(dir.File("0001.png")), "b");
  EXPECT_EQ(Names(dir), "0000.png 0001.png ");
}

TEST(AtomicFileTest, ErrorsNameTheDestination) {
  TempDir dir;
  auto missing = AtomicFile::Create(dir.File("no/such/folder/x.csv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIOError);
  EXPECT_NE(missing.status().message().find("no/such/folder/x.csv"), std::string::npos) << missing.status().message();
  EXPECT_NE(missing.status().message().find("No such file"), std::string::npos) << missing.status().message();
  fs::create_directory(dir.File("d"));
  auto folder = WriteFileAtomically(dir.File("d"), "x");
  EXPECT_NE(folder.message().find("is a directory"), std::string::npos) << folder.message();
}

TEST(AtomicFileTest, DevicesAreWrittenInPlace) {
  // /dev/null must never be replaced by a rename (the tests may run as root).
  ASSERT_TRUE(WriteFileAtomically("/dev/null", "discarded").ok());
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(AtomicFileTest, ALinkIsFollowedAndKept) {
  TempDir dir;
  WriteFile(dir.File("real.csv"), "old");
  fs::create_symlink(dir.File("real.csv"), dir.File("link.csv"));
  ASSERT_TRUE(WriteFileAtomically(dir.File("link.csv"), "new").ok());
  EXPECT_TRUE(fs::is_symlink(dir.File("link.csv")));
  EXPECT_EQ(ReadFile(dir.File("real.csv")), "new");
}

// A child process writes a large file in pieces and is killed with SIGKILL in the middle:
// the destination still holds the old bytes (the old code wrote into it in place).
TEST(AtomicFileTest, AKillMidWriteLeavesTheOldFile) {
  TempDir dir;
  const std::string path = dir.File("table.csv");
  WriteFile(path, "the old table\n");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    auto file = AtomicFile::Create(path);
    if (!file.ok()) ::_exit(3);
    FILE* f = std::fopen((*file)->temp_path().c_str(), "wb");
    const std::string chunk(1 << 16, 'x');
    for (int i = 0;; ++i) {  // never commits: killed in here
      std::fwrite(chunk.data(), 1, chunk.size(), f);
      std::fflush(f);
      if (i == 16 && ::write(ready[1], "r", 1) != 1) ::_exit(4);
      ::usleep(1000);
    }
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);  // the child has written > 1 MiB
  ::close(ready[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(ReadFile(path), "the old table\n");
  // What is left is the hidden temporary file, never a torn destination.
  const std::string names = Names(dir);
  EXPECT_EQ(names.rfind(".table.tmp-" + std::to_string(pid) + "-", 0), 0u) << names;
  // The next export to the same destination removes it. That export is a later process: the
  // file was last written before it started (backdated here, as this process is older).
  const std::string left = dir.File(names.substr(0, names.find(' ')));
  Backdate(left);
  ASSERT_TRUE(WriteFileAtomically(path, "the new table\n").ok());
  EXPECT_EQ(ReadFile(path), "the new table\n");
  EXPECT_EQ(Names(dir), "table.csv ");
}

// Only the stale temporary files of this destination are removed: the exact pattern, a dead
// creator, last written before this process started. Never a file we did not make.
TEST(AtomicFileTest, OnlyThisDestinationsStaleTemporaryFilesAreRemoved) {
  TempDir dir;
  const std::string dead = std::to_string(DeadPid()), alive = std::to_string(::getpid());
  const std::vector<std::string> kept = {
      ".out.tmp-" + alive + "-abc123.csv",           // a live export's (this process)
      ".out.tmp-" + dead + "-abc12.csv",             // five characters, not six
      ".out.tmp-" + dead + "-ABC123.csv",            // upper case: not a name we make
      ".out.tmp-abc123.csv",                         // no pid
      ".out.tmp--abc123.csv",                        // empty pid
      ".out.tmp-" + dead + "x-abc123.csv",           // not a number
      ".out.tmp-" + dead + "-abc123.csv.bak",        // another extension
      ".out.tmp-" + dead + "-abc123.pdf",            // another destination: out.pdf
      ".other.tmp-" + dead + "-abc123.csv",          // another destination: other.csv
      ".xout.tmp-" + dead + "-abc123.csv",           // another destination: xout.csv
      "out.tmp-" + dead + "-abc123.csv",             // not hidden
      "notes.txt",
  };
  for (const auto& name : kept) WriteFile(dir.File(name), "theirs");
  for (const auto& name : kept) Backdate(dir.File(name));
  const std::string stale = ".out.tmp-" + dead + "-x0y9zz.csv";
  WriteFile(dir.File(stale), "left by a killed export");
  Backdate(dir.File(stale));
  const std::string fresh = ".out.tmp-" + dead + "-fresh1.csv";  // written after we started
  WriteFile(dir.File(fresh), "someone's, just now");
  const std::string folder = ".out.tmp-" + dead + "-dir123.csv";  // not a regular file
  fs::create_directory(dir.File(folder));
  Backdate(dir.File(folder));

  ASSERT_TRUE(WriteFileAtomically(dir.File("out.csv"), "new").ok());
  EXPECT_FALSE(fs::exists(dir.File(stale)));
  for (const auto& name : kept) EXPECT_EQ(ReadFile(dir.File(name)), "theirs") << name;
  EXPECT_TRUE(fs::exists(dir.File(fresh)));
  EXPECT_TRUE(fs::is_directory(dir.File(folder)));
  EXPECT_EQ(ReadFile(dir.File("out.csv")), "new");
}

}  // namespace
}  // namespace panic
