// Diagram NPZ codec: our blob opens with numpy.load(io.BytesIO(blob)) with the
// reference's keys and dtypes; we read numpy.savez_compressed archives, including the
// reference's legacy gens_* keys; and damaged archives are reported.
#include "panic/store/npz_codec.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cmath>
#include <limits>

#include "store/zip_craft_helpers.h"
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

// The peak resident size of this process so far, in bytes.
uint64_t PeakRss() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<uint64_t>(u.ru_maxrss) * 1024;
}

void ExpectCode(std::string_view bytes, StatusCode code, const std::string& what) {
  auto r = DecodeNpz(bytes);
  ASSERT_FALSE(r.ok()) << "accepted: " << what;
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
}

// Issue 9 §3: a 98-byte zip64 file whose central directory offset is near 2^64 made
// `pos + n > size` wrap and read far outside the buffer.
TEST(NpzCodecTest, Zip64EndRecordWithAWrappingOffsetIsCorruption) {
  for (uint64_t offset : {~uint64_t{0} - 10, ~uint64_t{0} - 45, uint64_t{1} << 63, uint64_t{40}}) {
    for (uint64_t entries : {uint64_t{1}, ~uint64_t{0}}) {
      std::string zip = testing::CraftZip64EndOnly(offset, entries);
      ASSERT_EQ(zip.size(), 98u);
      auto r = DecodeNpz(zip);
      ASSERT_FALSE(r.ok()) << offset << " " << entries;
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
    }
  }
}

std::string FloatNpy(uint64_t elements) {
  return EncodeNpy(NpyArray{NpyDtype::kFloat32, {static_cast<size_t>(elements)}, ""});
}

// Issue 9 §3: a member that declares 4 GB (or 2^40, or ~2^64 through zip64) in a
// ~540-byte archive was allocated whole before inflating.
TEST(NpzCodecTest, DeclaredSizesBeyondTheCapsAreRefusedBeforeAllocating) {
  const uint64_t before = PeakRss();
  for (uint64_t declared : {uint64_t{0xfffffffe}, uint64_t{1} << 40, ~uint64_t{0} - 7}) {
    testing::CraftedMember m = testing::HonestMember("dgms_0.npy", EncodeNpy(MakeNpyFloat32({0, 1}, {1, 2})), true);
    m.size = declared;
    m.zip64 = declared >= 0xffffffffu;
    std::string zip = testing::CraftZip({m});
    EXPECT_LT(zip.size(), 600u);
    auto r = DecodeNpz(zip);
    ASSERT_FALSE(r.ok()) << declared;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().ToString();
  }
  EXPECT_LT(PeakRss() - before, uint64_t{64} << 20) << "a declared size was allocated";
}

// Issue 9 §3: a 1 MB archive inflating to 1 GiB was accepted (3.15 GB peak). Honestly
// declared, it is refused by its declaration; declared small, inflating stops at the
// declared size.
TEST(NpzCodecTest, AnArchiveThatInflatesAThousandFoldIsRefused) {
  const uint64_t zeros = uint64_t{1} << 30;
  const std::string header = FloatNpy(zeros / 4).substr(0, 128);
  uint32_t crc = 0;
  testing::CraftedMember m;
  m.name = "dgms_0.npy";
  m.method = 8;
  m.payload = testing::DeflateZeros(header, zeros, &crc);
  m.crc = crc;
  m.size = header.size() + zeros;
  std::string honest = testing::CraftZip({m});
  EXPECT_LT(honest.size(), size_t{2} << 20);
  const uint64_t before = PeakRss();
  ExpectCode(honest, StatusCode::kCorruption, "declares");
  m.size = 4096;  // a lie: the stream goes on for 1 GiB
  ExpectCode(testing::CraftZip({m}), StatusCode::kCorruption, "dgms_0.npy");
  m.size = header.size() + zeros;
  m.zip64 = true;
  ExpectCode(testing::CraftZip({m}), StatusCode::kCorruption, "declares");
  EXPECT_LT(PeakRss() - before, uint64_t{64} << 20) << "the inflated member was held in memory";
}

TEST(NpzCodecTest, ReadsHonestDeflatedAndZip64Members) {
  const std::string dgm = EncodeNpy(MakeNpyFloat32({0, 1, 0.5f, kInf}, {2, 2}));
  testing::CraftedMember deflated = testing::HonestMember("dgms_0.npy", dgm, true);
  testing::CraftedMember zip64 = testing::HonestMember("dgms_1.npy", dgm, false);
  zip64.zip64 = true;
  testing::CraftedMember other = testing::HonestMember("notes.txt", "not an array", false);
  auto d = DecodeDiagramNpz(testing::CraftZip({deflated, zip64, other}));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->diagram.num_dimensions(), 2u);
  EXPECT_EQ(d->diagram.dimensions[1], (tda::Bars{Bar{0, 1}, Bar{0.5f, kInf}}));
}

TEST(NpzCodecTest, SizesThatDisagreeWithTheDataAreCorruption) {
  const std::string dgm = EncodeNpy(MakeNpyFloat32({0, 1}, {1, 2}));
  for (bool deflate : {false, true}) {
    testing::CraftedMember m = testing::HonestMember("dgms_0.npy", dgm, deflate);
    m.size += 5;
    EXPECT_FALSE(DecodeNpz(testing::CraftZip({m})).ok()) << deflate;
    m.size -= 10;
    EXPECT_FALSE(DecodeNpz(testing::CraftZip({m})).ok()) << deflate;
  }
  testing::CraftedMember bzip = testing::HonestMember("dgms_0.npy", dgm, false);
  bzip.method = 12;
  ExpectCode(testing::CraftZip({bzip}), StatusCode::kInvalidArgument, "compression method 12");
}

// Issue 9 §3: diagrams with NaN bars, a −inf birth or death < birth were accepted and
// gave numbers.
TEST(NpzCodecTest, InvalidBarsAreRefused) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    std::vector<float> bars;
    std::string what;
  };
  for (const Case& c : {Case{{0, 1, nan, 2}, "H0 bar 1 (nan, 2): the birth must be finite"},
                        Case{{0, nan}, "H0 bar 0 (0, nan): the death must be a number"},
                        Case{{-kInf, 1}, "H0 bar 0 (-inf, 1): the birth must be finite"},
                        Case{{kInf, kInf}, "the birth must be finite"},
                        Case{{0.5f, 0.25f}, "H0 bar 0 (0.5, 0.25): the death must not precede the birth"},
                        Case{{0, -kInf}, "the death must not precede the birth"}}) {
    NpzArchive a;
    a["dgms_0"] = MakeNpyFloat32(c.bars, {c.bars.size() / 2, 2});
    auto r = DecodeDiagramNpz(EncodeNpz(a));
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find(c.what), std::string::npos) << r.status().message();
  }
  NpzArchive zero_length;  // birth == death is allowed (gudhi writes such bars)
  zero_length["dgms_0"] = MakeNpyFloat32({0.5f, 0.5f, 0, kInf}, {2, 2});
  EXPECT_TRUE(DecodeDiagramNpz(EncodeNpz(zero_length)).ok());
}

}  // namespace
}  // namespace panic::store
