// `model list|embed`.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <ostream>
#include <sstream>

#include "panic/cli/cli_common.h"
#include "panic/cli/command.h"
#include "panic/cli/output.h"
#include "panic/cli/output_path.h"
#include "panic/models/registry.h"
#include "panic/store/npy_codec.h"

namespace panic::cli {
namespace {

using models::ModelKind;

int ListCommand(const ParsedArgs&, Context& ctx) {
  auto& registry = models::ModelRegistry::Default();
  // Asks the Python worker for its models; without one, the native models are listed.
  const Status discovered = registry.Discover();
  if (!discovered.ok()) ctx.err << "note: no Python worker models: " << discovered.message() << "\n";
  if (const std::string onnx = models::OnnxBackendNote(); !onnx.empty()) {
    ctx.err << "note: ONNX models (docs/ONNX.md) cannot run: " << onnx << "\n";
  }
  auto all = registry.List();
  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : all) {
      const std::string unavailable = registry.UnavailableReason(m.name);
      list.push_back({{"name", m.name},
                      {"available", unavailable.empty()},
                      {"unavailable_reason", unavailable},
                      {"kind", models::ModelKindName(m.kind)},
                      {"input", models::ModalityName(m.input)},
                      {"output", m.is_embedding() ? "vector" : models::ModalityName(m.output)},
                      {"dimension", m.dimension},
                      {"backend", m.backend},
                      {"description", m.description}});
    }
    PrintJson(ctx, list);
    return kExitOk;
  }
  for (ModelKind kind : {ModelKind::kTextToImage, ModelKind::kImageToText, ModelKind::kTextEmbedding,
                         ModelKind::kImageEmbedding}) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : all) {
      if (m.kind != kind) continue;
      const std::string unavailable = registry.UnavailableReason(m.name);
      rows.push_back({m.name, m.backend, m.is_embedding() ? std::to_string(m.dimension) + "-d" : "",
                      unavailable.empty() ? m.description : "UNAVAILABLE: " + unavailable});
    }
    if (rows.empty()) continue;
    ctx.out << models::ModelKindName(kind) << ":\n";
    std::ostringstream table;
    PrintTable(table, {"  NAME", "BACKEND", "DIM", "DESCRIPTION"}, [&] {
      for (auto& r : rows) r[0] = "  " + r[0];
      return rows;
    }());
    ctx.out << table.str() << "\n";
  }
  return kExitOk;
}

// One text a line; blank lines (nothing but whitespace) are skipped, a trailing "\r" is
// dropped.
Status ReadTextLines(std::istream& in, const std::string& name, std::vector<std::string>& texts) {
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t\v\f") == std::string::npos) continue;
    texts.push_back(line);
  }
  if (in.bad()) return Status::IOError("--file: error reading " + name);
  return Status::Ok();
}

Result<std::vector<std::string>> GatherTexts(const ParsedArgs& args) {
  std::vector<std::string> texts = args.positional;
  texts.erase(texts.begin());  // the model name
  if (auto file = args.Get("file")) {
    if (*file == "-") {
      PANIC_RETURN_IF_ERROR(ReadTextLines(std::cin, "standard input", texts));
    } else {
      std::error_code ec;
      if (std::filesystem::is_directory(*file, ec)) return Status::InvalidArgument("--file: '" + *file + "' is a directory");
      std::ifstream in(*file);
      if (!in) return Status::NotFound("--file: cannot read '" + *file + "': " + std::strerror(errno));
      PANIC_RETURN_IF_ERROR(ReadTextLines(in, "'" + *file + "'", texts));
    }
  }
  if (texts.empty()) return Status::InvalidArgument("no texts to embed: give TEXT arguments or --file F (one text per line)");
  return texts;
}

int EmbedCommand(const ParsedArgs& args, Context& ctx) {
  const std::string& name = args.positional[0];
  auto& registry = models::ModelRegistry::Default();
  const models::ModelInfo* info = registry.Find(name);
  if (!info || info->kind != ModelKind::kTextEmbedding) {
    std::string known;
    for (const auto& n : registry.NamesOfKind(ModelKind::kTextEmbedding)) known += (known.empty() ? "" : ", ") + n;
    return ReportError(Status::InvalidArgument("MODEL: '" + name + "' is not a text-embedding model (known: " + known + ")"), ctx);
  }
  auto format = args.GetChoice("format", {"json", "npy"}, "json");
  if (!format.ok()) return ReportError(format.status(), ctx);
  const auto output = args.Get("output");
  if (Status st = CheckExplicitFormat(args, ctx.json, *format); !st.ok()) return ReportError(st, ctx);  // before any work
  if (*format == "npy" && !output && ctx.stdout_is_tty) {  // before the model is loaded
    return ReportError(WriteCommandOutput(ctx, "", true, *format, output), ctx);
  }
  auto texts = GatherTexts(args);
  if (!texts.ok()) return ReportError(texts.status(), ctx);
  auto model = registry.GetEmbedding(name);
  if (!model.ok()) return ReportError(model.status(), ctx);
  std::vector<models::Payload> inputs(texts->begin(), texts->end());
  auto vectors = (*model)->EmbedBatch(inputs);
  if (!vectors.ok()) return ReportError(vectors.status(), ctx);

  std::string bytes;
  if (*format == "npy") {
    const size_t dim = static_cast<size_t>(info->dimension);
    std::vector<float> flat;
    flat.reserve(vectors->size() * dim);
    for (const auto& v : *vectors) flat.insert(flat.end(), v.begin(), v.end());
    bytes = store::EncodeNpy(store::MakeNpyFloat32(flat, {vectors->size(), dim}));
  } else {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < vectors->size(); ++i) out.push_back({{"text", (*texts)[i]}, {"vector", (*vectors)[i]}});
    bytes = out.dump() + "\n";
  }
  Status written = WriteCommandOutput(ctx, bytes, *format == "npy", *format, output);
  if (!written.ok()) return ReportError(written, ctx);
  if (output) {
    ctx.err << "wrote " << Count(static_cast<int64_t>(vectors->size()), "vector") << " of " << info->dimension
            << " floats to " << *output << "\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<CommandSpec> ModelCommands() {
  return {
      {"model", "list", "the models this build knows, grouped by kind", "", 0, 0, {}, "", ListCommand},
      {"model", "embed", "embed texts with a text-embedding model", "MODEL [TEXT...]", 1, SIZE_MAX,
       {{"file", "F", "read texts from F ('-': standard input), one a line; blank lines are skipped"},
        {"format", "FMT", "json (default: [{text, vector}]) or npy (float32, n × dim)"},
        {"output", "FILE", "write to FILE instead of standard output (npy: needed on a terminal)"}},
       "TEXT arguments come first, then the lines of --file. After `--` every argument is a text, even\n"
       "one that starts with '--'.",
       EmbedCommand},
  };
}

}  // namespace panic::cli
