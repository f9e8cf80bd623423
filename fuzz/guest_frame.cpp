// The guest's side channels as the host reads them: frame headers on a raw serial stream,
// then the whole judgement (console, status frame, results frame with its bundle) through
// judge_run, as vm_run does. Input: console %% status JSON %% bundle records %% raw stream.
// The frames and the zlib layer are made here from the fuzzer's bytes, so its mutations reach
// the parsers behind the checksum and the deflate stream.
#include <cstdint>
#include <string>

#include <zlib.h>

#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "vm/protocol/bundle.h"
#include "vm/protocol/frame.h"
#include "vm/protocol/guest_layout.h"
#include "vm/qemu/run_status.h"

namespace {

// The bundle's packed form (vm/protocol/bundle.h): 8 bytes of size, little-endian, then zlib.
std::string pack_raw(std::string_view raw) {
  uLongf bound = ::compressBound(static_cast<uLong>(raw.size()));
  std::string out(8 + bound, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((uint64_t{raw.size()} >> (8 * i)) & 0xff);
  if (::compress2(reinterpret_cast<Bytef*>(out.data() + 8), &bound, reinterpret_cast<const Bytef*>(raw.data()),
                  static_cast<uLong>(raw.size()), Z_BEST_SPEED) != Z_OK)
    __builtin_trap();
  out.resize(8 + bound);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nsm::vm;
  const auto parts = nsm::fuzz::split_parts(nsm::fuzz::as_text(data, size), 4);

  // Raw bytes from a port: any header, length and checksum the guest likes.
  for (std::string_view kind : {layout::kStatusFrame, layout::kResultsFrame}) {
    const DecodedFrame f = decode_frame(parts[3], kind);
    NSM_FUZZ_CHECK(f.state == DecodedFrame::State::Complete || f.payload.empty());
    if (f.state == DecodedFrame::State::Complete) {
      try {
        std::vector<std::string> dropped;
        (void)unpack_bundle(f.payload, {}, &dropped);
      } catch (const nsm::Error&) {
      }
    }
  }
  // The raw stream as a packed bundle too (a size field and a deflate stream of its own).
  try {
    (void)unpack_bundle(parts[3]);
  } catch (const nsm::Error&) {
  }

  // Well-framed channels carrying the fuzzer's status document and bundle records.
  RunEvidence e;
  e.console = std::string(parts[0]);
  e.status_stream = "noise before the frame\n" + encode_frame(layout::kStatusFrame, parts[1]);
  e.results_stream = encode_frame(layout::kResultsFrame, pack_raw(parts[2])) + std::string(parts[3]);
  e.timed_out = !parts[3].empty() && (parts[3][0] & 1);
  const RunStatus v = judge_run(e);
  NSM_FUZZ_CHECK(!v.status.empty());
  NSM_FUZZ_CHECK(v.splats.size() <= kMaxSplatsListed && v.splats.size() <= v.splat_count);
  if (v.results) {
    NSM_FUZZ_CHECK(v.results->size() <= BundleLimits{}.max_files);
    for (const auto& [name, content] : *v.results) NSM_FUZZ_CHECK(valid_bundle_name(name));
  }
  (void)printable(parts[0], 200);
  return 0;
}
