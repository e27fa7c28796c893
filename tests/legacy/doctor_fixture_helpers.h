// The healthy database both doctor suites damage (doctor_test.cpp, doctor_kill_test.cpp): a
// small seeded dummy-model experiment (3 runs × 10 steps, two embedding models, diagrams),
// and what the suites compare databases by.
#pragma once

#include <string>

namespace panic::testing::doctor {

// Every step, vector and diagram of the database's runs, and its experiments' completion, as
// text: what a healthy and a repaired database must agree on (the dummy models recompute a
// seeded run's steps exactly).
std::string Content(const std::string& db);

// Runs the experiment into `path` (its config written into `dir`) and checkpoints it, so that
// the file alone holds everything and can be copied. Returns the error, empty on success.
std::string MakeHealthyDatabase(const std::string& dir, const std::string& path);

}  // namespace panic::testing::doctor
