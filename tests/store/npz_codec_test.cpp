// Diagram NPZ codec: our blob opens with numpy.load(io.BytesIO(blob)) with the
// reference's keys and dtypes; we read numpy.savez_compressed archives, including the
// reference's legacy gens_* keys; and damaged archives are reported.
#include "panic/store/npz_codec.h"

#include <gtest/gtest.h>

#include <limits>

#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::RunShell;
using testing::TempDir;
using tda::Bar;

constexpr float kInf = std::numeric_limits<float>::infinity();

tda::Diagram Sample() {
  return tda::Diagram{{{Bar{0, 0.5f}, Bar{0, 1.25f}, Bar{0, kInf}}, {Bar{0.75f, 1.0f}}, {}}};
}

TEST(NpzCodecTest, RoundTrips) {
  std::string blob = EncodeDiagramNpz(Sample(), {0.5f, 0.0f, 0.0f});
  auto back = DecodeDiagramNpz(blob);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->diagram, Sample());
  EXPECT_EQ(back->entropy, (std::vector<float>{0.5f, 0.0f, 0.0f}));
}

TEST(NpzCodecTest, NumpyLoadsOurBlob) {
  if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
  TempDir dir;
  testing::WriteFile(dir.File("d.npz"), EncodeDiagramNpz(Sample(), {0.5f, 0.0f, 0.0f}));
  auto r = RunShell(
      "/usr/bin/python3 -c \"import io, numpy as np\n"
      "z = np.load(io.BytesIO(open('" + dir.File("d.npz") + "', 'rb').read()))\n"
      "print(sorted(z.keys()))\n"
      "print(z['dgms_0'].dtype, z['dgms_0'].shape, z['dgms_0'][2, 1], z['dgms_1'].tolist())\n"
      "print(z['dgms_2'].shape, z['dgms_count'].dtype, z['dgms_count'].tolist(), z['entropy'].dtype, z['entropy'].tolist())\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "['dgms_0', 'dgms_1', 'dgms_2', 'dgms_count', 'entropy']\n"
            "float32 (3, 2) inf [[0.75, 1.0]]\n"
            "(0, 2) int64 [3] float32 [0.5, 0.0, 0.0]\n");
}

TEST(NpzCodecTest, ReadsCompressedReferenceArchivesIgnoringGenerators) {
  if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
  TempDir dir;
  auto r = RunShell(
      "/usr/bin/python3 -c \"import numpy as np\n"
      "d0 = np.array([[0, 0.5], [0, np.inf]], dtype=np.float32)\n"
      "d1 = np.array([[0.25, 0.75]], dtype=np.float32)\n"
      "np.savez_compressed('" + dir.File("ref.npz") + "', dgms_0=d0, dgms_1=d1, dgms_count=np.array([2]),\n"
      "  entropy=np.array([0.1, 0.2], dtype=np.float32), gens_0=np.zeros((1, 3), dtype=np.int64),\n"
      "  gens_1_0=np.zeros((0, 4), dtype=np.int64), gens_1_count=np.array([1]))\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto d = DecodeDiagramNpz(testing::ReadFile(dir.File("ref.npz")));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->diagram, (tda::Diagram{{{Bar{0, 0.5f}, Bar{0, kInf}}, {Bar{0.25f, 0.75f}}}}));
  EXPECT_EQ(d->entropy, (std::vector<float>{0.1f, 0.2f}));
}

TEST(NpzCodecTest, ReportsDamage) {
  std::string blob = EncodeDiagramNpz(Sample(), {});
  EXPECT_EQ(DecodeDiagramNpz("PK but not really").status().code(), StatusCode::kCorruption);
  std::string flipped = blob;
  flipped[100] ^= 0x5a;  // inside the first member's data: CRC mismatch
  auto r = DecodeDiagramNpz(flipped);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("CRC"), std::string::npos) << r.status().message();
  NpzArchive missing;
  missing["dgms_count"] = MakeNpyInt64({2}, {1});
  missing["dgms_0"] = MakeNpyFloat32({0, 1}, {1, 2});
  r = DecodeDiagramNpz(EncodeNpz(missing));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("dgms_1"), std::string::npos);
}

}  // namespace
}  // namespace panic::store
