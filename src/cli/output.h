// Output of the admin commands: aligned text tables for people, JSON for scripts.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::cli {

// Columns separated by two spaces, each as wide as its widest cell; the last is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const;
  size_t size() const { return rows_.size(); }

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// A JSON value built in code; Dump() writes compact JSON. Strings that are not valid UTF-8 get
// U+FFFD for each bad byte, so the output always parses.
class Json {
 public:
  Json() = default;  // null
  Json(bool b) : kind_(Kind::kBool), bool_(b) {}
  Json(int32_t i) : kind_(Kind::kInt), int_(i) {}
  Json(int64_t i) : kind_(Kind::kInt), int_(i) {}
  Json(uint64_t i) : kind_(Kind::kInt), int_(static_cast<int64_t>(i)) {}
  Json(std::string s) : kind_(Kind::kString), string_(std::move(s)) {}
  Json(const char* s) : kind_(Kind::kString), string_(s) {}
  static Json Object() { return Json(Kind::kObject); }
  static Json Array() { return Json(Kind::kArray); }

  Json& Set(std::string key, Json value);  // object member, in insertion order
  Json& Push(Json value);                  // array element
  std::string Dump() const;

 private:
  enum class Kind { kNull, kBool, kInt, kString, kArray, kObject };
  explicit Json(Kind kind) : kind_(kind) {}
  void DumpTo(std::string& out) const;

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> fields_;
};

// Appends `s` as a JSON string literal (quotes included).
void AppendJsonString(std::string& out, const std::string& s);

}  // namespace sluice::cli
