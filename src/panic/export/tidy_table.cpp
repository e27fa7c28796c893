#include "panic/export/tidy_table.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <ostream>

namespace panic::exporting {
namespace {

std::string FormatDouble(double v, int digits) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string FloatList(const std::vector<float>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    // Non-finite values cannot occur in stored vectors (the embeddings stage refuses them).
    out += std::isfinite(v[i]) ? FormatDouble(v[i], 9) : "null";
  }
  return out + "]";
}

std::string Quote(const std::string& s) {
  const bool needs = s.find_first_of(",\"\r\n") != std::string::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!needs) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Called right after the write that failed, so errno is that write's reason (ENOSPC: "No
// space left on device"); without one the message says only that the write failed.
Status Check(std::ostream& os, const std::string& what) {
  if (os) return Status::Ok();
  const int err = errno;
  return Status::IOError("cannot write to " + what + (err != 0 ? std::string(": ") + std::strerror(err) : ""));
}

class CsvSink : public TableSink {
 public:
  CsvSink(std::ostream& os, std::string what) : os_(os), what_(std::move(what)) {}
  Status Begin(const std::string&, const std::vector<Column>& columns) override {
    for (size_t c = 0; c < columns.size(); ++c) os_ << (c ? "," : "") << Quote(columns[c].name);
    os_ << "\n";
    return Check(os_, what_);
  }
  Status Add(const Row& row) override {
    for (size_t c = 0; c < row.size(); ++c) os_ << (c ? "," : "") << CsvField(row[c]);
    os_ << "\n";
    return os_ ? Status::Ok() : Check(os_, what_);
  }
  Status End() override {
    os_.flush();
    return Check(os_, what_);
  }

 private:
  std::ostream& os_;
  std::string what_;
};

nlohmann::json JsonValue(const Cell& cell) {
  if (auto* s = std::get_if<std::string>(&cell)) return *s;
  if (auto* i = std::get_if<int64_t>(&cell)) return *i;
  if (auto* d = std::get_if<double>(&cell)) return std::isfinite(*d) ? nlohmann::json(*d) : nlohmann::json();
  if (auto* v = std::get_if<std::vector<float>>(&cell)) return *v;
  return nullptr;
}

class JsonSink : public TableSink {
 public:
  JsonSink(std::ostream& os, std::string what) : os_(os), what_(std::move(what)) {}
  Status Begin(const std::string&, const std::vector<Column>& columns) override {
    columns_ = columns;
    os_ << "[";
    return Check(os_, what_);
  }
  Status Add(const Row& row) override {
    nlohmann::ordered_json o;
    for (size_t c = 0; c < row.size(); ++c) o[columns_[c].name] = JsonValue(row[c]);
    os_ << (first_ ? "\n" : ",\n") << "  " << o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    first_ = false;
    return os_ ? Status::Ok() : Check(os_, what_);
  }
  Status End() override {
    os_ << (first_ ? "]\n" : "\n]\n");
    os_.flush();
    return Check(os_, what_);
  }

 private:
  std::ostream& os_;
  std::string what_;
  std::vector<Column> columns_;
  bool first_ = true;
};

class TextSink : public TableSink {
 public:
  TextSink(std::ostream& os, std::string what) : os_(os), what_(std::move(what)) {}
  Status Begin(const std::string&, const std::vector<Column>& columns) override {
    std::vector<std::string> header;
    for (const auto& c : columns) header.push_back(c.name);
    rows_.push_back(std::move(header));
    return Status::Ok();
  }
  Status Add(const Row& row) override {
    std::vector<std::string> cells;
    for (const auto& cell : row) {
      if (std::holds_alternative<std::monostate>(cell)) cells.push_back("-");
      else if (auto* d = std::get_if<double>(&cell)) cells.push_back(std::isnan(*d) ? "nan" : FormatDouble(*d, 6));
      else if (auto* v = std::get_if<std::vector<float>>(&cell)) cells.push_back("[" + std::to_string(v->size()) + " values]");
      else cells.push_back(CsvField(cell));
    }
    rows_.push_back(std::move(cells));
    return Status::Ok();
  }
  Status End() override {
    if (rows_.size() == 1) {
      os_ << "(no rows)\n";
      return Check(os_, what_);
    }
    std::vector<size_t> width(rows_[0].size(), 0);
    for (const auto& r : rows_) {
      for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], Utf8Width(r[c]));
    }
    for (const auto& r : rows_) {
      std::string line;
      for (size_t c = 0; c < r.size(); ++c) {
        line += r[c];
        if (c + 1 < r.size()) line += std::string(width[c] - Utf8Width(r[c]) + 2, ' ');
      }
      os_ << line << "\n";
    }
    os_.flush();
    return Check(os_, what_);
  }

 private:
  // Code points, a fair stand-in for the width of "A→B" and of prompts.
  static size_t Utf8Width(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }
  std::ostream& os_;
  std::string what_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace

int Table::Find(const std::string& column) const {
  for (size_t c = 0; c < columns.size(); ++c) {
    if (columns[c].name == column) return static_cast<int>(c);
  }
  return -1;
}

Status CollectSink::Begin(const std::string& table, const std::vector<Column>& columns) {
  table_ = Table{table, columns, {}};
  return Status::Ok();
}

Status CollectSink::Add(const Row& row) {
  table_.rows.push_back(row);
  return Status::Ok();
}

std::string CsvField(const Cell& cell) {
  if (auto* s = std::get_if<std::string>(&cell)) return Quote(*s);
  if (auto* i = std::get_if<int64_t>(&cell)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&cell)) return FormatDouble(*d, 17);
  if (auto* v = std::get_if<std::vector<float>>(&cell)) return Quote(FloatList(*v));
  return "";
}

std::unique_ptr<TableSink> MakeCsvSink(std::ostream& os, std::string what) {
  return std::make_unique<CsvSink>(os, std::move(what));
}
std::unique_ptr<TableSink> MakeJsonSink(std::ostream& os, std::string what) {
  return std::make_unique<JsonSink>(os, std::move(what));
}
std::unique_ptr<TableSink> MakeTextSink(std::ostream& os, std::string what) {
  return std::make_unique<TextSink>(os, std::move(what));
}

}  // namespace panic::exporting
