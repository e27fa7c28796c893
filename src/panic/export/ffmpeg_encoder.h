// A video encoder that is Debian's `ffmpeg` command: raw frames (bgr0, what a cairo
// RGB24 surface holds) go down a pipe to its stdin, so no frame touches the disk and
// only the frame being written is in memory.
//
// The MP4s play in browsers: yuv420p with BT.709 matrix, primaries and transfer (the
// RGB → YUV conversion itself is told to use BT.709, not swscale's BT.601 default),
// limited range, and the index moved to the front (+faststart).
//
// Codecs: h264 → libx264 (preset medium, CRF 20), h265 → libx265 (preset fast, CRF 24,
// tagged hvc1 for Safari), av1 → libsvtav1 (preset 8, CRF 35; libaom-av1 when the build
// lacks SVT-AV1).
//
// Thread safety: one thread at a time.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "panic/core/status.h"

namespace panic::exporting {

struct EncoderSettings {
  std::string codec = "h264";  // h264 | h265 | av1
  int width = 0;
  int height = 0;
  double fps = 2;
  std::string output;              // the .mp4 path
  std::string ffmpeg = "ffmpeg";   // the program, found on PATH
};

// InvalidArgument for a codec name other than h264, h265, av1.
Status ValidateCodec(const std::string& codec);

// The encoders this ffmpeg offers (`ffmpeg -encoders`), e.g. "libx264". IOError when it
// cannot be run.
Result<std::vector<std::string>> ListFfmpegEncoders(const std::string& ffmpeg);

class FfmpegEncoder {
 public:
  // Starts ffmpeg. InvalidArgument for bad settings (codec, odd or zero size, fps ≤ 0);
  // IOError when ffmpeg is missing or lacks the codec's encoder.
  static Result<std::unique_ptr<FfmpegEncoder>> Start(const EncoderSettings& settings);
  ~FfmpegEncoder();  // kills ffmpeg if Finish was not called
  FfmpegEncoder(const FfmpegEncoder&) = delete;
  FfmpegEncoder& operator=(const FfmpegEncoder&) = delete;

  // One frame: height rows of width × 4 bytes (B, G, R, X), `stride` bytes apart.
  // IOError (with ffmpeg's own message) when ffmpeg has stopped.
  Status WriteFrame(const unsigned char* data, int stride);
  // Closes the pipe and waits; IOError with ffmpeg's message when it failed.
  Status Finish();
  // The encoder ffmpeg was asked for, e.g. "libsvtav1".
  const std::string& encoder() const { return encoder_; }

 private:
  FfmpegEncoder() = default;
  Status Failure(const std::string& what);
  EncoderSettings settings_;
  std::string encoder_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string log_path_;  // ffmpeg's stderr, read back on failure
  std::vector<unsigned char> packed_;  // a frame without stride padding
};

}  // namespace panic::exporting
