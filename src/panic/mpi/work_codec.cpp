// The MPI messages (work_codec.h): the message types and their control fields here; the
// units and outputs of each stage in its own file (stage_codecs.h).
#include "panic/mpi/work_codec.h"

#include "panic/mpi/stage_codecs.h"

namespace panic::mpi {

bool IsShippedStage(const std::string& stage) {
  for (const char* s : kShippedStages) {
    if (stage == s) return true;
  }
  return false;
}

namespace {

using namespace codec;

const char* TypeName(MessageType t) {
  switch (t) {
    case MessageType::kHello: return "hello";
    case MessageType::kUnit: return "unit";
    case MessageType::kOutput: return "output";
    case MessageType::kBusy: return "busy";
    case MessageType::kError: return "error";
    case MessageType::kStop: return "stop";
    case MessageType::kBye: return "bye";
    case MessageType::kRelease: return "release";
    case MessageType::kMemory: return "memory";
  }
  return "?";
}

}  // namespace

Result<std::string> EncodeMessage(const Message& m) {
  Frame f;
  f.header["type"] = TypeName(m.type);
  f.header["ticket"] = m.ticket;
  int64_t items = 0;
  try {
    switch (m.type) {
      case MessageType::kHello:
        f.header["options"] = m.options;
        f.header["threads"] = m.threads;
        break;
      case MessageType::kError:
        f.header["error"] = m.error;
        f.header["memory"] = m.memory;
        break;
      case MessageType::kMemory:
        f.header["memory"] = m.memory;
        break;
      case MessageType::kStop:
      case MessageType::kBye:
      case MessageType::kBusy:
      case MessageType::kRelease:
        break;
      case MessageType::kUnit:
      case MessageType::kOutput: {
        f.header["stage"] = m.stage;
        const bool unit = m.type == MessageType::kUnit;
        if (!unit) f.header["memory"] = m.memory;
        Status s = Status::Ok();
        if (m.stage == "embeddings") {
          s = unit ? EncodeEmbeddingUnit(std::any_cast<const engine::EmbeddingUnit&>(m.payload), f, items)
                   : EncodeEmbeddingOutput(std::any_cast<const engine::EmbeddingOutput&>(m.payload), f, items);
        } else if (m.stage == "diagrams") {
          s = unit ? EncodeDiagramUnit(std::any_cast<const engine::DiagramUnit&>(m.payload), f, items)
                   : EncodeDiagramOutput(std::any_cast<const engine::DiagramOutput&>(m.payload), f, items);
        } else if (m.stage == "runs") {
          s = unit ? EncodeRunStepUnit(std::any_cast<const engine::RunStepUnit&>(m.payload), f, items)
                   : EncodeRunStepOutput(std::any_cast<const engine::RunStepOutput&>(m.payload), f, items);
        } else {
          return Status::InvalidArgument("the units of stage '" + m.stage + "' do not travel between ranks");
        }
        PANIC_RETURN_IF_ERROR(s);
        break;
      }
    }
  } catch (const std::bad_any_cast&) {
    return Status::InvalidArgument("a " + std::string(TypeName(m.type)) + " of stage '" + m.stage + "' of the wrong type");
  }
  (void)items;  // the decoder counts them from what it reads
  return models::python::EncodeFrame(f);
}

Result<Message> DecodeMessage(std::string_view bytes) {
  PANIC_ASSIGN_OR_RETURN(Frame f, models::python::DecodeFrame(bytes));
  Message m;
  try {
    const json& h = f.header;
    const std::string type = Str(At(h, "type"));
    m.ticket = Unsigned(At(h, "ticket"));
    std::vector<bool> taken(f.blobs.size(), false);
    if (type == "hello") {
      m.type = MessageType::kHello;
      m.options = At(h, "options");
      if (!m.options.is_object()) throw Malformed{"options is not an object"};
      m.threads = SmallInt(At(h, "threads"), 1, 1024, "threads");
    } else if (type == "error") {
      m.type = MessageType::kError;
      m.error = Str(At(h, "error"));
      m.memory = Unsigned(At(h, "memory"));
    } else if (type == "stop" || type == "bye") {
      m.type = type == "stop" ? MessageType::kStop : MessageType::kBye;
    } else if (type == "busy") {
      m.type = MessageType::kBusy;
    } else if (type == "release") {
      m.type = MessageType::kRelease;
    } else if (type == "memory") {
      m.type = MessageType::kMemory;
      m.memory = Unsigned(At(h, "memory"));
    } else if (type == "unit" || type == "output") {
      m.type = type == "unit" ? MessageType::kUnit : MessageType::kOutput;
      m.stage = Str(At(h, "stage"));
      const bool unit = m.type == MessageType::kUnit;
      if (!unit) m.memory = Unsigned(At(h, "memory"));
      if (m.stage == "embeddings") {
        m.payload = unit ? DecodeEmbeddingUnit(h, f, taken, m.items) : DecodeEmbeddingOutput(h, f, taken, m.items);
      } else if (m.stage == "diagrams") {
        m.payload = unit ? DecodeDiagramUnit(h, f, taken, m.items) : DecodeDiagramOutput(h, f, taken, m.items);
      } else if (m.stage == "runs") {
        m.payload = unit ? DecodeRunStepUnit(h, f, taken, m.items) : DecodeRunStepOutput(h, f, taken, m.items);
      } else {
        throw Malformed{"stage '" + m.stage + "' (allowed: runs, embeddings, diagrams)"};
      }
    } else {
      throw Malformed{"message type '" + type + "'"};
    }
  } catch (const Malformed& e) {
    return Status::Corruption("MPI message: " + e.what);
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("MPI message: ") + e.what());
  }
  return m;
}

}  // namespace panic::mpi
