#include "core/results.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "core/proc.h"
#include "core/version.h"

namespace nsm {

void make_directories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw SysError(fmt::format("mkdir -p {}", path), ec.value());
}

void write_json_file(const std::string& path, const nlohmann::json& doc) {
  const auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) make_directories(path.substr(0, slash));
  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw_sys(fmt::format("open({})", tmp));
    out << doc.dump(2) << '\n';
    out.flush();
    if (!out) throw_sys(fmt::format("write({})", tmp));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw SysError(fmt::format("rename({}, {})", tmp, path), err);
  }
}

nlohmann::json read_json_file(const std::string& path, std::string_view kind) {
  auto text = read_file(path);
  if (!text) throw ResultsError(fmt::format("{}: cannot read: {}", path, errno_name(errno)));
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    throw ResultsError(fmt::format("{}: malformed JSON: {}", path, e.what()));
  }
  if (!doc.is_object()) throw ResultsError(fmt::format("{}: expected a JSON object at the top", path));
  auto version = doc.find("schema_version");
  if (version == doc.end()) throw ResultsError(fmt::format("{}: no schema_version", path));
  if (!version->is_number_integer()) throw ResultsError(fmt::format("{}: schema_version is not an integer", path));
  if (version->get<int>() > kSchemaVersion)
    throw ResultsError(fmt::format("{}: schema_version {} is newer than this nsmatrix understands ({}); use a newer nsmatrix",
                                   path, version->get<int>(), kSchemaVersion));
  if (version->get<int>() < 1) throw ResultsError(fmt::format("{}: schema_version {} is not valid", path, version->get<int>()));
  if (!kind.empty()) {
    auto k = doc.find("kind");
    if (k == doc.end() || !k->is_string() || k->get<std::string>() != kind)
      throw ResultsError(fmt::format("{}: not a {} file (kind is {})", path, kind, k == doc.end() ? "missing" : k->dump()));
  }
  return doc;
}

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json run_document(const std::string& out_dir, const nlohmann::json& started, const nlohmann::json& ended,
                            const std::vector<std::string>& kernels) {
  std::string dir = out_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  struct utsname u {};
  ::uname(&u);
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  return {{"schema_version", kSchemaVersion},
          {"kind", "run"},
          {"tool_version", std::string(kToolVersion)},
          {"run_id", dir.substr(dir.rfind('/') + 1)},
          {"host", {{"hostname", hostname}, {"release", u.release}, {"cpus", std::thread::hardware_concurrency()}}},
          {"started", started},
          {"ended", ended},
          {"kernels", kernels}};
}

}  // namespace nsm
