#include "core/verdict.h"

namespace nsm {

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Supported:
      return "supported";
    case Verdict::Unsupported:
      return "unsupported";
    case Verdict::Restricted:
      return "restricted";
    case Verdict::Faulty:
      return "faulty";
  }
  return "unsupported";
}

std::optional<Verdict> verdict_from_name(std::string_view name) {
  for (Verdict v : {Verdict::Supported, Verdict::Unsupported, Verdict::Restricted, Verdict::Faulty})
    if (verdict_name(v) == name) return v;
  return std::nullopt;
}

}  // namespace nsm
