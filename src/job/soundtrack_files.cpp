#include <stemviz/job/soundtrack_files.hpp>

#include <stemviz/media/soundtrack.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <string>
#include <utility>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

// The muxer and extension of the soundtrack in the output's audio codec: the output's
// container, or for an image sequence a file of its own.
std::pair<const char*, const char*> audio_container(const Manifest& m) {
  const CodecFacts& facts = codec_facts(m.video.codec);
  if (*facts.extension != '\0') return {facts.container, facts.extension};
  return m.audio.codec == AudioCodec::pcm ? std::pair{"wav", ".wav"} : std::pair{"flac", ".flac"};
}

}  // namespace

fs::path encoded_soundtrack(const fs::path& folder, const Manifest& m) {
  return folder / (std::string("audio") + audio_container(m).second);
}

void write_soundtrack(const fs::path& folder, const Manifest& manifest, const std::vector<StemInfo>& stems, float gain,
                      const StemInfo* given_mix) {
  if (manifest.audio.codec == AudioCodec::none) return;
  const fs::path master = folder / manifest.soundtrack_file;
  if (check_file(master, manifest.hash).empty()) return;
  if (given_mix != nullptr) {
    const Timeline own{manifest.plan.timeline.fps, given_mix->sample_rate, given_mix->samples};
    const std::int64_t first = own.first_sample(manifest.plan.first_frame);
    copy_soundtrack_master(*given_mix, first, first + manifest.audio.samples, master);
  } else {
    const Plan& plan = manifest.plan;
    write_soundtrack_master(stems, gain, plan.timeline.sample_rate, plan.first_sample(), plan.end_sample(), master);
  }
  record_file(master, manifest.hash);
}

void prepare_soundtrack(const LoadedJob& job) {
  const Manifest& m = job.manifest;
  if (m.audio.codec == AudioCodec::none) return;
  const fs::path encoded = encoded_soundtrack(job.folder, m);
  if (check_file(encoded, m.hash).empty()) return;
  const fs::path master = job.folder / m.soundtrack_file;
  const std::string problem = check_file(master, m.hash);
  if (!problem.empty()) {
    throw InputError(fmt::format("{}: {}; plan the job again", master.string(), problem));
  }
  encode_soundtrack(master, m.audio.sample_rate, m.audio.samples, encoded, m.audio.codec, audio_container(m).first,
                    m.audio.bit_rate);
  record_file(encoded, m.hash);
}

}  // namespace stemviz
