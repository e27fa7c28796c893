// An encoder for Thrift's compact protocol, enough for Parquet's page headers and file footer
// (parquet_writer.cpp): structs of i32/i64 fields, binary (strings), lists of i32, binary or
// structs, and nested structs. Fields must be written in increasing id order within a struct
// (the compact protocol stores each field id as a delta from the previous one).
//
// The wire format (Thrift's TCompactProtocol spec): a field header is one byte
// (delta << 4 | type) when 0 < delta ≤ 15; integers are zigzag varints; binary is a varint
// length and the bytes; a list header is one byte (size << 4 | element type) for size < 15,
// else 0xF0 | type followed by a varint size; a struct ends with a 0 byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "panic/core/varint.h"

namespace panic::exporting {

class ThriftCompactWriter {
 public:
  void I32(int16_t id, int32_t v) {
    FieldHeader(id, kI32);
    Varint(ZigZag(v));
  }
  void I64(int16_t id, int64_t v) {
    FieldHeader(id, kI64);
    Varint(ZigZag(v));
  }
  void Binary(int16_t id, std::string_view s) {
    FieldHeader(id, kBinary);
    Bytes(s);
  }
  // A struct field: BeginStruct(id) … EndStruct().
  void BeginStruct(int16_t id) {
    FieldHeader(id, kStruct);
    last_ids_.push_back(0);
  }
  void EndStruct() {
    out_.push_back(0);  // the stop field
    last_ids_.pop_back();
  }
  // A list field of `size` elements of type kI32, kBinary or kStruct; then write each element
  // with ListI32 / ListBinary / BeginListStruct … EndStruct.
  void BeginList(int16_t id, uint8_t element_type, size_t size) {
    FieldHeader(id, kList);
    if (size < 15) {
      out_.push_back(static_cast<char>(size << 4 | element_type));
    } else {
      out_.push_back(static_cast<char>(0xF0 | element_type));
      Varint(size);
    }
  }
  void ListI32(int32_t v) { Varint(ZigZag(v)); }
  void ListBinary(std::string_view s) { Bytes(s); }
  void BeginListStruct() { last_ids_.push_back(0); }

  // The encoded bytes so far; the top level is an open struct whose stop byte End() writes.
  const std::string& End() {
    out_.push_back(0);
    return out_;
  }

  static constexpr uint8_t kI32 = 5, kI64 = 6, kBinary = 8, kList = 9, kStruct = 12;

 private:
  void FieldHeader(int16_t id, uint8_t type) {
    const int delta = id - last_ids_.back();
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<char>(delta << 4 | type));
    } else {  // the long form: the type byte, then the id as a zigzag varint
      out_.push_back(static_cast<char>(type));
      Varint(ZigZag(int32_t{id}));
    }
    last_ids_.back() = id;
  }
  static uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
  void Varint(uint64_t v) { core::AppendVarint(out_, v); }
  void Bytes(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }

  std::string out_;
  std::vector<int16_t> last_ids_{0};  // the last field id written, per open struct
};

}  // namespace panic::exporting
