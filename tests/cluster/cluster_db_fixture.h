// A database of stored embeddings for the `cluster run` tests: rows of a point cloud
// spread over experiments, runs and steps (text outputs), each embedded under one model.
#pragma once

#include <string>
#include <vector>

namespace panic::testing {

struct StoredCloud {
  std::vector<std::string> experiment_ids;  // oldest first
  std::vector<std::string> embedding_ids;   // per cloud row, in the scan's order
  std::vector<std::string> run_ids;         // per cloud row
};

// Rows [0, n) go to experiments in order, each experiment's share split into `runs` runs of
// consecutive steps, so reading them back by experiment, run and step gives the rows in
// order. Every step is a text invocation ("caption <row>") embedded under `model`.
StoredCloud StoreCloud(const std::string& db_path, const std::vector<float>& values, size_t n, size_t dim,
                       size_t experiments, size_t runs, const std::string& model);

}  // namespace panic::testing
