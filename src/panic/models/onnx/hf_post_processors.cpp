// tokenizer.json post-processors (hf_components.h): the special tokens around a sequence.
#include "panic/models/onnx/hf_components.h"


namespace panic::models::onnx::hf {

namespace {

// The ids a special token of a post-processor stands for: ["[CLS]", 101] or a template's
// special_tokens entry.
Result<int64_t> PairId(const json& j, const std::string& where, const std::string& what) {
  if (j.is_array() && j.size() == 2 && j[1].is_number_integer()) return j[1].get<int64_t>();
  return Unsupported(where, "post-processor " + what, j);
}

}  // namespace

Result<std::optional<Template>> MakeTemplate(const json& j, const std::string& where) {
  const std::string type = TypeOf(j);
  if (j.is_null() || type == "ByteLevel") return std::optional<Template>();
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    Template t;
    PANIC_ASSIGN_OR_RETURN(int64_t cls, PairId(j.value("cls", json()), where, "cls"));
    PANIC_ASSIGN_OR_RETURN(int64_t sep, PairId(j.value("sep", json()), where, "sep"));
    t.before = {cls};
    t.after = {sep};
    return std::optional<Template>(t);
  }
  if (type == "TemplateProcessing") {
    Template t;
    bool seen_sequence = false;
    if (!j.contains("single") || !j["single"].is_array()) return Unsupported(where, "post-processor template", j);
    for (const auto& piece : j["single"]) {
      if (piece.contains("Sequence")) {
        seen_sequence = true;
        continue;
      }
      if (!piece.contains("SpecialToken") || !piece["SpecialToken"].contains("id")) {
        return Unsupported(where, "post-processor template piece", piece);
      }
      const std::string name = piece["SpecialToken"]["id"].get<std::string>();
      const json& specials = j.value("special_tokens", json::object());
      if (!specials.contains(name) || !specials[name].contains("ids") || !specials[name]["ids"].is_array()) {
        return Unsupported(where, "post-processor special token '" + name + "'", j);
      }
      for (const auto& id : specials[name]["ids"]) (seen_sequence ? t.after : t.before).push_back(id.get<int64_t>());
    }
    return std::optional<Template>(t);
  }
  if (type == "Sequence" && j.contains("processors") && j["processors"].is_array()) {
    std::optional<Template> result;
    for (const auto& p : j["processors"]) {
      PANIC_ASSIGN_OR_RETURN(std::optional<Template> t, MakeTemplate(p, where));
      if (t) result = t;
    }
    return result;
  }
  return Unsupported(where, "post-processor '" + type + "'", j);
}

}  // namespace panic::models::onnx::hf
