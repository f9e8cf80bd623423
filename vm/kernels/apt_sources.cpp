#include "vm/kernels/apt_sources.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/proc.h"

namespace nsm::vm {

namespace {

constexpr std::string_view kDefaultKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool is_security_suite(std::string_view suite) { return suite.ends_with("-security") || suite.ends_with("/updates"); }

void finish_stanza(AptSource& s, std::vector<AptSource>& out) {
  if (!s.types.empty() || !s.uris.empty() || !s.suites.empty()) out.push_back(std::move(s));
  s = AptSource{};
}

}  // namespace

std::vector<AptSource> parse_deb822_sources(std::string_view text, const std::string& origin) {
  std::vector<AptSource> out;
  AptSource current;
  std::string last_key;
  int number = 0;
  for (size_t pos = 0; pos <= text.size();) {
    const size_t nl = text.find('\n', pos);
    std::string line(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.front() == '#') continue;
    if (trim(line).empty()) {
      finish_stanza(current, out);
      last_key.clear();
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      // A continuation line: more values of the last field (Signed-By may embed a key block).
      if (last_key.empty()) throw InputError(fmt::format("{}:{}: continuation line without a field", origin, number));
      if (last_key == "uris")
        for (auto& w : words(line)) current.uris.push_back(w);
      if (last_key == "suites")
        for (auto& w : words(line)) current.suites.push_back(w);
      if (last_key == "components")
        for (auto& w : words(line)) current.components.push_back(w);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) {
      throw InputError(fmt::format("{}:{}: not a deb822 field: '{}'", origin, number, line));
    }
    if (current.origin.empty()) current.origin = fmt::format("{}:{}", origin, number);
    last_key = lower(trim(line.substr(0, colon)));
    const std::string value = trim(line.substr(colon + 1));
    if (last_key == "types")
      current.types = words(value);
    else if (last_key == "uris")
      current.uris = words(value);
    else if (last_key == "suites")
      current.suites = words(value);
    else if (last_key == "components")
      current.components = words(value);
    else if (last_key == "signed-by")
      current.signed_by = value;
    else if (last_key == "enabled")
      current.enabled = lower(value) != "no" && lower(value) != "false";
  }
  finish_stanza(current, out);
  return out;
}

std::vector<AptSource> parse_one_line_sources(std::string_view text, const std::string& origin) {
  std::vector<AptSource> out;
  int number = 0;
  for (size_t pos = 0; pos <= text.size();) {
    const size_t nl = text.find('\n', pos);
    std::string line(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++number;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    line = trim(line);
    if (line.empty()) continue;
    AptSource s;
    s.origin = fmt::format("{}:{}", origin, number);
    const auto sp = line.find_first_of(" \t");
    if (sp == std::string::npos) throw InputError(fmt::format("{}: malformed line: '{}'", s.origin, line));
    s.types = {line.substr(0, sp)};
    if (s.types[0] != "deb" && s.types[0] != "deb-src") {
      throw InputError(fmt::format("{}: malformed line (type '{}'): '{}'", s.origin, s.types[0], line));
    }
    std::string rest = trim(line.substr(sp));
    if (rest.starts_with("[")) {
      const auto close = rest.find(']');
      if (close == std::string::npos) throw InputError(fmt::format("{}: unclosed '[': '{}'", s.origin, line));
      for (const auto& option : words(rest.substr(1, close - 1))) {
        if (option.starts_with("signed-by=")) s.signed_by = option.substr(10);
      }
      rest = trim(rest.substr(close + 1));
    }
    auto fields = words(rest);
    if (fields.size() < 2) throw InputError(fmt::format("{}: malformed line (no suite): '{}'", s.origin, line));
    s.uris = {fields[0]};
    s.suites = {fields[1]};
    s.components.assign(fields.begin() + 2, fields.end());
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<AptSource> read_machine_sources(const std::string& etc_apt) {
  namespace fs = std::filesystem;
  std::vector<AptSource> all;
  auto add = [&](std::vector<AptSource> more) { std::move(more.begin(), more.end(), std::back_inserter(all)); };
  const std::string list = etc_apt + "/sources.list";
  if (auto text = read_file(list)) add(parse_one_line_sources(*text, list));
  std::error_code ec;
  std::vector<fs::path> parts;
  for (const auto& entry : fs::directory_iterator(etc_apt + "/sources.list.d", ec)) parts.push_back(entry.path());
  std::sort(parts.begin(), parts.end());
  for (const auto& path : parts) {
    const auto ext = path.extension().string();
    if (ext != ".list" && ext != ".sources") continue;
    const auto text = read_file(path.string());
    if (!text) continue;
    add(ext == ".list" ? parse_one_line_sources(*text, path.string()) : parse_deb822_sources(*text, path.string()));
  }
  return all;
}

bool is_debian_suite(std::string_view suite) {
  static const std::set<std::string, std::less<>> names = {"buster",  "bullseye", "bookworm",     "trixie",    "forky",
                                                           "duke",    "sid",      "oldoldstable", "oldstable", "stable",
                                                           "testing", "unstable", "experimental"};
  const auto cut = suite.find_first_of("-/");
  return names.contains(suite.substr(0, cut));
}

std::string derive_sources(const std::vector<AptSource>& machine, const std::set<std::string>& suites) {
  std::string out = "# Derived by nsmatrix from the machine's apt sources; do not edit.\n";
  for (const auto& suite : suites) {
    const bool security = is_security_suite(suite);
    std::vector<std::string> uris;
    std::string keyring;
    for (const auto& source : machine) {
      if (!source.enabled || std::find(source.types.begin(), source.types.end(), "deb") == source.types.end()) continue;
      const bool matches = std::any_of(source.suites.begin(), source.suites.end(), [&](const std::string& s) {
        return is_debian_suite(s) && is_security_suite(s) == security;
      });
      if (!matches) continue;
      for (const auto& uri : source.uris) {
        if (uri.starts_with("cdrom:")) continue;
        if (std::find(uris.begin(), uris.end(), uri) == uris.end()) uris.push_back(uri);
      }
      if (keyring.empty()) keyring = source.signed_by;
    }
    if (uris.empty()) {
      throw InputError(
          fmt::format("cannot derive apt sources for suite '{}': the machine's apt sources (/etc/apt/sources.list, "
                      "sources.list.d/*.list, *.sources) have no enabled Debian {} entry to take the mirror from",
                      suite, security ? "security (*-security)" : "archive"));
    }
    if (keyring.empty()) keyring = kDefaultKeyring;
    // Check-Valid-Until: no — the machine's mirror may be a dated snapshot whose Release files
    // have expired (sid's last a week). apt still checks every signature and every hash.
    out += fmt::format("\nTypes: deb\nURIs: {}\nSuites: {}\nComponents: main\nSigned-By: {}\nCheck-Valid-Until: no\n",
                       fmt::join(uris, " "), suite, keyring);
  }
  return out;
}

}  // namespace nsm::vm
