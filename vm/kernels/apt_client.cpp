#include "vm/kernels/apt_client.h"

#include <unistd.h>

#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"
#include "core/proc.h"
#include "core/results.h"
#include "vm/kernels/cache_util.h"
#include "vm/kernels/run_command.h"

namespace nsm::vm {

namespace fs = std::filesystem;

std::optional<AptPackage> parse_package_stanza(std::string_view text) {
  AptPackage p;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) {
      if (!p.name.empty()) break;  // only the first stanza
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || line.front() == ' ') continue;
    const std::string_view key = line.substr(0, colon);
    const std::string value = trim(line.substr(colon + 1));
    if (key == "Package")
      p.name = value;
    else if (key == "Version")
      p.version = value;
    else if (key == "Filename")
      p.filename = value;
    else if (key == "SHA256")
      p.sha256 = value;
    else if (key == "Size")
      p.size = std::atoll(value.c_str());
    else if (key == "Depends") {
      // "a (= 1), b | c, d" -> a, b, c, d
      size_t start = 0;
      while (start < value.size()) {
        size_t end = value.find_first_of(",|", start);
        if (end == std::string::npos) end = value.size();
        std::string dep = trim(value.substr(start, end - start));
        if (const auto sp = dep.find_first_of(" (:"); sp != std::string::npos) dep.erase(sp);
        if (!dep.empty()) p.depends.push_back(dep);
        start = end + 1;
      }
    }
  }
  if (p.name.empty()) return std::nullopt;
  return p;
}

AptClient::AptClient(std::string root, const std::string& sources) : root_(std::move(root)) {
  for (const char* dir : {"etc/sources.list.d", "etc/preferences.d", "state/lists/partial", "cache/archives/partial"}) {
    make_directories(root_ + "/" + dir);
  }
  write_whole_file(root_ + "/etc/sources.list.d/nsmatrix.sources", sources);
  if (!fs::exists(root_ + "/state/status")) write_whole_file(root_ + "/state/status", "");
}

std::vector<std::string> AptClient::options() const {
  std::vector<std::string> o = {
      "Dir::State=" + root_ + "/state",
      "Dir::State::status=" + root_ + "/state/status",
      "Dir::Cache=" + root_ + "/cache",
      // Debian's container images switch apt's binary caches off; without them every apt
      // call parses all lists again (seconds per call with four suites).
      "Dir::Cache::pkgcache=pkgcache.bin",
      "Dir::Cache::srcpkgcache=srcpkgcache.bin",
      "Dir::Etc::sourcelist=/dev/null",
      "Dir::Etc::sourceparts=" + root_ + "/etc/sources.list.d",
      "Dir::Etc::preferences=/dev/null",
      "Dir::Etc::preferencesparts=" + root_ + "/etc/preferences.d",
      "APT::Architecture=amd64",
      "Acquire::Languages=none",
      "DPkg::Lock::Timeout=600",
  };
  // apt drops to the _apt user to download, which cannot write into a root-owned temporary
  // directory; it would fall back to root with a warning anyway.
  if (::geteuid() == 0) o.push_back("APT::Sandbox::User=root");
  return o;
}

namespace {
std::vector<std::string> with_options(std::vector<std::string> argv, const std::vector<std::string>& options) {
  std::vector<std::string> out = {argv.front()};
  for (const auto& o : options) {
    out.push_back("-o");
    out.push_back(o);
  }
  out.insert(out.end(), argv.begin() + 1, argv.end());
  return out;
}
}  // namespace

void AptClient::update(const Progress& progress) {
  if (updated_) return;
  CommandOptions opts;
  opts.env = {{"LC_ALL", "C"}};
  const auto result =
      run_command(with_options({"apt-get", "-q", "update"}, options()), opts, [&](std::string_view line) {
        if (progress && (line.starts_with("Get:") || line.starts_with("E:") || line.starts_with("W:") ||
                         line.starts_with("Err:"))) {
          progress(fmt::format("  apt: {}", line));
        }
      });
  // apt-get update exits 0 even when one suite failed; its "E:"/"Err:" lines say so.
  for (const auto& line : result.last_lines) {
    if (line.starts_with("E:") || line.starts_with("Err:")) {
      throw ToolError(fmt::format("apt-get update failed: {}", line));
    }
  }
  if (!result.ok()) throw ToolError(fmt::format("apt-get update {}", result.describe()));
  updated_ = true;
}

namespace {
// "apt-cache show --no-all-versions SPEC": SPEC is NAME/SUITE (the suite's candidate) or
// NAME=VERSION (that upload); nullopt when apt knows no such package.
std::optional<AptPackage> show_one(const std::string& spec, const std::vector<std::string>& options) {
  std::string text;
  CommandOptions opts;
  opts.env = {{"LC_ALL", "C"}};
  opts.keep_lines = 5;
  const auto result = run_command(with_options({"apt-cache", "show", "--no-all-versions", spec}, options), opts,
                                  [&](std::string_view line) {
                                    text += line;
                                    text += '\n';
                                  });
  if (!result.ok()) return std::nullopt;
  return parse_package_stanza(text);
}
}  // namespace

std::optional<AptPackage> AptClient::show(const std::string& name, const std::string& suite) {
  auto package = show_one(name + "/" + suite, options());
  if (package) package->suite = suite;
  return package;
}

std::optional<AptPackage> AptClient::show_exact(const std::string& name, const std::string& version) {
  auto package = show_one(name + "=" + version, options());
  if (package && package->version != version) return std::nullopt;
  return package;
}

std::string AptClient::download(const AptPackage& package, const std::string& dir, const Progress& progress) {
  return download(std::vector<AptPackage>{package}, dir, progress).front();
}

std::vector<std::string> AptClient::download(const std::vector<AptPackage>& packages, const std::string& dir,
                                             const Progress& progress) {
  std::vector<std::string> argv = {"apt-get", "-q", "download"};
  std::string names;
  for (const auto& p : packages) {
    argv.push_back(p.name + "=" + p.version);
    names += (names.empty() ? "" : " ") + argv.back();
  }
  CommandOptions opts;
  opts.cwd = dir;
  opts.env = {{"LC_ALL", "C"}};
  const auto result = run_command(with_options(argv, options()), opts, [&](std::string_view line) {
    if (progress && (line.starts_with("Get:") || line.starts_with("E:"))) progress(fmt::format("  apt: {}", line));
  });
  if (!result.ok()) throw ToolError(fmt::format("apt-get download {} {}", names, result.describe()));
  std::vector<std::string> paths;
  for (const auto& p : packages) {
    std::string found;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const auto file = entry.path().filename().string();
      if (file.starts_with(p.name + "_") && file.ends_with(".deb")) found = entry.path().string();
    }
    if (found.empty()) {
      throw ToolError(
          fmt::format("apt-get download {}={} reported success but left no .deb in {}", p.name, p.version, dir));
    }
    paths.push_back(found);
  }
  return paths;
}

}  // namespace nsm::vm
