// The progress lines of a non-terminal (logs, CI): a stage's pass that ends again with the
// same counts is not printed twice. `experiment run` printed "embeddings: 2370/2370 …" and
// "diagrams: 54/54 …" twice each: their follower passes during the runs stage end the work,
// then their own passes end with nothing left.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "panic/cli/progress_printer.h"

namespace panic::cli {
namespace {

engine::ProgressEvent Finished(const std::string& stage, int64_t done, int64_t total) {
  engine::ProgressEvent e;
  e.stage = stage;
  e.unit = "items";
  e.done = done;
  e.total = total;
  e.done_this_session = done;
  e.finished = true;
  e.eta_s = 0;
  return e;
}

int Lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

TEST(ProgressPrinterTest, AStageThatEndsTwiceWithTheSameCountsIsPrintedOnce) {
  for (bool terminal : {false, true}) {
    std::ostringstream os;
    ProgressPrinter printer(os, terminal);
    printer(Finished("embeddings", 2370, 2370));
    printer(Finished("embeddings", 2370, 2370));
    printer(Finished("diagrams", 54, 54));
    printer(Finished("diagrams", 54, 54));
    EXPECT_EQ(Lines(os.str()), 2) << os.str();
    // Other counts are news: printed.
    printer(Finished("diagrams", 60, 60));
    printer(Finished("embeddings", 2370, 2370));
    EXPECT_EQ(Lines(os.str()), 4) << os.str();
  }
}

// A new stage's first event is printed at once; when it already has every unit done, the
// pass's end that follows adds nothing (in a log; on a terminal it ends the redrawn line).
TEST(ProgressPrinterTest, TheEndOfAPassThatAddsNothingIsNotPrintedAgain) {
  std::ostringstream log;
  ProgressPrinter printer(log, false);
  engine::ProgressEvent e = Finished("embeddings", 2370, 2370);
  e.finished = false;
  printer(e);
  printer(Finished("embeddings", 2370, 2370));
  EXPECT_EQ(Lines(log.str()), 1) << log.str();
  std::ostringstream tty;
  ProgressPrinter bar(tty, true);
  bar(e);
  bar(Finished("embeddings", 2370, 2370));
  EXPECT_EQ(Lines(tty.str()), 1) << tty.str();  // the bar, then its end with a newline
}

// An export's counts get a rate and an ETA once a count follows the first ("video: 61/100
// frames (61.0%), 12/s, ETA ?" was printed to the end of every export).
TEST(ProgressPrinterTest, CountsGetAnEtaAfterTheFirst) {
  std::ostringstream tty;
  ProgressPrinter bar(tty, true);
  bar.Count("video", "frames", 1, 100);
  EXPECT_NE(tty.str().find("ETA ?"), std::string::npos) << tty.str();  // nothing measured yet
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past the redraw interval
  bar.Count("video", "frames", 61, 100);
  const std::string last = tty.str().substr(tty.str().rfind("\r"));
  EXPECT_NE(last.find("61/100 frames"), std::string::npos) << last;
  EXPECT_EQ(last.find("ETA ?"), std::string::npos) << last;
  EXPECT_NE(last.find("ETA "), std::string::npos) << last;
}

}  // namespace
}  // namespace panic::cli
