// Test data for the export tests: experiments written straight through the per-table store
// functions, with hostile and non-Latin prompts and captions, and images whose colour says
// which run and step made them (so that a frame's pixels can be checked against what it must show).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "panic/core/image.h"
#include "panic/store/database.h"
#include "panic/store/records.h"

namespace panic::testing {

// Prompts that break naive HTML, shells, fonts and UTF-8 handling.
std::vector<std::string> HostilePrompts();

struct FixtureSpec {
  std::vector<std::string> prompts;
  // The first model of each network draws images (its steps are images), the others caption.
  std::vector<std::vector<std::string>> networks = {{"DummyT2I", "DummyI2T"}};
  std::vector<int64_t> seeds = {1, 2};
  int steps = 6;
  std::map<int64_t, int> stop_after;  // run_number → its number of steps (stopped by duplicate)
  bool finish = true;                 // the other runs stop by length (false: left running)
  int image_size = 32;
  std::vector<std::string> embedding_models = {"DummyText"};
};

struct Fixture {
  store::ExperimentRecord experiment;
  std::vector<store::RunRecord> runs;  // by run_number
};

// The colour of the image of (run_number, step): distinct for the first 256 runs.
RgbImage FixtureImage(int64_t run_number, int64_t step, int size);
std::string FixtureCaption(int64_t run_number, int64_t step);

Fixture BuildExperiment(store::Database& db, const FixtureSpec& spec);

// A word of a PDF page as `pdftotext -bbox` reports it (points, origin top-left; the
// drawings' points are the PNG's pixels).
struct PdfWord {
  std::string text;
  double x_min = 0, y_min = 0, x_max = 0, y_max = 0;
  double cx() const { return (x_min + x_max) / 2; }
  double cy() const { return (y_min + y_max) / 2; }
};
std::vector<PdfWord> PdfWords(const std::string& pdf);
// The text of a PDF as `pdftotext -enc UTF-8` prints it (a failure of pdftotext fails the test).
std::string PdfText(const std::string& pdf);
// The words whose text is exactly `text`, left to right (then top to bottom).
std::vector<PdfWord> WordsNamed(const std::vector<PdfWord>& words, const std::string& text);

// A PNG read back through cairo (a failure to read it fails the test).
RgbImage LoadPng(const std::string& png);
// Pixels that are clearly coloured (channels more than 60 apart: not white, grey or black),
// i.e. a chart's data marks rather than its paper, axes and text.
int64_t ColouredPixels(const RgbImage& img);
int64_t ColouredPixels(const std::string& png);

// Adds, for every run and embedding model of the fixture, a vector per invocation (a
// seeded random walk of `dim` values) and a synthetic persistence diagram (H0, H1 with
// finite bars and one essential H0 bar) with its entropies.
void AddEmbeddingsAndDiagrams(store::Database& db, const Fixture& fixture, int dim = 16);

}  // namespace panic::testing
