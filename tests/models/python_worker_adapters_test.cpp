// The Python worker's own unit tests (tests/python), run by Debian's /usr/bin/python3
// with its CPU torch: every real model's adapter against stand-ins of the diffusers,
// transformers and sentence-transformers API it calls (repository, revision, dtype,
// steps, guidance, size, per-item seeding, decoding, prefix, pooling, normalisation,
// truncation), the GPU residency pool (swapping a network larger than the GPU, OOM
// retry, release), and the request loop's error classes.
#include <gtest/gtest.h>

#include "models/python_worker_test_support.h"

namespace panic::models::python {
namespace {

TEST(PythonWorkerAdaptersTest, PythonUnitTestsPass) {
  if (!panic::testing::HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  if (panic::testing::RunShell("/usr/bin/python3 -c 'import torch'").exit_code != 0) {
    GTEST_SKIP() << "needs Debian's python3-torch";
  }
  // The tests import the worker from python/ and their stand-ins from their own folder.
  const auto r = panic::testing::RunShell("cd " + panic::testing::ShellQuote(panic::testing::SourcePath("")) +
                                          " && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=python /usr/bin/python3 -m unittest"
                                          " discover -v -s tests/python -t tests/python 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\nOK"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace panic::models::python
