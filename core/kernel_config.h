// A kernel's build configuration (.config), read the way LTP's tst_kconfig reads it.
//
// A symbol is in one of four states, and "absent" is not "n":
//   CONFIG_X=y            -> Yes         CONFIG_X=m -> Module
//   # CONFIG_X is not set -> No          (no line)  -> Absent (the option does not exist in
//                                                     that kernel, or its menu was off)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsm {

enum class Tristate { Yes, Module, No, Absent };
std::string_view tristate_name(Tristate t);  // "y", "m", "n", "absent"

class KernelConfig {
 public:
  // Parses config text. Throws nsm::InputError("<source>: line N: ...") on anything that is not
  // a config: a line that is neither blank, a comment nor CONFIG_X=value, or no symbols.
  static KernelConfig parse(std::string_view text, std::string source);
  // Reads a plain or gzip-compressed file. Throws nsm::InputError naming the file and the problem
  // (missing, unreadable, truncated gzip, not a config).
  static KernelConfig load(const std::string& path);

  const std::string& source() const { return source_; }
  // "6.1.192" from "# Linux/x86 6.1.192 Kernel Configuration"; nullopt without that header.
  const std::optional<std::string>& header_version() const { return header_version_; }

  Tristate tristate(std::string_view symbol) const;
  // The raw value ("y", "m", "\"string\"", "32"); nullopt when absent or "is not set".
  std::optional<std::string> value(std::string_view symbol) const;
  // The line that decided the symbol, verbatim; empty when absent.
  std::string line(std::string_view symbol) const;
  size_t symbol_count() const { return lines_.size(); }

 private:
  std::string source_;
  std::optional<std::string> header_version_;
  std::map<std::string, std::string, std::less<>> lines_;   // symbol -> deciding line
  std::map<std::string, std::string, std::less<>> values_;  // symbol -> value (set ones only)
};

// Where a running kernel's config was looked for, and what was found.
struct ConfigLookup {
  std::vector<std::string> tried;  // every path considered, in order
  std::optional<KernelConfig> config;
  std::optional<std::string> error;  // a candidate existed but could not be read/parsed
};

// LTP's order: `explicit_path` (from --config or KCONFIG_PATH; when given, it is the only
// candidate), /proc/config.gz, /lib/modules/R/build/.config, /lib/modules/R/config,
// /boot/config-R. A candidate that exists but is broken stops the search with `error`:
// a wrong config must not be silently replaced by another.
ConfigLookup find_kernel_config(const std::optional<std::string>& explicit_path, const std::string& release);

}  // namespace nsm
