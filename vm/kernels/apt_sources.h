// The machine's apt sources, read in both formats (one-line sources.list and deb822
// *.sources), and the sources for other Debian suites derived from them: the same mirror
// URIs and keyring, other suites (bullseye, trixie, sid, bookworm-backports, *-security).
// Nothing names a mirror host: every URI comes from the machine's own configuration.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nsm::vm {

struct AptSource {
  std::vector<std::string> types;  // "deb", "deb-src"
  std::vector<std::string> uris;
  std::vector<std::string> suites;
  std::vector<std::string> components;
  std::string signed_by;  // a keyring path, or empty
  bool enabled = true;
  std::string origin;  // "FILE:LINE", for messages
};

// deb822 stanzas ("Types: deb", "URIs: ...", "Suites: ...", "Enabled: no", ...). Throws
// nsm::InputError "ORIGIN:LINE: ..." for a line that is neither a field, a continuation nor a comment.
std::vector<AptSource> parse_deb822_sources(std::string_view text, const std::string& origin);
// "deb [signed-by=/k.gpg arch=amd64] URI SUITE COMPONENT..." lines. Throws nsm::InputError with
// the line for a malformed one.
std::vector<AptSource> parse_one_line_sources(std::string_view text, const std::string& origin);

// ETC/sources.list and ETC/sources.list.d/{*.list,*.sources} (other names are ignored, as
// apt ignores them). ETC is normally /etc/apt.
std::vector<AptSource> read_machine_sources(const std::string& etc_apt = "/etc/apt");

// Whether a suite belongs to Debian ("bookworm-backports", "sid", "stable-security"...).
bool is_debian_suite(std::string_view suite);

// deb822 sources for `suites` (component main), each from the machine's Debian entries of the
// same kind: a *-security suite from the URIs that serve the machine's security suite, any
// other suite from the URIs that serve its main suites. Throws nsm::InputError when the machine
// has no such entry.
std::string derive_sources(const std::vector<AptSource>& machine, const std::set<std::string>& suites);

}  // namespace nsm::vm
