#include "panic/cli/output_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace panic::cli {
namespace {

// The folder `path` would be written in: its parent, or "." for a bare name.
std::string FolderOf(const std::string& path) {
  const std::filesystem::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : ".";
}

// 0 when this process may create files in the existing folder `folder`; the errno otherwise
// (effective ids: what open(2) will check).
int FolderWritable(const std::string& folder) {
  struct stat st {};
  if (::stat(folder.c_str(), &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  return ::faccessat(AT_FDCWD, folder.c_str(), W_OK | X_OK, AT_EACCESS) == 0 ? 0 : errno;
}

// The file formats of --format that are also a file's extension: data, and images and
// drawings (export images, export charts). "jpeg" is "jpg" (Canonical).
constexpr std::array<std::string_view, 10> kFileFormats = {"csv", "json", "npy", "npz", "parquet",
                                                           "png", "jpg", "webp", "svg", "pdf"};

std::string Canonical(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name == "jpeg" ? "jpg" : name;
}

bool IsFileFormat(std::string_view name) {
  return std::find(kFileFormats.begin(), kFileFormats.end(), name) != kFileFormats.end();
}

}  // namespace

Status CheckFormatAgainstOutput(const std::string& format, const std::string& output, bool by_json) {
  std::string ext = std::filesystem::path(output).extension().string();
  if (ext.empty()) return Status::Ok();
  ext = Canonical(ext.substr(1));  // without the dot
  if (!IsFileFormat(Canonical(format)) || !IsFileFormat(ext) || ext == Canonical(format)) return Status::Ok();
  return Status::InvalidArgument((by_json ? "--json" : "--format " + format) + " contradicts --output '" + output + "' (a ." + ext +
                                 " file): give --format " + ext + " or another file name");
}

Status CheckExplicitFormat(const ParsedArgs& args, bool json, const std::string& format) {
  const std::optional<std::string> output = args.Get("output");
  if (!output || !(args.Has("format") || json)) return Status::Ok();
  return CheckFormatAgainstOutput(format, *output, !args.Has("format"));
}

Status CheckOutputFile(const std::string& output) {
  std::error_code ec;
  if (std::filesystem::is_directory(output, ec)) {
    return Status::InvalidArgument("--output: '" + output + "' is a folder, not a file");
  }
  const std::string folder = FolderOf(output);
  if (const int e = FolderWritable(folder); e != 0) {
    return Status::IOError("--output: cannot write '" + output + "': its folder '" + folder + "': " + std::strerror(e));
  }
  return Status::Ok();
}

Status CheckOutputFolder(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    return Status::InvalidArgument("--output: '" + dir + "' is a file, not a folder (the files are written into a "
                                   "folder, created when missing)");
  }
  if (std::filesystem::is_directory(dir, ec)) {
    if (const int e = FolderWritable(dir); e != 0) {
      return Status::IOError("--output: cannot write into '" + dir + "': " + std::strerror(e));
    }
    return Status::Ok();
  }
  // Missing: created with its missing parents, in the nearest folder that exists.
  std::filesystem::path existing = std::filesystem::path(dir).lexically_normal();
  do {
    existing = existing.has_parent_path() && existing.parent_path() != existing ? existing.parent_path()
                                                                                : std::filesystem::path(".");
  } while (existing != "." && !std::filesystem::exists(existing, ec));
  if (const int e = FolderWritable(existing.string()); e != 0) {
    return Status::IOError("--output: cannot create '" + dir + "': its folder '" + existing.string() +
                           "': " + std::strerror(e));
  }
  return Status::Ok();
}

Status OutputError(const Status& st, const std::string& output) {
  const std::string& m = st.message();
  if (st.code() != StatusCode::kIOError || m.rfind("--output", 0) == 0) return st;
  const std::string quoted = "'" + output;
  for (size_t at = m.find(quoted); at != std::string::npos; at = m.find(quoted, at + 1)) {
    const char next = at + quoted.size() < m.size() ? m[at + quoted.size()] : '\0';
    if (next == '\'' || next == '/') return st.WithContext("--output");
  }
  return st;
}

}  // namespace panic::cli
