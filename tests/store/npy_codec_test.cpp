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
