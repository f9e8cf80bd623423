// Typed, checked access to one JSON object of a results file. Every accessor either returns
// a value of the documented type or throws ResultsError naming the file and the field:
//   "r/host/conformance.json: checks[3].outcome: unknown word "flaky" (expected pass, ...)"
// "Optional" accessors accept an absent field or null (docs/results-format.md: fields that
// do not apply are null or absent); a present value of the wrong type is still an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace nsm::reports {

class JsonFields {
 public:
  // Throws ResultsError unless `value` is an object. `where` is its path ("" at the top).
  JsonFields(const nlohmann::json& value, std::string file, std::string where = {});

  std::string str(std::string_view key) const;
  // A check id: dot-separated words of a-z, 0-9 and '-' ("net.veth.pair-connects").
  std::string id(std::string_view key) const;
  std::optional<std::string> opt_str(std::string_view key) const;
  std::string str_or_empty(std::string_view key) const { return opt_str(key).value_or(""); }
  double number(std::string_view key) const;
  std::optional<double> opt_number(std::string_view key) const;
  std::optional<long> opt_integer(std::string_view key) const;
  bool boolean(std::string_view key) const;
  std::optional<bool> opt_bool(std::string_view key) const;

  JsonFields object(std::string_view key) const;
  std::optional<JsonFields> opt_object(std::string_view key) const;
  // An array of objects; opt_ gives an empty list when absent or null.
  std::vector<JsonFields> objects(std::string_view key) const;
  std::vector<JsonFields> opt_objects(std::string_view key) const;
  std::vector<std::string> opt_strings(std::string_view key) const;

  // A string that must be one of a closed set of words, turned into its enum by `parse`.
  template <typename T, typename Parse>
  T word(std::string_view key, Parse parse, std::string_view expected) const {
    const std::string text = str(key);
    if (auto value = parse(text)) return *value;
    fail(key, "unknown word \"" + text + "\" (expected " + std::string(expected) + ")");
  }
  template <typename T, typename Parse>
  std::optional<T> opt_word(std::string_view key, Parse parse, std::string_view expected) const {
    if (!present(key)) return std::nullopt;
    return word<T>(key, parse, expected);
  }

  bool present(std::string_view key) const;  // there and not null
  const nlohmann::json& raw() const { return *value_; }
  const std::string& file() const { return file_; }
  [[noreturn]] void fail(std::string_view key, std::string_view problem) const;

 private:
  const nlohmann::json* find(std::string_view key) const;
  const nlohmann::json& need(std::string_view key) const;
  std::string path_of(std::string_view key) const;

  const nlohmann::json* value_;
  std::string file_;
  std::string where_;
};

// Whether `id` has the form of a check id: [a-z0-9-]+(\.[a-z0-9-]+)*
bool is_check_id(std::string_view id);

// "a number", "a string", ...: how a JSON value's type is named in messages.
std::string_view json_type_words(const nlohmann::json& value);

}  // namespace nsm::reports
