#include "panic/models/native/tfjs_weights.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace panic::models::native {
namespace {

static_assert(std::endian::native == std::endian::little, "shards are little-endian");

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Status AppendFile(const std::filesystem::path& path, std::vector<char>& bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::IOError("cannot read weight shard " + path.string());
  const auto size = static_cast<size_t>(in.tellg());
  const size_t at = bytes.size();
  bytes.resize(at + size);
  in.seekg(0);
  if (!in.read(bytes.data() + at, static_cast<std::streamsize>(size))) {
    return Status::IOError("short read of weight shard " + path.string());
  }
  return Status::Ok();
}

}  // namespace

Result<TfjsWeights> TfjsWeights::Load(const std::filesystem::path& model_json) {
  std::ifstream in(model_json, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + model_json.string());
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json model = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  const std::string where = model_json.string();
  if (model.is_discarded() || !model.is_object()) return Status::Corruption(where + ": not a JSON object");
  auto manifest = model.find("weightsManifest");
  if (manifest == model.end() || !manifest->is_array()) {
    return Status::Corruption(where + ": no weightsManifest array");
  }

  TfjsWeights w;
  const auto folder = model_json.parent_path();
  for (const auto& group : *manifest) {
    if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
        !group.contains("weights") || !group["weights"].is_array()) {
      return Status::Corruption(where + ": a manifest group lacks paths or weights");
    }
    std::vector<char> bytes;
    for (const auto& p : group["paths"]) {
      if (!p.is_string()) return Status::Corruption(where + ": a shard path is not a string");
      PANIC_RETURN_IF_ERROR(AppendFile(folder / p.get<std::string>(), bytes));
    }
    size_t at = 0;  // byte offset in the group
    for (const auto& entry : group["weights"]) {
      if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
          !entry.contains("shape") || !entry["shape"].is_array() || !entry.contains("dtype")) {
        return Status::Corruption(where + ": a weight entry lacks name, shape or dtype");
      }
      const std::string name = entry["name"].get<std::string>();
      if (entry.contains("quantization")) {
        return Status::Corruption(where + ": weight '" + name + "' is quantised, which is not supported");
      }
      Tensor t;
      size_t count = 1;
      for (const auto& d : entry["shape"]) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0) {
          return Status::Corruption(where + ": weight '" + name + "' has a bad shape");
        }
        t.shape.push_back(d.get<int64_t>());
        count *= static_cast<size_t>(d.get<int64_t>());
      }
      const std::string dtype = entry["dtype"].is_string() ? entry["dtype"].get<std::string>() : "";
      if (dtype != "float32" && dtype != "int32") {
        return Status::Corruption(where + ": weight '" + name + "' has dtype '" + dtype +
                                  "'; only float32 and int32 are supported");
      }
      if (at + count * 4 > bytes.size()) {
        return Status::Corruption(where + ": the shards end inside weight '" + name + "'");
      }
      t.is_float = dtype == "float32";
      t.count = count;
      if (t.is_float) {
        t.offset = w.floats_.size();
        w.floats_.resize(t.offset + count);
        std::memcpy(w.floats_.data() + t.offset, bytes.data() + at, count * 4);
      } else {
        t.offset = w.ints_.size();
        w.ints_.resize(t.offset + count);
        std::memcpy(w.ints_.data() + t.offset, bytes.data() + at, count * 4);
      }
      at += count * 4;
      if (!w.tensors_.emplace(name, std::move(t)).second) {
        return Status::Corruption(where + ": weight '" + name + "' is listed twice");
      }
    }
    if (at != bytes.size()) {
      return Status::Corruption(where + ": the shards hold " + std::to_string(bytes.size()) +
                                " bytes but the manifest describes " + std::to_string(at));
    }
  }
  return w;
}

Result<std::span<const float>> TfjsWeights::Floats(std::string_view name,
                                                   const std::vector<int64_t>& shape) const {
  auto it = tensors_.find(std::string(name));
  if (it == tensors_.end()) return Status::Corruption("weight '" + std::string(name) + "' is missing");
  const Tensor& t = it->second;
  if (!t.is_float) return Status::Corruption("weight '" + std::string(name) + "' is not float32");
  if (t.shape != shape) {
    return Status::Corruption("weight '" + std::string(name) + "' has shape " + ShapeText(t.shape) +
                              ", expected " + ShapeText(shape));
  }
  return std::span<const float>(floats_.data() + t.offset, t.count);
}

Result<std::span<const int32_t>> TfjsWeights::Ints(std::string_view name) const {
  auto it = tensors_.find(std::string(name));
  if (it == tensors_.end()) return Status::Corruption("weight '" + std::string(name) + "' is missing");
  const Tensor& t = it->second;
  if (t.is_float) return Status::Corruption("weight '" + std::string(name) + "' is not int32");
  return std::span<const int32_t>(ints_.data() + t.offset, t.count);
}

}  // namespace panic::models::native
