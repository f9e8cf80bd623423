#include "core/kernel_config.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm {

std::string_view tristate_name(Tristate t) {
  switch (t) {
    case Tristate::Yes:
      return "y";
    case Tristate::Module:
      return "m";
    case Tristate::No:
      return "n";
    case Tristate::Absent:
      return "absent";
  }
  return "absent";
}

namespace {

bool is_symbol_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// "CONFIG_FOO" at the front of `s`; its length, or 0.
size_t symbol_length(std::string_view s) {
  if (!s.starts_with("CONFIG_")) return 0;
  size_t n = 7;
  while (n < s.size() && is_symbol_char(s[n])) ++n;
  return n > 7 ? n : 0;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 60)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 60) out += "...";
  return out;
}

}  // namespace

KernelConfig KernelConfig::parse(std::string_view text, std::string source) {
  KernelConfig cfg;
  cfg.source_ = std::move(source);
  if (text.find('\0') != std::string_view::npos)
    throw InputError(fmt::format("{}: not a kernel config (binary data)", cfg.source_));

  static const std::regex header(R"(^# Linux/\S+ (\d+\.\d+\S*) Kernel Configuration$)");
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = trim_right(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);

    if (line.empty()) continue;
    if (line.front() == '#') {
      // "# CONFIG_X is not set" decides X; every other comment is decoration.
      std::string_view rest = line.substr(1);
      if (rest.starts_with(' ')) rest.remove_prefix(1);
      if (size_t n = symbol_length(rest); n && rest.substr(n) == " is not set") {
        cfg.lines_.insert_or_assign(std::string(rest.substr(0, n)), std::string(line));
        cfg.values_.erase(std::string(rest.substr(0, n)));
      } else if (!cfg.header_version_) {
        std::match_results<std::string_view::const_iterator> m;
        if (std::regex_match(line.begin(), line.end(), m, header)) cfg.header_version_ = m[1].str();
      }
      continue;
    }
    const size_t n = symbol_length(line);
    if (n == 0 || n >= line.size() || line[n] != '=')
      throw InputError(
          fmt::format("{}: line {}: not a kernel config line: '{}'", cfg.source_, line_no, printable(line)));
    const std::string symbol(line.substr(0, n));
    cfg.lines_.insert_or_assign(symbol, std::string(line));
    cfg.values_.insert_or_assign(symbol, std::string(line.substr(n + 1)));
  }
  if (cfg.lines_.empty()) throw InputError(fmt::format("{}: not a kernel config (no CONFIG_ symbols)", cfg.source_));
  return cfg;
}

KernelConfig KernelConfig::load(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw InputError(
        fmt::format("{}: cannot read kernel config: {} ({})", path, errno_name(errno), std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw InputError(fmt::format("{}: cannot read kernel config: it is a directory", path));

  // gzopen reads plain files transparently, so one path serves both forms.
  gzFile gz = ::gzopen(path.c_str(), "rb");
  if (!gz)
    throw InputError(
        fmt::format("{}: cannot read kernel config: {} ({})", path, errno_name(errno), std::strerror(errno)));
  std::string text;
  char buf[65536];
  for (;;) {
    const int n = ::gzread(gz, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 || !::gzeof(gz)) {
      int zerr = 0;
      const char* msg = ::gzerror(gz, &zerr);
      std::string why = (zerr == Z_ERRNO) ? fmt::format("{} ({})", errno_name(errno), std::strerror(errno))
                                          : std::string(msg ? msg : "read error");
      ::gzclose(gz);
      throw InputError(fmt::format("{}: cannot read kernel config: {}", path, why));
    }
    break;
  }
  // A gzip stream cut short reads as a clean EOF with Z_BUF_ERROR pending.
  int zerr = 0;
  const char* msg = ::gzerror(gz, &zerr);
  ::gzclose(gz);
  if (zerr != Z_OK)
    throw InputError(fmt::format("{}: cannot read kernel config: {}", path,
                                 zerr == Z_BUF_ERROR ? "truncated gzip stream (unexpected end of file)" : msg));
  return parse(text, path);
}

Tristate KernelConfig::tristate(std::string_view symbol) const {
  auto it = lines_.find(symbol);
  if (it == lines_.end()) return Tristate::Absent;
  auto v = values_.find(symbol);
  if (v == values_.end()) return Tristate::No;
  if (v->second == "y") return Tristate::Yes;
  if (v->second == "m") return Tristate::Module;
  if (v->second == "n") return Tristate::No;
  return Tristate::Yes;  // a string or number value: the option is on
}

std::optional<std::string> KernelConfig::value(std::string_view symbol) const {
  auto v = values_.find(symbol);
  if (v == values_.end()) return std::nullopt;
  return v->second;
}

std::string KernelConfig::line(std::string_view symbol) const {
  auto it = lines_.find(symbol);
  return it == lines_.end() ? std::string() : it->second;
}

ConfigLookup find_kernel_config(const std::optional<std::string>& explicit_path, const std::string& release) {
  ConfigLookup result;
  std::vector<std::string> candidates;
  if (explicit_path) {
    candidates = {*explicit_path};
  } else {
    candidates = {"/proc/config.gz", "/lib/modules/" + release + "/build/.config",
                  "/lib/modules/" + release + "/config", "/boot/config-" + release};
  }
  for (const auto& path : candidates) {
    result.tried.push_back(path);
    struct stat st {};
    if (!explicit_path && ::stat(path.c_str(), &st) != 0) continue;
    try {
      result.config = KernelConfig::load(path);
    } catch (const Error& e) {
      result.error = e.what();
    }
    return result;
  }
  return result;
}

}  // namespace nsm
