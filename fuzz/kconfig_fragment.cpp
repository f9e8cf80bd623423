// Kconfig fragments (vm/kernels/fragment.h): a bad line is nsm::Error; what parses merges,
// and each line written back as Kconfig text parses to the same symbol and value.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "vm/kernels/fragment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nsm::vm;
  std::vector<FragmentLine> lines;
  try {
    lines = parse_fragment(nsm::fuzz::as_text(data, size), "fuzz.config");
  } catch (const nsm::Error&) {
    return 0;
  }
  NSM_FUZZ_CHECK(!lines.empty());
  const auto merged = merge_fragments({lines, lines});
  NSM_FUZZ_CHECK(merged.size() <= lines.size());
  for (const auto& line : lines) {
    const auto again = parse_fragment(line.text() + "\n", "again.config");
    NSM_FUZZ_CHECK(again.size() == 1 && again[0].symbol == line.symbol && again[0].value == line.value);
  }
  return 0;
}
