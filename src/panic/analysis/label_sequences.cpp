#include "panic/analysis/label_sequences.h"

#include <algorithm>
#include <map>
#include <utility>

namespace panic::analysis {

namespace internal {

std::vector<std::vector<size_t>> CountedPieces(LabelSequence labels, OutlierHandling outliers) {
  std::vector<std::vector<size_t>> pieces(1);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == kOutlierLabel && outliers != OutlierHandling::kInclude) {
      if (outliers == OutlierHandling::kBreak && !pieces.back().empty()) pieces.emplace_back();
      continue;
    }
    pieces.back().push_back(i);
  }
  if (pieces.back().empty()) pieces.pop_back();
  return pieces;
}

}  // namespace internal

const char* OutlierHandlingName(OutlierHandling outliers) {
  switch (outliers) {
    case OutlierHandling::kInclude: return "include";
    case OutlierHandling::kSkip: return "skip";
    case OutlierHandling::kBreak: return "break";
  }
  return "unknown";
}

std::vector<LabelRun> RunLengths(LabelSequence labels, OutlierHandling outliers) {
  std::vector<LabelRun> runs;
  for (const auto& piece : internal::CountedPieces(labels, outliers)) {
    for (size_t k = 0; k < piece.size(); ++k) {
      int64_t label = labels[piece[k]];
      if (k > 0 && runs.back().label == label) {
        ++runs.back().length;
      } else {
        runs.push_back(LabelRun{label, 1, piece[k]});
      }
    }
  }
  return runs;
}

namespace {

void AddBigrams(LabelSequence labels, OutlierHandling outliers, bool self_transitions,
                std::map<std::pair<int64_t, int64_t>, uint64_t>& counts) {
  for (const auto& piece : internal::CountedPieces(labels, outliers)) {
    for (size_t k = 1; k < piece.size(); ++k) {
      int64_t from = labels[piece[k - 1]], to = labels[piece[k]];
      if (from == to && !self_transitions) continue;
      ++counts[{from, to}];
    }
  }
}

std::vector<Bigram> ToBigrams(const std::map<std::pair<int64_t, int64_t>, uint64_t>& counts) {
  std::vector<Bigram> out;
  out.reserve(counts.size());
  for (const auto& [key, count] : counts) out.push_back(Bigram{key.first, key.second, count});
  return out;
}

}  // namespace

std::vector<Bigram> CountBigrams(LabelSequence labels, OutlierHandling outliers,
                                 bool self_transitions) {
  std::map<std::pair<int64_t, int64_t>, uint64_t> counts;
  AddBigrams(labels, outliers, self_transitions, counts);
  return ToBigrams(counts);
}

std::vector<Bigram> CountBigrams(std::span<const LabelSequence> runs, OutlierHandling outliers,
                                 bool self_transitions) {
  std::map<std::pair<int64_t, int64_t>, uint64_t> counts;
  for (LabelSequence run : runs) AddBigrams(run, outliers, self_transitions, counts);
  return ToBigrams(counts);
}

std::vector<RankedLabel> TopLabels(std::span<const LabelSequence> runs, size_t n,
                                   OutlierHandling outliers) {
  std::map<int64_t, uint64_t> counts;
  uint64_t total = 0;
  for (LabelSequence run : runs) {
    for (int64_t label : run) {
      if (label == kOutlierLabel && outliers != OutlierHandling::kInclude) continue;
      ++counts[label];
      ++total;
    }
  }
  std::vector<RankedLabel> ranked;
  for (const auto& [label, count] : counts) {
    ranked.push_back(RankedLabel{label, count, 0, static_cast<double>(count) / static_cast<double>(total)});
  }
  std::sort(ranked.begin(), ranked.end(), [](const RankedLabel& a, const RankedLabel& b) {
    return a.count != b.count ? a.count > b.count : a.label < b.label;
  });
  std::vector<RankedLabel> out;
  size_t rank = 0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (i == 0 || ranked[i].count != ranked[i - 1].count) ++rank;
    if (rank > n) break;
    ranked[i].rank = rank;
    out.push_back(ranked[i]);
  }
  return out;
}

const char* InitialReturnName(InitialReturn r) {
  switch (r) {
    case InitialReturn::kNoLabels: return "no_labels";
    case InitialReturn::kStayed: return "stayed";
    case InitialReturn::kLeft: return "left";
    case InitialReturn::kReturned: return "returned";
  }
  return "unknown";
}

InitialReturn ClassifyInitialReturn(LabelSequence labels, OutlierHandling outliers) {
  bool started = false, left = false;
  int64_t initial = 0;
  for (int64_t label : labels) {
    if (label == kOutlierLabel && outliers != OutlierHandling::kInclude) continue;
    if (!started) {
      started = true;
      initial = label;
    } else if (label != initial) {
      left = true;
    } else if (left) {
      return InitialReturn::kReturned;
    }
  }
  if (!started) return InitialReturn::kNoLabels;
  return left ? InitialReturn::kLeft : InitialReturn::kStayed;
}

ReturnSummary SummarizeInitialReturns(std::span<const LabelSequence> runs,
                                      OutlierHandling outliers) {
  ReturnSummary s;
  s.runs = runs.size();
  for (LabelSequence run : runs) {
    switch (ClassifyInitialReturn(run, outliers)) {
      case InitialReturn::kNoLabels: break;
      case InitialReturn::kStayed: ++s.stayed; break;
      case InitialReturn::kLeft: ++s.left; break;
      case InitialReturn::kReturned: ++s.returned; break;
    }
  }
  s.labelled = s.stayed + s.left + s.returned;
  if (s.labelled > 0) s.share_returned = static_cast<double>(s.returned) / static_cast<double>(s.labelled);
  if (s.left + s.returned > 0) {
    s.share_returned_of_left = static_cast<double>(s.returned) / static_cast<double>(s.left + s.returned);
  }
  return s;
}

}  // namespace panic::analysis
