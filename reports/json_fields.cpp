#include "reports/json_fields.h"

#include <cmath>

#include <fmt/format.h>

#include "core/results.h"

namespace nsm::reports {

std::string_view json_type_words(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return "a number";
    default:
      return "an unexpected value";
  }
}

JsonFields::JsonFields(const nlohmann::json& value, std::string file, std::string where)
    : value_(&value), file_(std::move(file)), where_(std::move(where)) {
  if (!value.is_object())
    throw ResultsError(fmt::format("{}: {}: expected an object, found {}", file_, where_.empty() ? "top level" : where_,
                                   json_type_words(value)));
}

std::string JsonFields::path_of(std::string_view key) const {
  return where_.empty() ? std::string(key) : fmt::format("{}.{}", where_, key);
}

void JsonFields::fail(std::string_view key, std::string_view problem) const {
  throw ResultsError(fmt::format("{}: {}: {}", file_, path_of(key), problem));
}

const nlohmann::json* JsonFields::find(std::string_view key) const {
  auto it = value_->find(key);
  return it == value_->end() ? nullptr : &*it;
}

bool JsonFields::present(std::string_view key) const {
  const auto* v = find(key);
  return v && !v->is_null();
}

const nlohmann::json& JsonFields::need(std::string_view key) const {
  const auto* v = find(key);
  if (!v) fail(key, "missing");
  return *v;
}

std::string JsonFields::str(std::string_view key) const {
  const auto& v = need(key);
  if (!v.is_string()) fail(key, fmt::format("expected a string, found {}", json_type_words(v)));
  return v.get<std::string>();
}

bool is_check_id(std::string_view id) {
  bool word_started = false;
  for (char c : id) {
    if (c == '.') {
      if (!word_started) return false;
      word_started = false;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      word_started = true;
    } else {
      return false;
    }
  }
  return word_started;
}

std::string JsonFields::id(std::string_view key) const {
  std::string text = str(key);
  if (!is_check_id(text))
    fail(key, fmt::format("\"{}\" is not a check id (dot-separated words of a-z, 0-9 and -)", text));
  return text;
}

std::optional<std::string> JsonFields::opt_str(std::string_view key) const {
  if (!present(key)) return std::nullopt;
  return str(key);
}

double JsonFields::number(std::string_view key) const {
  const auto& v = need(key);
  if (!v.is_number()) fail(key, fmt::format("expected a number, found {}", json_type_words(v)));
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail(key, "not a finite number");
  return d;
}

std::optional<double> JsonFields::opt_number(std::string_view key) const {
  if (!present(key)) return std::nullopt;
  return number(key);
}

std::optional<long> JsonFields::opt_integer(std::string_view key) const {
  if (!present(key)) return std::nullopt;
  const auto& v = need(key);
  if (!v.is_number_integer()) fail(key, fmt::format("expected an integer, found {}", json_type_words(v)));
  return v.get<long>();
}

bool JsonFields::boolean(std::string_view key) const {
  const auto& v = need(key);
  if (!v.is_boolean()) fail(key, fmt::format("expected true or false, found {}", json_type_words(v)));
  return v.get<bool>();
}

std::optional<bool> JsonFields::opt_bool(std::string_view key) const {
  if (!present(key)) return std::nullopt;
  return boolean(key);
}

JsonFields JsonFields::object(std::string_view key) const {
  const auto& v = need(key);
  if (!v.is_object()) fail(key, fmt::format("expected an object, found {}", json_type_words(v)));
  return JsonFields(v, file_, path_of(key));
}

std::optional<JsonFields> JsonFields::opt_object(std::string_view key) const {
  if (!present(key)) return std::nullopt;
  return object(key);
}

std::vector<JsonFields> JsonFields::objects(std::string_view key) const {
  const auto& v = need(key);
  if (!v.is_array()) fail(key, fmt::format("expected an array, found {}", json_type_words(v)));
  std::vector<JsonFields> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string where = fmt::format("{}[{}]", path_of(key), i);
    if (!v[i].is_object())
      throw ResultsError(fmt::format("{}: {}: expected an object, found {}", file_, where, json_type_words(v[i])));
    out.emplace_back(v[i], file_, where);
  }
  return out;
}

std::vector<JsonFields> JsonFields::opt_objects(std::string_view key) const {
  if (!present(key)) return {};
  return objects(key);
}

std::vector<std::string> JsonFields::opt_strings(std::string_view key) const {
  if (!present(key)) return {};
  const auto& v = need(key);
  if (!v.is_array()) fail(key, fmt::format("expected an array, found {}", json_type_words(v)));
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) fail(key, fmt::format("item {}: expected a string, found {}", i, json_type_words(v[i])));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

}  // namespace nsm::reports
