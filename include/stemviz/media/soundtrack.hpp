// The soundtrack: the stems' mix (or a mix the user gave) written once as a FLAC master
// that a job carries, and encoded from that master into the output's audio codec.
#pragma once

#include <stemviz/audio/stems.hpp>
#include <stemviz/media/codecs.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace stemviz {

// Writes the soundtrack master: samples [first, end) of the stems' mix at `sample_rate`
// (MixReader) times `gain` (see Analysis::mix_gain), as stereo 24-bit FLAC, under a
// temporary name renamed when complete. A job carries it so that its workers never read
// the stems. Polls for a cancel request between blocks.
void write_soundtrack_master(const std::vector<StemInfo>& stems, float gain, int sample_rate, std::int64_t first,
                             std::int64_t end, const std::filesystem::path& path);

// Writes a soundtrack master from a mix the user gave (--audio): samples [first, end) of
// `audio` at its own rate, stereo 24-bit FLAC; past the file's end, silence.
void copy_soundtrack_master(const StemInfo& audio, std::int64_t first, std::int64_t end,
                            const std::filesystem::path& path);

// Encodes a soundtrack master to stereo `audio` (AAC and Opus at `bit_rate` bits per
// second, FLAC and PCM in 24 bits) in an audio-only file of `container` (the output's, so
// that the encoder's priming and padding are trimmed there the same way) at `path`, written
// under a temporary name and renamed when complete. The master must hold exactly `samples` samples
// per channel at `sample_rate`; an encoder that does not take that rate (Opus) gets 48 kHz.
// Polls for a cancel request between blocks.
void encode_soundtrack(const std::filesystem::path& master, int sample_rate, std::int64_t samples,
                       const std::filesystem::path& path, AudioCodec audio, const char* container,
                       std::int64_t bit_rate = 192'000);

}  // namespace stemviz
