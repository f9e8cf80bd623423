#include "core/results.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/proc.h"
#include "core/utf8.h"
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
  // replace: a string from outside with invalid UTF-8 is written with U+FFFD, never thrown on.
  write_file_atomic(path, doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + '\n');
}

nlohmann::json parse_json_bounded(std::string_view text, int max_depth) {
  // The callback sees every container as it opens; past the limit the parse stops at once.
  const nlohmann::json::parser_callback_t limit = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) &&
        depth >= max_depth) {
      throw InputError(fmt::format("JSON nested deeper than {} levels", max_depth));
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, limit);
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number past double's range is out_of_range (found by
    // fuzz/results_json). The message quotes the bytes last read, maybe half a UTF-8
    // character: made valid, it can go into every report (found by fuzz/report_load).
    throw InputError(fmt::format("malformed JSON: {}", valid_utf8(e.what())));
  }
}

nlohmann::json read_json_file(const std::string& path, std::string_view kind, bool* repaired_utf8) {
  auto text = read_file(path);
  if (!text) throw ResultsError(fmt::format("{}: cannot read: {}", path, errno_name(errno)));
  if (repaired_utf8) text = valid_utf8(*text, repaired_utf8);
  nlohmann::json doc;
  try {
    doc = parse_json_bounded(*text);
  } catch (const Error& e) {
    throw ResultsError(fmt::format("{}: {}", path, e.what()));
  }
  if (!doc.is_object()) throw ResultsError(fmt::format("{}: expected a JSON object at the top", path));
  auto version = doc.find("schema_version");
  if (version == doc.end()) throw ResultsError(fmt::format("{}: no schema_version", path));
  if (!version->is_number_integer()) throw ResultsError(fmt::format("{}: schema_version is not an integer", path));
  // As a 64-bit number, and unsigned ones apart: get<int>() would read 4294967297 as 1.
  const bool huge = version->is_number_unsigned() && version->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
  const int64_t v = huge ? INT64_MAX : version->get<int64_t>();
  if (v > kSchemaVersion)
    throw ResultsError(
        fmt::format("{}: schema_version {} is newer than this nsmatrix understands ({}); use a newer nsmatrix", path,
                    version->dump(), kSchemaVersion));
  if (v < 1) throw ResultsError(fmt::format("{}: schema_version {} is not valid", path, v));
  if (!kind.empty()) {
    auto k = doc.find("kind");
    if (k == doc.end() || !k->is_string() || k->get<std::string>() != kind)
      throw ResultsError(
          fmt::format("{}: not a {} file (kind is {})", path, kind,
                      k == doc.end() ? "missing" : k->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
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
