// The messages between rank 0 and the worker ranks of `experiment run|resume --mpi`
// (docs/MPI.md), as bytes. One message is one worker frame (models/python/frame_codec.h:
// a bounds-checked, size-capped, fuzzed prefix + JSON header + binary blobs): small fields
// go in the header, texts, images (encoded as stored), vectors (raw float32) and NPZ
// diagrams as blobs, never base64.
//
//   hello   rank 0 → worker: the experiment's options (the backends' settings) and threads
//   memory  worker → rank 0: the answer to hello, the memory the worker can use
//           (rank_memory.h); output and error carry it again, as measured after the unit
//   unit    rank 0 → worker: a ticket, a stage name and one work unit of that stage
//   output  worker → rank 0: the ticket and the unit's output
//   busy    worker → rank 0: the ticket it is still executing (a heartbeat, every second)
//   error   worker → rank 0: the ticket and why Execute failed (the pipeline stops on it)
//   release rank 0 → worker: release your models (a release point: the runs stage's end
//           of a network group); no answer
//   stop    rank 0 → worker: no more work; the worker answers bye and ends
//
// Stages whose units travel: runs (a step of a chunk of runs: inputs out, invocations
// back), embeddings and diagrams (kShippedStages); the others run on rank 0. Every decoder checks every field's presence and type, every blob index and every
// length (overflow-proof) and answers Corruption naming what is wrong; it never trusts a
// count to reserve memory beyond the bytes received.
#pragma once

#include <any>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "panic/core/status.h"

namespace panic::mpi {

inline constexpr const char* kShippedStages[] = {"runs", "embeddings", "diagrams"};
bool IsShippedStage(const std::string& stage);

enum class MessageType { kHello, kUnit, kOutput, kBusy, kError, kStop, kBye, kRelease, kMemory };

struct Message {
  MessageType type = MessageType::kStop;
  uint64_t ticket = 0;
  std::string stage;                  // unit, output
  std::any payload;                   // unit: the stage's Unit; output: its Output
  nlohmann::json options;             // hello: the experiment's options object
  int threads = 1;                    // hello
  std::string error;                  // error
  int64_t items = 0;                  // unit/output: items inside (for the byte statistics)
  uint64_t memory = 0;                // memory, output, error: bytes the worker can use
};

// The bytes of `m`. InvalidArgument for a stage that does not travel or a payload of the
// wrong type.
Result<std::string> EncodeMessage(const Message& m);
// A message from bytes received from another rank. Corruption for anything malformed.
Result<Message> DecodeMessage(std::string_view bytes);

}  // namespace panic::mpi
