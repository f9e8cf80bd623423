// Kconfig fragments: the few lines a variant changes on top of a base config
// (CONFIG_X=y, CONFIG_X="text", # CONFIG_X is not set), and the check that Kconfig kept them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/kernel_config.h"

namespace nsm::vm {

struct FragmentLine {
  std::string symbol;  // "CONFIG_TIME_NS"
  std::string value;   // "y", "m", "\"x\"", "32"; empty for "is not set"
  int line = 0;        // 1-based, in `source`
  std::string source;  // the fragment's name
  bool is_not_set() const { return value.empty(); }
  std::string text() const;  // the line as Kconfig writes it
};

// Parses a fragment. Blank lines and comments are skipped; anything else that is not a
// Kconfig assignment is an error "SOURCE: line N: not a Kconfig line: '...'"; so is a
// fragment without any assignment.
std::vector<FragmentLine> parse_fragment(std::string_view text, const std::string& source);

// What a sequence of fragments asks for, the later one winning per symbol, in first-seen order.
std::vector<FragmentLine> merge_fragments(const std::vector<std::vector<FragmentLine>>& fragments);

// The lines of `wanted` that `config` does not have as asked: "CONFIG_X: wanted 'y', Kconfig
// made it 'n' (fragments/x.config line 3)". A "not set" request is met by No or Absent.
std::vector<std::string> unmet_fragment_lines(const std::vector<FragmentLine>& wanted, const KernelConfig& config);

}  // namespace nsm::vm
