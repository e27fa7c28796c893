// The per-stage halves of the MPI message codec (work_codec.h), internal to mpi/: a unit
// and an output of each stage whose units travel, to and from a frame. One file per stage
// (embeddings_codec.cpp, diagrams_codec.cpp, runs_codec.cpp); work_codec.cpp dispatches.
// Encoders return InvalidArgument for what cannot travel; decoders throw codec::Malformed.
// `items` is the number of items inside (for the byte statistics).
#pragma once

#include <any>
#include <cstdint>
#include <vector>

#include "panic/core/status.h"
#include "panic/engine/diagrams_stage.h"
#include "panic/engine/embeddings_stage.h"
#include "panic/engine/runs_stage.h"
#include "panic/mpi/codec_fields.h"

namespace panic::mpi::codec {

Status EncodeEmbeddingUnit(const engine::EmbeddingUnit& u, Frame& f, int64_t& items);
Status EncodeEmbeddingOutput(const engine::EmbeddingOutput& o, Frame& f, int64_t& items);
std::any DecodeEmbeddingUnit(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items);
std::any DecodeEmbeddingOutput(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items);

Status EncodeDiagramUnit(const engine::DiagramUnit& u, Frame& f, int64_t& items);
Status EncodeDiagramOutput(const engine::DiagramOutput& o, Frame& f, int64_t& items);
std::any DecodeDiagramUnit(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items);
std::any DecodeDiagramOutput(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items);

Status EncodeRunStepUnit(const engine::RunStepUnit& u, Frame& f, int64_t& items);
Status EncodeRunStepOutput(const engine::RunStepOutput& o, Frame& f, int64_t& items);
std::any DecodeRunStepUnit(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items);
std::any DecodeRunStepOutput(const json& h, Frame& f, std::vector<bool>& taken, int64_t& items);

}  // namespace panic::mpi::codec
