#include "conformance/driver/check_filter.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::conformance {

namespace {

std::vector<std::string_view> split_patterns(std::string_view list) {
  std::vector<std::string_view> out;
  while (!list.empty()) {
    const size_t colon = list.find(':');
    const std::string_view item = list.substr(0, colon);
    if (!item.empty()) out.push_back(item);
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  return out;
}

// Where the exclusions start (see the header), or npos.
size_t exclusion_dash(std::string_view filter) {
  size_t pattern_start = 0;
  for (size_t i = 0; i < filter.size(); ++i) {
    if (filter[i] == ':') pattern_start = i + 1;
    if (filter[i] != '-') continue;
    const std::string_view before = filter.substr(pattern_start, i - pattern_start);
    if (before.empty() ||
        std::any_of(before.begin(), before.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); }))
      return i;
  }
  return std::string_view::npos;
}

bool any_matches(const std::vector<std::string_view>& patterns, const std::string& id, const std::string& test) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](std::string_view p) { return glob_match(p, id) || glob_match(p, test); });
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative, with one backtrack point: the last '*' seen.
  size_t p = 0, t = 0, star = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_t = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string gtest_filter_for(std::string_view filter, const nlohmann::json& listing) {
  const size_t dash = exclusion_dash(filter);
  std::vector<std::string_view> include = split_patterns(filter.substr(0, dash));
  const std::vector<std::string_view> exclude =
      dash == std::string_view::npos ? std::vector<std::string_view>{} : split_patterns(filter.substr(dash + 1));
  if (include.empty()) include.emplace_back("*");
  std::string out;
  for (const auto& check : listing) {
    const std::string test = check.value("test", "");
    const std::string id = check.value("id", "");
    if (test.empty() || !any_matches(include, id, test) || any_matches(exclude, id, test)) continue;
    out += (out.empty() ? "" : ":") + test;
  }
  if (out.empty())
    throw InputError(
        fmt::format("--filter '{}' selects no check: its patterns match check ids as the report shows them "
                    "('uts.*', '*.gap.*') or GoogleTest names ('UtsNamespace.*')",
                    filter));
  return out;
}

}  // namespace nsm::conformance
