#include "panic/export/ffmpeg_encoder.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "panic/export/subprocess.h"

namespace panic::exporting {
namespace {

// The encoders to try for a codec, best first, and their settings.
struct EncoderChoice {
  std::string name;
  std::vector<std::string> args;
};

std::vector<EncoderChoice> EncodersFor(const std::string& codec) {
  if (codec == "h264") return {{"libx264", {"-preset", "medium", "-crf", "20", "-profile:v", "high"}}};
  if (codec == "h265") return {{"libx265", {"-preset", "fast", "-crf", "24", "-tag:v", "hvc1", "-x265-params", "log-level=error"}}};
  return {{"libsvtav1", {"-preset", "8", "-crf", "35"}}, {"libaom-av1", {"-cpu-used", "8", "-row-mt", "1", "-crf", "35", "-b:v", "0"}}};
}

std::string ReadTail(const std::string& path, size_t max_bytes = 2000) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = "…" + s.substr(s.size() - max_bytes);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

Status ValidateCodec(const std::string& codec) {
  if (codec == "h264" || codec == "h265" || codec == "av1") return Status::Ok();
  return Status::InvalidArgument("codec '" + codec + "' is not one of h264, h265, av1");
}

Result<std::vector<std::string>> ListFfmpegEncoders(const std::string& ffmpeg) {
  auto text = RunAndCapture({ffmpeg, "-hide_banner", "-encoders"});
  if (!text.ok()) {
    return Status::IOError("cannot run ffmpeg to list its encoders (" + text.status().message() +
                           "); install the Debian package 'ffmpeg'");
  }
  // Lines look like " V....D libx264              libx264 H.264 / AVC …", after a "------" line.
  std::vector<std::string> out;
  std::istringstream in(*text);
  std::string line;
  bool table = false;
  while (std::getline(in, line)) {
    if (line.rfind(" ------", 0) == 0) {
      table = true;
      continue;
    }
    if (!table) continue;
    std::istringstream fields(line);
    std::string flags, name;
    if (fields >> flags >> name) out.push_back(name);
  }
  return out;
}

Result<std::unique_ptr<FfmpegEncoder>> FfmpegEncoder::Start(const EncoderSettings& s) {
  PANIC_RETURN_IF_ERROR(ValidateCodec(s.codec));
  if (s.width <= 0 || s.height <= 0 || s.width % 2 || s.height % 2) {
    return Status::InvalidArgument("video size " + std::to_string(s.width) + "×" + std::to_string(s.height) +
                                   " must be positive and even (yuv420p)");
  }
  if (!(s.fps > 0 && s.fps <= 240)) {
    return Status::InvalidArgument("fps " + std::to_string(s.fps) + " is not in (0, 240]");
  }
  if (s.output.empty()) return Status::InvalidArgument("no output file for the video");
  PANIC_ASSIGN_OR_RETURN(auto available, ListFfmpegEncoders(s.ffmpeg));
  const EncoderChoice* choice = nullptr;
  auto candidates = EncodersFor(s.codec);
  for (const auto& c : candidates) {
    if (std::find(available.begin(), available.end(), c.name) != available.end()) {
      choice = &c;
      break;
    }
  }
  if (!choice) {
    std::string names;
    for (const auto& c : candidates) names += (names.empty() ? "" : " or ") + c.name;
    return Status::IOError("this ffmpeg has no " + names + " encoder for codec " + s.codec);
  }

  std::unique_ptr<FfmpegEncoder> enc(new FfmpegEncoder());
  enc->settings_ = s;
  enc->encoder_ = choice->name;
  std::string tmpl = (std::filesystem::temp_directory_path() / "panic-ffmpeg-XXXXXX").string();
  int log_fd = mkstemp(tmpl.data());
  if (log_fd < 0) return Status::IOError("cannot create a temporary file for ffmpeg's messages");
  close(log_fd);
  enc->log_path_ = tmpl;

  char rate[32];
  std::snprintf(rate, sizeof rate, "%.6g", s.fps);
  std::vector<std::string> argv = {s.ffmpeg, "-hide_banner", "-nostats", "-loglevel", "error", "-y",
                                   "-f", "rawvideo", "-pix_fmt", "bgr0",
                                   "-video_size", std::to_string(s.width) + "x" + std::to_string(s.height),
                                   "-framerate", rate, "-i", "pipe:0",
                                   "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
                                   "-c:v", choice->name};
  argv.insert(argv.end(), choice->args.begin(), choice->args.end());
  for (const char* a : {"-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range",
                        "tv", "-movflags", "+faststart", "-f", "mp4"}) {
    argv.push_back(a);
  }
  argv.push_back("file:" + s.output);  // "file:" so that a name like "-x" or "a:b" is a plain file
  PANIC_ASSIGN_OR_RETURN(SpawnedProcess proc, SpawnWithStdinPipe(argv, enc->log_path_));
  enc->pid_ = proc.pid;
  enc->stdin_fd_ = proc.stdin_fd;
  return enc;
}

FfmpegEncoder::~FfmpegEncoder() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    WaitForExit(pid_);
  }
  if (!log_path_.empty()) std::filesystem::remove(log_path_);
}

Status FfmpegEncoder::Failure(const std::string& what) {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  stdin_fd_ = -1;
  int code = pid_ > 0 ? WaitForExit(pid_) : -1;
  pid_ = -1;
  std::string log = ReadTail(log_path_);
  return Status::IOError(what + " (ffmpeg " + encoder_ + " exited with " + std::to_string(code) + ")" +
                         (log.empty() ? "" : ": " + log));
}

Status FfmpegEncoder::WriteFrame(const unsigned char* data, int stride) {
  if (stdin_fd_ < 0) return Status::IOError("the encoder is closed");
  const size_t row = static_cast<size_t>(settings_.width) * 4;
  const unsigned char* bytes = data;
  if (static_cast<size_t>(stride) != row) {
    packed_.resize(row * settings_.height);
    for (int y = 0; y < settings_.height; ++y) std::memcpy(&packed_[y * row], data + static_cast<size_t>(y) * stride, row);
    bytes = packed_.data();
  }
  if (!WriteAll(stdin_fd_, bytes, row * settings_.height)) {
    return Failure(std::string("ffmpeg stopped reading frames: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status FfmpegEncoder::Finish() {
  if (pid_ < 0) return Status::IOError("the encoder has already finished");
  close(stdin_fd_);
  stdin_fd_ = -1;
  int code = WaitForExit(pid_);
  pid_ = -1;
  if (code != 0) {
    std::string log = ReadTail(log_path_);
    return Status::IOError("ffmpeg " + encoder_ + " failed with exit code " + std::to_string(code) +
                           (log.empty() ? "" : ": " + log));
  }
  return Status::Ok();
}

}  // namespace panic::exporting
