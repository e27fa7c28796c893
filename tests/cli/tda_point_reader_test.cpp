// The point-cloud reader of `tda ph` on its own: files that are not regular files, the
// size limits, and the NPY path's shape checks (issue 9 §3).
#include "panic/cli/tda_point_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "panic/store/npy_codec.h"
#include "support/test_support.h"

namespace panic::cli {
namespace {

using testing::TempDir;

void ExpectInvalid(const Result<PointFile>& r, const std::string& what) {
  ASSERT_FALSE(r.ok()) << "accepted: " << what;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
}

TEST(TdaPointReaderTest, DirectoriesAndFifosAreNamedNotOpened) {
  TempDir dir;
  ExpectInvalid(ReadPointFile(dir.path().string()), "is a directory");
  const std::string fifo = dir.File("points.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ExpectInvalid(ReadPointFile(fifo), "is a FIFO");  // would block forever if opened
  auto missing = ReadPointFile(dir.File("missing.csv"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto whole = ReadWholeFile(dir.path().string(), 100);
  EXPECT_EQ(whole.status().code(), StatusCode::kInvalidArgument);
  testing::WriteFile(dir.File("big.npz"), std::string(101, 'x'));
  whole = ReadWholeFile(dir.File("big.npz"), 100);
  ASSERT_FALSE(whole.ok());
  EXPECT_NE(whole.status().message().find("101 bytes, at most 100 allowed"), std::string::npos);
}

TEST(TdaPointReaderTest, TextValuesAreCheckedWithLineAndColumn) {
  auto r = DecodePointBytes("1 2\n3 4\n", "t");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->n, 2u);
  EXPECT_EQ(r->values, (std::vector<float>{1, 2, 3, 4}));
  ExpectInvalid(DecodePointBytes("1 2\n3 inf\n", "t"), "t: line 2, column 3: inf is not a finite number");
  ExpectInvalid(DecodePointBytes("1 2\n-nan 4\n", "t"), "line 2, column 1: -nan is not a finite number");
  ExpectInvalid(DecodePointBytes("1 2\n3 4x\n", "t"), "line 2, column 3: '4x' is not a number");
  ExpectInvalid(DecodePointBytes("\n# only a comment\n", "t"), "no points");
}

TEST(TdaPointReaderTest, TextBeyondTheLimitsIsRefused) {
  std::string wide;
  for (size_t i = 0; i <= kMaxPointColumns; ++i) wide += "0 ";
  ExpectInvalid(DecodePointBytes(wide, "t"), "more than 65536 values on one line");
  std::string tall;
  tall.reserve((kMaxPointRows + 1) * 2);
  for (size_t i = 0; i <= kMaxPointRows; ++i) tall += "0\n";
  ExpectInvalid(DecodePointBytes(tall, "t"), "more than 1048576 points");
}

TEST(TdaPointReaderTest, NpyShapesAreCheckedBeforeUse) {
  auto npy = [](const std::string& shape, size_t data_bytes) {
    std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
    h += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(h.size() & 0xff);
    out += static_cast<char>(h.size() >> 8);
    return out + h + std::string(data_bytes, '\0');
  };
  // Issue 9 §3: (32, 2^59) with no data wrapped to 0 elements and crashed `tda ph`.
  ExpectInvalid(DecodePointBytes(npy("(32, 576460752303423488)", 0), "p.npy"), "p.npy");
  ExpectInvalid(DecodePointBytes(npy("(4294967296, 4294967296)", 0), "p.npy"), "more elements than memory");
  ExpectInvalid(DecodePointBytes(npy("(0, 3)", 0), "p.npy"), "no points");
  ExpectInvalid(DecodePointBytes(npy("(1, 70000)", 280000), "p.npy"), "at most 1048576 points of at most 65536");
  auto ok = DecodePointBytes(npy("(2, 2)", 16), "p.npy");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->n, 2u);
  EXPECT_EQ(ok->dim, 2u);
}

}  // namespace
}  // namespace panic::cli
