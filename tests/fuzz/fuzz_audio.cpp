// Fuzz target: the audio loader. The bytes pass the WAV metadata check that guards
// libsndfile's parser, are opened as a stem through libsndfile's virtual I/O (any format
// it detects), checked as probe_stems checks a file, then read to the end as mono and as
// stereo and summed into a 48 kHz mix, as the analysis does. A damaged stem must be refused with an error, never read out of bounds.
#include <stemviz/audio.hpp>
#include <stemviz/error.hpp>

#include <sndfile.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace stemviz;

namespace {

struct Memory {
  const std::uint8_t* data;
  sf_count_t size;
  sf_count_t position = 0;
};

sf_count_t memory_length(void* user) { return static_cast<Memory*>(user)->size; }

sf_count_t memory_seek(sf_count_t offset, int whence, void* user) {
  auto& m = *static_cast<Memory*>(user);
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m.position : m.size;
  const sf_count_t target = base + offset;
  if (target < 0 || target > m.size) return -1;
  m.position = target;
  return m.position;
}

sf_count_t memory_read(void* out, sf_count_t count, void* user) {
  auto& m = *static_cast<Memory*>(user);
  const sf_count_t n = std::clamp<sf_count_t>(m.size - m.position, 0, count);
  std::memcpy(out, m.data + m.position, static_cast<std::size_t>(n));
  m.position += n;
  return n;
}

sf_count_t memory_write(const void*, sf_count_t, void*) { return 0; }
sf_count_t memory_tell(void* user) { return static_cast<Memory*>(user)->position; }

SndfilePtr open_memory(Memory& memory, SF_INFO& info) {
  static SF_VIRTUAL_IO io{memory_length, memory_seek, memory_read, memory_write, memory_tell};
  info = {};
  return SndfilePtr(sf_open_virtual(&io, SFM_READ, &info, &memory));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    constexpr std::int64_t kBlock = 4096;
    Memory memory{data, static_cast<sf_count_t>(size)};
    // As open_sndfile does before libsndfile sees a file.
    check_wave_metadata("fuzz.wav", static_cast<std::int64_t>(size),
                        [&](std::int64_t offset, unsigned char* out, std::size_t count) {
                          if (offset < 0 || static_cast<std::size_t>(offset) >= size) return std::size_t{0};
                          const std::size_t n = std::min(count, size - static_cast<std::size_t>(offset));
                          std::memcpy(out, data + offset, n);
                          return n;
                        });
    SF_INFO info;
    SndfilePtr file = open_memory(memory, info);
    if (!file) return 0;  // not audio: probe_stems refuses it by name
    const StemInfo stem = describe_stem("fuzz.wav", info.channels, info.samplerate, info.frames);
    StemReader reader(stem, std::move(file));
    std::vector<float> mono(kBlock), stereo(2 * kBlock), mix(2 * kBlock);
    // Headers may promise far more than the bytes hold: read at most what is there.
    const std::int64_t most = std::min<std::int64_t>(stem.samples, static_cast<std::int64_t>(size) + kBlock);
    for (std::int64_t done = 0; done < most;) {
      const std::int64_t got = reader.read_mono(mono.data(), kBlock);
      if (got <= 0) break;
      done += got;
    }
    reader.seek(0);
    MixBus bus({stem}, 48000);
    for (std::int64_t done = 0; done < most;) {
      const std::int64_t got = reader.read_stereo(stereo.data(), kBlock);
      if (got <= 0) break;
      bus.add(0, stereo.data(), got);
      while (bus.ready() > 0) bus.take(mix.data(), std::min<std::int64_t>(bus.ready(), kBlock));
      done += got;
    }
    bus.end(0);
  } catch (const InputError&) {
  } catch (const Failure&) {
    // A read error in a damaged file: reported with the file's name.
  }
  return 0;
}
