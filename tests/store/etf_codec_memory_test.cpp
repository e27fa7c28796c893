// store::DecodeEtf's memory follows the terms it reads, not the counts a blob declares
// (issue 9 §3). A list's count was checked only against the bytes left, and room for that
// many terms (~100 bytes each) was reserved at once: 2 MiB of bytes declaring 2²¹-element
// lists nested 64 deep reserved ~14 GB before the first element failed to decode.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <new>
#include <string>

#include "panic/store/etf_codec.h"

#if defined(__SANITIZE_ADDRESS__)
#define PANIC_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PANIC_TEST_UNDER_ASAN 1
#endif
#endif

namespace panic::store {
namespace {

std::string ListHeader(uint32_t count) {
  std::string h(1, static_cast<char>(108));  // LIST_EXT
  for (int shift = 24; shift >= 0; shift -= 8) h.push_back(static_cast<char>((count >> shift) & 0xff));
  return h;
}

// 131, then `depth` lists each declaring `count` elements, the innermost holding an element
// of tag 0 (not in the subset) after enough zero bytes for every count to pass the bytes-left
// check.
std::string NestedLists(int depth, uint32_t count) {
  std::string b(1, static_cast<char>(131));
  for (int i = 0; i < depth; ++i) b += ListHeader(count);
  b.append(static_cast<size_t>(count) + 1, '\0');
  return b;
}

#ifndef PANIC_TEST_UNDER_ASAN
// The process's address space now, in bytes (/proc/self/statm: pages).
uint64_t AddressSpaceBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}
#endif

TEST(EtfMemoryTest, AListDeclaringMoreThanTheTermLimitIsRefusedByName) {
  const uint32_t count = static_cast<uint32_t>(kMaxEtfTerms) + 1;
  auto r = DecodeEtf(NestedLists(1, count));
  ASSERT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("more than the limit of " + std::to_string(kMaxEtfTerms) + " terms"),
            std::string::npos)
      << r.status().message();
}

// In a child whose address space may grow by only 1 GiB: 64 nested lists each declaring
// kMaxEtfTerms elements are a Corruption error, not std::bad_alloc. Before the fix each level reserved kMaxEtfTerms × sizeof(EtfTerm) ≈ 218 MB.
TEST(EtfMemoryTest, DeclaredCountsNestedToTheDepthLimitDoNotReserveMemory) {
#ifdef PANIC_TEST_UNDER_ASAN
  GTEST_SKIP() << "an address-space limit and ASan's shadow memory do not mix; the fuzz run's "
                  "-malloc_limit_mb covers this under ASan";
#else
  const std::string blob = NestedLists(kMaxEtfDepth, static_cast<uint32_t>(kMaxEtfTerms));
  ASSERT_LE(blob.size(), kMaxEtfBytes);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlim_t limit = AddressSpaceBytes() + (rlim_t{1} << 30);
    const rlimit rl{limit, limit};
    if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(3);
    // The child must end here whatever happens (never return into GoogleTest).
    Result<EtfTerm> r = Status::Internal("not decoded");
    try {
      r = DecodeEtf(blob);
    } catch (const std::bad_alloc&) {
      _exit(2);
    } catch (...) {
      _exit(4);
    }
    if (!r.ok() && r.status().code() == StatusCode::kCorruption &&
        r.status().message().find("tag 0") != std::string::npos) {
      _exit(0);
    }
    std::fprintf(stderr, "DecodeEtf under the limit: %s\n", r.ok() ? "ok" : r.status().ToString().c_str());
    _exit(1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the decoder died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: not the Corruption error for tag 0 (see stderr); 2: std::bad_alloc "
                                       "under the address-space limit; 3: setrlimit failed; 4: another exception";
#endif
}

}  // namespace
}  // namespace panic::store
