// Kernel releases as the kernel and distributions spell them, ordered by their numbers.
//   "6.1.0-54-cloud-amd64" -> 6.1.0   "5.10.223" -> 5.10.223
//   "7.2.13+deb14-cloud-amd64" -> 7.2.13   "6.18.44-fc-v782" -> 6.18.44   "2.6.24" -> 2.6.24
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace nsm {

struct KernelVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  // The fourth number of 2.6.x.y-era releases (0 when absent).
  int sublevel = 0;
  // What follows the numbers, verbatim ("-54-cloud-amd64", "+deb14-cloud-amd64", "").
  std::string suffix;

  // nullopt unless the text starts with "MAJOR.MINOR".
  static std::optional<KernelVersion> parse(std::string_view release);
  // Parses or throws nsm::InputError naming the text.
  static KernelVersion must_parse(std::string_view release);
  // uname(2)'s release of the running kernel.
  static KernelVersion running();

  // "6.1.0", "2.6.24" (sublevel only when non-zero, suffix never).
  std::string numbers() const;
  // numbers() + suffix: the release as it was written.
  std::string release() const { return numbers() + suffix; }

  // Orders by the numbers only; the suffix is a build label, not a version.
  std::strong_ordering operator<=>(const KernelVersion& other) const;
  bool operator==(const KernelVersion& other) const { return (*this <=> other) == 0; }
};

// The upstream version Debian puts in `uname -v` ("... Debian 6.1.153-1 (2025-09-20)"),
// because Debian releases read 6.1.0-N: nullopt when the text names none.
std::optional<KernelVersion> debian_upstream_version(std::string_view uname_version);

}  // namespace nsm
