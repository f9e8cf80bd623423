#include "vm/kernels/fragment.h"

#include <cctype>
#include <map>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::vm {

std::string FragmentLine::text() const {
  return is_not_set() ? fmt::format("# {} is not set", symbol) : fmt::format("{}={}", symbol, value);
}

namespace {

// The length of "CONFIG_[A-Za-z0-9_]+" at the start of `s`, 0 when there is none. By hand,
// not std::regex: its matcher recurses per character and a 50 KB line overflowed the stack.
size_t symbol_length(std::string_view s) {
  if (!s.starts_with("CONFIG_")) return 0;
  size_t n = 7;
  while (n < s.size() && (std::isalnum(static_cast<unsigned char>(s[n])) || s[n] == '_')) ++n;
  return n > 7 ? n : 0;
}

}  // namespace

std::vector<FragmentLine> parse_fragment(std::string_view text, const std::string& source) {
  std::vector<FragmentLine> lines;
  int number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t nl = text.find('\n', pos);
    std::string line(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++number;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    const std::string_view view = line;
    const size_t unset = view.starts_with("# ") ? symbol_length(view.substr(2)) : 0;
    const size_t set = symbol_length(view);
    if (unset && view.substr(2 + unset) == " is not set") {
      lines.push_back({std::string(view.substr(2, unset)), "", number, source});
    } else if (line.empty() || line.front() == '#') {
      continue;
    } else if (set && view.size() > set + 1 && view[set] == '=') {
      std::string value(view.substr(set + 1));
      if (value == "n") value.clear();  // "CONFIG_X=n" means the same as "is not set"
      lines.push_back({std::string(view.substr(0, set)), value, number, source});
    } else {
      const std::string shown = line.size() > 60 ? line.substr(0, 60) + "..." : line;
      throw InputError(fmt::format("{}: line {}: not a Kconfig line: '{}'", source, number, shown));
    }
  }
  if (lines.empty()) throw InputError(fmt::format("{}: no CONFIG_ line: not a Kconfig fragment", source));
  return lines;
}

std::vector<FragmentLine> merge_fragments(const std::vector<std::vector<FragmentLine>>& fragments) {
  std::vector<FragmentLine> merged;
  std::map<std::string, size_t> index;
  for (const auto& fragment : fragments) {
    for (const auto& line : fragment) {
      if (auto it = index.find(line.symbol); it != index.end()) {
        merged[it->second] = line;
      } else {
        index.emplace(line.symbol, merged.size());
        merged.push_back(line);
      }
    }
  }
  return merged;
}

std::vector<std::string> unmet_fragment_lines(const std::vector<FragmentLine>& wanted, const KernelConfig& config) {
  std::vector<std::string> unmet;
  for (const auto& want : wanted) {
    const Tristate state = config.tristate(want.symbol);
    const auto value = config.value(want.symbol);
    bool met;
    if (want.is_not_set()) {
      met = state == Tristate::No || state == Tristate::Absent;
    } else {
      met = value && *value == want.value;
    }
    if (!met) {
      const std::string got = value ? "'" + *value + "'" : std::string(tristate_name(state));
      unmet.push_back(fmt::format("{}: wanted {}, Kconfig made it {} ({} line {})", want.symbol,
                                  want.is_not_set() ? "'not set'" : "'" + want.value + "'", got, want.source,
                                  want.line));
    }
  }
  return unmet;
}

}  // namespace nsm::vm
