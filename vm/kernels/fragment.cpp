#include "vm/kernels/fragment.h"

#include <map>
#include <regex>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm::vm {

std::string FragmentLine::text() const {
  return is_not_set() ? fmt::format("# {} is not set", symbol) : fmt::format("{}={}", symbol, value);
}

std::vector<FragmentLine> parse_fragment(std::string_view text, const std::string& source) {
  static const std::regex assign(R"(^(CONFIG_[A-Za-z0-9_]+)=(.+)$)");
  static const std::regex not_set(R"(^# (CONFIG_[A-Za-z0-9_]+) is not set$)");
  std::vector<FragmentLine> lines;
  int number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t nl = text.find('\n', pos);
    std::string line(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++number;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    std::smatch m;
    if (std::regex_match(line, m, not_set)) {
      lines.push_back({m[1], "", number, source});
    } else if (line.empty() || line.front() == '#') {
      continue;
    } else if (std::regex_match(line, m, assign)) {
      std::string value = m[2];
      if (value == "n") value.clear();  // "CONFIG_X=n" means the same as "is not set"
      lines.push_back({m[1], value, number, source});
    } else {
      const std::string shown = line.size() > 60 ? line.substr(0, 60) + "..." : line;
      throw Error(fmt::format("{}: line {}: not a Kconfig line: '{}'", source, number, shown));
    }
  }
  if (lines.empty()) throw Error(fmt::format("{}: no CONFIG_ line: not a Kconfig fragment", source));
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

std::vector<std::string> unmet_fragment_lines(const std::vector<FragmentLine>& wanted,
                                              const KernelConfig& config) {
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
                                  want.is_not_set() ? "'not set'" : "'" + want.value + "'", got,
                                  want.source, want.line));
    }
  }
  return unmet;
}

}  // namespace nsm::vm
