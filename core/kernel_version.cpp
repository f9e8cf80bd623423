#include "core/kernel_version.h"

#include <sys/utsname.h>

#include <charconv>

#include <fmt/format.h>

#include "core/error.h"

namespace nsm {

namespace {

// Reads a decimal number at the front of `text`, advancing it. nullopt when none is there.
std::optional<int> take_number(std::string_view& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<size_t>(end - text.data()));
  return value;
}

bool take_dot_then_digit(std::string_view& text) {
  if (text.size() < 2 || text[0] != '.' || text[1] < '0' || text[1] > '9') return false;
  text.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<KernelVersion> KernelVersion::parse(std::string_view release) {
  std::string_view rest = release;
  KernelVersion v;
  auto major = take_number(rest);
  if (!major || !take_dot_then_digit(rest)) return std::nullopt;
  v.major = *major;
  v.minor = *take_number(rest);
  if (take_dot_then_digit(rest)) {
    v.patch = *take_number(rest);
    if (take_dot_then_digit(rest)) v.sublevel = *take_number(rest);
  }
  v.suffix = std::string(rest);
  return v;
}

KernelVersion KernelVersion::must_parse(std::string_view release) {
  if (auto v = parse(release)) return *v;
  throw InputError(fmt::format("not a kernel release: '{}' (expected MAJOR.MINOR[.PATCH][suffix])", release));
}

KernelVersion KernelVersion::running() {
  struct utsname u {};
  if (::uname(&u) != 0) throw_sys("uname");
  return must_parse(u.release);
}

std::string KernelVersion::numbers() const {
  if (sublevel != 0) return fmt::format("{}.{}.{}.{}", major, minor, patch, sublevel);
  return fmt::format("{}.{}.{}", major, minor, patch);
}

std::strong_ordering KernelVersion::operator<=>(const KernelVersion& other) const {
  if (auto c = major <=> other.major; c != 0) return c;
  if (auto c = minor <=> other.minor; c != 0) return c;
  if (auto c = patch <=> other.patch; c != 0) return c;
  return sublevel <=> other.sublevel;
}

std::optional<KernelVersion> debian_upstream_version(std::string_view uname_version) {
  constexpr std::string_view marker = "Debian ";
  const auto at = uname_version.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  auto v = KernelVersion::parse(uname_version.substr(at + marker.size()));
  if (!v) return std::nullopt;
  // Keep only the upstream numbers: "-1 (2025-09-20)" is Debian's revision and date.
  v->suffix.clear();
  return v;
}

}  // namespace nsm
