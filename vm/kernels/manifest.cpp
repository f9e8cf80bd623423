#include "vm/kernels/manifest.h"

#include <filesystem>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/proc.h"
#include "core/results.h"
#include "vm/kernels/embedded_data.h"
#include "vm/kernels/fragment.h"

namespace nsm::vm {

using nlohmann::json;

std::string_view source_type_name(SourceType t) {
  switch (t) {
    case SourceType::Debian:
      return "debian";
    case SourceType::File:
      return "file";
    case SourceType::Build:
      return "build";
  }
  return "?";
}

namespace {

constexpr std::string_view kBuiltIn = "built-in";

// Names the place of a problem: "manifest.json: kernels[3] (id 'x'): field 'suite'".
struct Where {
  std::string source;
  size_t index = 0;
  std::string id;
  std::string prefix() const {
    return id.empty() ? fmt::format("{}: kernels[{}]", source, index)
                      : fmt::format("{}: kernels[{}] (id '{}')", source, index, id);
  }
  [[noreturn]] void fail(std::string_view field, std::string_view problem) const {
    throw InputError(fmt::format("{}: field '{}': {}", prefix(), field, problem));
  }
};

std::string string_field(const json& object, std::string_view key, const Where& where, bool required,
                         const std::regex* pattern = nullptr, std::string_view pattern_words = {}) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) where.fail(key, "missing");
    return {};
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) where.fail(key, "must be a non-empty string");
  const auto& value = it->get_ref<const std::string&>();
  // std::regex recurses per character: a 50 KB value would overflow the stack. Every
  // patterned field is a short name.
  if (pattern && value.size() > 256) where.fail(key, fmt::format("{} characters: longer than 256", value.size()));
  if (pattern && !std::regex_match(value, *pattern)) {
    where.fail(key, fmt::format("'{}' is not {}", value, pattern_words));
  }
  return value;
}

void reject_unknown(const json& object, std::initializer_list<std::string_view> known, const Where& where,
                    std::string_view what) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      where.fail(key, fmt::format("unknown field in {} (known: {})", what, fmt::join(known, ", ")));
    }
  }
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.starts_with("/")) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

void read_fragment(KernelEntry& entry, const std::string& base_dir, const Where& where) {
  if (base_dir.empty()) {
    const auto& files = embedded::files();
    const auto it = files.find(entry.fragment);
    if (it == files.end()) where.fail("build.fragment", fmt::format("no built-in fragment '{}'", entry.fragment));
    entry.fragment_text = std::string(it->second);
    entry.fragment = std::string(kBuiltIn) + ":" + entry.fragment;
  } else {
    entry.fragment = resolve(base_dir, entry.fragment);
    const auto text = read_file(entry.fragment);
    if (!text) {
      where.fail("build.fragment", fmt::format("cannot read {}: {}", entry.fragment, std::strerror(errno)));
    }
    entry.fragment_text = *text;
  }
  try {
    parse_fragment(entry.fragment_text, entry.fragment);
  } catch (const Error& e) {
    where.fail("build.fragment", e.what());
  }
}

KernelEntry parse_entry(const json& item, const Where& where_in, const std::string& base_dir) {
  static const std::regex id_re(R"([a-z0-9][a-z0-9._-]{0,63})");
  static const std::regex package_re(R"([a-z0-9][a-z0-9+.-]+)");
  static const std::regex suite_re(R"([a-z][a-z0-9-]*)");
  static const std::regex flavour_re(R"([a-z0-9][a-z0-9-]*)");
  static const std::regex source_re(R"(linux-source-[0-9]+\.[0-9]+)");
  Where where = where_in;
  if (!item.is_object()) throw InputError(fmt::format("{}: must be an object", where.prefix()));
  KernelEntry entry;
  entry.id = string_field(item, "id", where, true, &id_re, "an id (a-z, 0-9, '.', '_', '-'; at most 64)");
  where.id = entry.id;
  reject_unknown(item, {"id", "title", "tags", "debian", "file", "build"}, where, "a kernel");
  entry.title = string_field(item, "title", where, false);
  if (entry.title.empty()) entry.title = entry.id;
  if (const auto tags = item.find("tags"); tags != item.end()) {
    if (!tags->is_array()) where.fail("tags", "must be an array of strings");
    for (const auto& tag : *tags) {
      if (!tag.is_string()) where.fail("tags", "must be an array of strings");
      entry.tags.push_back(tag.get<std::string>());
    }
  }
  int sources = 0;
  for (const char* key : {"debian", "file", "build"}) sources += item.contains(key) ? 1 : 0;
  if (sources != 1) {
    where.fail("debian|file|build", sources == 0 ? "no source: give exactly one of debian, file, build"
                                                 : "more than one source: give exactly one of debian, file, build");
  }
  auto section = [&](const char* key) -> const json& {
    const json& s = item.at(key);
    if (!s.is_object()) where.fail(key, "must be an object");
    return s;
  };
  if (item.contains("debian")) {
    const json& s = section("debian");
    reject_unknown(s, {"package", "suite", "flavour"}, where, "debian");
    entry.type = SourceType::Debian;
    // A pin names the package; a track names the flavour (the package follows the suite).
    if (s.contains("package") == s.contains("flavour")) {
      where.fail("debian.package|debian.flavour",
                 "give exactly one: a flavour (a track: \"flavour\": \"cloud\") or a package (a pin)");
    }
    entry.package = string_field(s, "package", where, false, &package_re, "a Debian package name");
    entry.flavour = string_field(s, "flavour", where, false, &flavour_re, "a kernel flavour (cloud, rt, generic)");
    entry.suite = string_field(s, "suite", where, true, &suite_re, "a Debian suite name");
  } else if (item.contains("file")) {
    const json& s = section("file");
    reject_unknown(s, {"image", "modules_dir"}, where, "file");
    entry.type = SourceType::File;
    entry.image = resolve(base_dir.empty() ? "." : base_dir, string_field(s, "image", where, true));
    const std::string modules = string_field(s, "modules_dir", where, false);
    if (!modules.empty()) entry.modules_dir = resolve(base_dir.empty() ? "." : base_dir, modules);
  } else {
    const json& s = section("build");
    reject_unknown(s, {"source_package", "suite", "fragment"}, where, "build");
    entry.type = SourceType::Build;
    entry.source_package =
        string_field(s, "source_package", where, true, &source_re, "a Debian kernel source package (linux-source-X.Y)");
    entry.suite = string_field(s, "suite", where, true, &suite_re, "a Debian suite name");
    entry.fragment = string_field(s, "fragment", where, true);
    read_fragment(entry, base_dir, where);
  }
  return entry;
}

}  // namespace

std::vector<KernelEntry> parse_manifest(std::string_view text, const std::string& source, const std::string& base_dir) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string why = e.what();
    if (const auto colon = why.rfind(": "); colon != std::string::npos) why = why.substr(colon + 2);
    throw InputError(fmt::format("{}: line {}, column {}: not valid JSON: {}", source, line, column, why));
  }
  if (!doc.is_object())
    throw InputError(fmt::format("{}: not a kernel manifest: the top level must be an object", source));
  const auto version = doc.find("schema_version");
  if (version == doc.end() || !version->is_number_integer()) {
    throw InputError(fmt::format("{}: field 'schema_version': missing or not an integer", source));
  }
  if (version->get<int>() > kSchemaVersion || version->get<int>() < 1) {
    throw InputError(fmt::format("{}: field 'schema_version': {} is not one this nsmatrix reads (1..{})", source,
                                 version->get<int>(), kSchemaVersion));
  }
  if (doc.value("kind", "") != "kernels") {
    throw InputError(fmt::format("{}: field 'kind': must be \"kernels\"", source));
  }
  for (const auto& [key, value] : doc.items()) {
    if (key != "schema_version" && key != "kind" && key != "kernels" && key != "comment") {
      throw InputError(
          fmt::format("{}: field '{}': unknown (known: schema_version, kind, kernels, comment)", source, key));
    }
  }
  const auto list = doc.find("kernels");
  if (list == doc.end() || !list->is_array() || list->empty()) {
    throw InputError(fmt::format("{}: field 'kernels': must be a non-empty array", source));
  }
  std::vector<KernelEntry> kernels;
  std::set<std::string> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    KernelEntry entry = parse_entry((*list)[i], Where{source, i, {}}, base_dir);
    if (!ids.insert(entry.id).second) {
      throw InputError(fmt::format("{}: kernels[{}]: field 'id': '{}' is used twice", source, i, entry.id));
    }
    entry.manifest = base_dir.empty() ? std::string(kBuiltIn) : source;
    kernels.push_back(std::move(entry));
  }
  return kernels;
}

std::vector<KernelEntry> load_manifest(const std::optional<std::string>& path) {
  if (!path) {
    const auto& files = embedded::files();
    return parse_manifest(files.at("manifest.json"), "built-in manifest.json", "");
  }
  const auto text = read_file(*path);
  if (!text) throw InputError(fmt::format("{}: cannot read the kernel manifest: {}", *path, std::strerror(errno)));
  const auto dir = std::filesystem::absolute(*path).parent_path().string();
  return parse_manifest(*text, *path, dir);
}

const KernelEntry& find_kernel(const std::vector<KernelEntry>& kernels, std::string_view id) {
  for (const auto& k : kernels) {
    if (k.id == id) return k;
  }
  std::vector<std::string> known;
  for (const auto& k : kernels) known.push_back(k.id);
  throw InputError(fmt::format("unknown kernel id '{}' (known: {})", id, fmt::join(known, ", ")));
}

std::string metapackage_name(std::string_view flavour) {
  return flavour == "generic" ? "linux-image-amd64" : fmt::format("linux-image-{}-amd64", flavour);
}

std::string_view guest_base_fragment() { return embedded::files().at("fragments/guest-base.config"); }

}  // namespace nsm::vm
