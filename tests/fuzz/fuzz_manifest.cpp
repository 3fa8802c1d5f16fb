// Fuzz target: job manifests. Whatever the bytes, parse_manifest either refuses them
// (InputError, JobMismatch) or gives a manifest whose plan can be walked shard by shard.
// Most fuzzed texts fail the content hash first, so each input is also tried sealed again
// with the hash it would need: that lets the fuzzer reach every entry's checks.
#include <stemviz/job/manifest.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/hash.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace stemviz;

namespace {

void check(std::string_view text) {
  try {
    const Manifest manifest = parse_manifest(text, "job/manifest.json");
    for (int shard = 0; shard < manifest.shards; ++shard) {
      for (const Chunk& chunk : manifest.chunks_of_shard(shard)) {
        if (chunk.first_frame < 0 || chunk.frame_count < 1 ||
            chunk.end_frame() > manifest.plan.timeline.frame_count()) {
          __builtin_trap();  // a plan that got through must be one a worker can render
        }
      }
    }
  } catch (const InputError&) {
  } catch (const JobMismatch&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text);
  auto json = nlohmann::ordered_json::parse(text, nullptr, false);
  if (!json.is_object()) return 0;
  // The hash as the writer computes it: SHA-256 of the compact JSON without "hash".
  json.erase("hash");
  const auto replace = nlohmann::ordered_json::error_handler_t::replace;
  json["hash"] = Sha256().update(json.dump(-1, ' ', false, replace)).hex();
  check(json.dump(-1, ' ', false, replace));
  return 0;
}
