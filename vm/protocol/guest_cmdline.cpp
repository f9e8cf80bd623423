#include "vm/protocol/guest_cmdline.h"

#include <charconv>
#include <sstream>

#include <fmt/format.h>

#include "core/error.h"
#include "core/ns_types.h"
#include "pipeline/stages.h"

namespace nsm::vm {

std::string guest_kernel_words(const GuestOptions& options) {
  std::string stages;
  for (const auto& s : options.stages) {
    if (!pipeline::known_stage(s))
      throw InputError(fmt::format("unknown guest stage \"{}\" (known: probe, conformance, bench)", s));
    stages += (stages.empty() ? "" : ",") + s;
  }
  if (!options.lie.empty() && !ns_type_from_name(options.lie))
    throw InputError(fmt::format("lie: \"{}\" is not a namespace type", options.lie));
  return fmt::format(
      "nsmatrix.guest=1 nsmatrix.stages={} nsmatrix.bench={} nsmatrix.stage_timeout={} nsmatrix.deadline={}{}",
      stages.empty() ? "none" : stages, options.bench_quick ? "quick" : "full", options.stage_timeout_seconds,
      options.deadline_seconds, options.lie.empty() ? "" : " nsmatrix.lie=" + options.lie);
}

GuestOptions parse_guest_options(std::string_view cmdline) {
  GuestOptions options;
  std::istringstream words{std::string(cmdline)};
  std::string word;
  while (words >> word) {
    const size_t eq = word.find('=');
    if (word.rfind("nsmatrix.", 0) != 0 || eq == std::string::npos) continue;
    const std::string key = word.substr(9, eq - 9);
    const std::string value = word.substr(eq + 1);
    if (key == "stages") {
      options.stages.clear();
      if (value == "none") continue;
      std::istringstream list(value);
      std::string stage;
      while (std::getline(list, stage, ',')) {
        if (!pipeline::known_stage(stage))
          throw InputError(fmt::format("nsmatrix.stages: unknown stage \"{}\"", stage));
        options.stages.push_back(stage);
      }
    } else if (key == "bench") {
      if (value != "quick" && value != "full")
        throw InputError(fmt::format("nsmatrix.bench: \"{}\" is neither quick nor full", value));
      options.bench_quick = value == "quick";
    } else if (key == "lie") {
      if (!ns_type_from_name(value))
        throw InputError(fmt::format("nsmatrix.lie: \"{}\" is not a namespace type", value));
      options.lie = value;
    } else if (key == "stage_timeout" || key == "deadline") {
      int seconds = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (ec != std::errc() || p != value.data() + value.size() || seconds < (key == "deadline" ? 0 : 1))
        throw InputError(fmt::format("nsmatrix.{}: \"{}\" is not a {} number of seconds", key, value,
                                     key == "deadline" ? "non-negative" : "positive"));
      (key == "deadline" ? options.deadline_seconds : options.stage_timeout_seconds) = seconds;
    }
  }
  return options;
}

}  // namespace nsm::vm
