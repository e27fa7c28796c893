// NPY codec: round trips, numpy as the oracle (both directions), and bad input.
#include "panic/store/npy_codec.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::RunShell;
using testing::TempDir;

TEST(NpyCodecTest, RoundTripsEachDtype) {
  NpyArray f = MakeNpyFloat32({1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f}, {3, 2});
  auto back = DecodeNpy(EncodeNpy(f));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->dtype, NpyDtype::kFloat32);
  EXPECT_EQ(back->shape, (std::vector<size_t>{3, 2}));
  EXPECT_EQ(NpyToFloats(*back), (std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f}));
  NpyArray i = MakeNpyInt64({3}, {1});
  auto ib = DecodeNpy(EncodeNpy(i));
  ASSERT_TRUE(ib.ok());
  EXPECT_EQ(ib->shape, (std::vector<size_t>{1}));
  EXPECT_EQ(NpyToInt64s(*ib), (std::vector<int64_t>{3}));
  NpyArray empty = MakeNpyFloat32({}, {0, 2});
  auto eb = DecodeNpy(EncodeNpy(empty));
  ASSERT_TRUE(eb.ok());
  EXPECT_EQ(eb->shape, (std::vector<size_t>{0, 2}));
}

TEST(NpyCodecTest, DataIsAlignedTo64Bytes) {
  std::string bytes = EncodeNpy(MakeNpyFloat32({1, 2, 3}, {3}));
  EXPECT_EQ((bytes.size() - 12) % kNpyAlignment, 0u);
  EXPECT_EQ(bytes.substr(0, 6), std::string(kNpyMagic));
}

TEST(NpyCodecTest, NumpyReadsOursAndWeReadNumpys) {
  if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
  TempDir dir;
  testing::WriteFile(dir.File("ours.npy"), EncodeNpy(MakeNpyFloat32({1, 2, 3, 4.5f, 5, 6}, {2, 3})));
  auto r = RunShell("/usr/bin/python3 -c \"import numpy as np; a=np.load('" + dir.File("ours.npy") +
                    "'); print(a.dtype, a.shape, a[1,0])\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "float32 (2, 3) 4.5\n");
  r = RunShell("/usr/bin/python3 -c \"import numpy as np; np.save('" + dir.File("f8.npy") +
               "', np.arange(12, dtype='<f8').reshape(4, 3) / 4)\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto a = DecodeNpy(testing::ReadFile(dir.File("f8.npy")));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->dtype, NpyDtype::kFloat64);
  EXPECT_EQ(a->shape, (std::vector<size_t>{4, 3}));
  EXPECT_EQ(NpyToFloats(*a)[5], 1.25f);
}

// An NPY file with the given header dict text and data bytes (version 1.0).
std::string CraftNpy(const std::string& dict, const std::string& data) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

void ExpectInvalid(const std::string& bytes, const std::string& what) {
  auto r = DecodeNpy(bytes);
  ASSERT_FALSE(r.ok()) << "accepted " << what;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
}

// Issue 9 §3: shapes whose element count wraps to 0 (32 · 2^59 = 2^64) or overflows
// (2^32 · 2^32) were accepted with no data; `tda ph` then read past the buffer.
TEST(NpyCodecTest, RejectsShapesWhoseSizeOverflows) {
  ExpectInvalid(CraftNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (32, 576460752303423488), }", ""),
                "more");
  ExpectInvalid(CraftNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", ""),
                "more elements than memory can hold");
  // 2^61 float64 elements: the element count fits, the byte size does not.
  ExpectInvalid(CraftNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }", ""),
                "more bytes than memory can hold");
  // A zero dimension makes the array empty, whatever the others say.
  auto empty = DecodeNpy(CraftNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4294967296), }", ""));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->num_elements(), 0u);
}

TEST(NpyCodecTest, DataLengthMustMatchTheShape) {
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  ASSERT_TRUE(DecodeNpy(CraftNpy(dict, std::string(16, '\0'))).ok());
  ExpectInvalid(CraftNpy(dict, std::string(15, '\0')), "truncated");
  ExpectInvalid(CraftNpy(dict, std::string(17, '\0')), "trailing bytes");
}

TEST(NpyCodecTest, RejectsMalformedHeaders) {
  ExpectInvalid(CraftNpy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", std::string(8, '\0')),
                "fortran_order");
  ExpectInvalid(CraftNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", ""), "malformed shape");
  ExpectInvalid(CraftNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,,), }", ""), "malformed shape");
  ExpectInvalid(CraftNpy("{'descr': '<f4', 'fortran_order': False, 'shape': 2, }", ""), "malformed shape");
  ExpectInvalid(CraftNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", ""),
                "malformed shape");
  std::string many = "(";
  for (int i = 0; i < 65; ++i) many += "1,";
  ExpectInvalid(CraftNpy("{'descr': '<f4', 'fortran_order': False, 'shape': " + many + "), }", ""),
                "more than 64 dimensions");
  // A version 2.0 header claiming 4 GiB in a short file.
  std::string v2("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14);
  ExpectInvalid(v2, "header of 4294967295 bytes");
  std::string v2_short("\x93NUMPY\x02\x00\x00\x01\x00\x00{}", 14);
  ExpectInvalid(v2_short, "truncated header");
}

TEST(NpyCodecTest, RejectsBadInput) {
  auto invalid = [](const std::string& bytes, const std::string& what) {
    auto r = DecodeNpy(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  };
  invalid("not numpy at all", "magic");
  std::string good = EncodeNpy(MakeNpyFloat32({1, 2, 3, 4}, {2, 2}));
  invalid(good.substr(0, good.size() - 3), "truncated");
  std::string fortran = good;
  fortran.replace(fortran.find("False"), 5, "True ");
  invalid(fortran, "Fortran");
  std::string big_endian = good;
  big_endian.replace(big_endian.find("<f4"), 3, ">f4");
  invalid(big_endian, "dtype");
  std::string u8 = good;
  u8.replace(u8.find("<f4"), 3, "|u1");
  invalid(u8, "dtype");
}

}  // namespace
}  // namespace panic::store
