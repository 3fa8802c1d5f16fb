#include <stemviz/job/manifest.hpp>

#include <stemviz/draw/cairo.hpp>
#include <stemviz/draw/text.hpp>
#include <stemviz/job/prepare.hpp>
#include <stemviz/media/versions.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/util/hash.hpp>
#include <stemviz/util/json.hpp>
#include <stemviz/util/picture.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace stemviz {

namespace fs = std::filesystem;
// Keys stay in the order written, so people read the manifest top down: what, with what,
// from what, how, and the long chunk list last.
using Json = nlohmann::ordered_json;

namespace {

constexpr const char* kFormatName = "stemviz job";

Json rational_json(const Rational& r) { return r.to_string(); }

// The string at `key`; throws Json::exception when missing or not a string.
std::string text(const Json& object, const char* key) { return object.at(key).get<std::string>(); }

Rational rational_from(const Json& json) { return parse_frame_rate(json.get<std::string>(), "fps"); }

// A file name the manifest may point at: inside the job folder, no folders, no tricks.
std::string checked_file_name(const Json& json, const fs::path& path) {
  const std::string name = json.get<std::string>();
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos || name.find('\0') != std::string::npos) {
    throw InputError(
        fmt::format("{}: names the file \"{}\", which is not a plain file name inside the "
                    "job folder; plan the job again",
                    path.string(), name));
  }
  return name;
}

VideoCodec video_codec_from(const std::string& name, const fs::path& path) {
  for (const CodecFacts& facts : all_codecs()) {
    if (name == facts.name) return facts.codec;
  }
  throw JobMismatch(fmt::format("{}: video codec \"{}\" is not one this stemviz knows", path.string(), name));
}

Quality quality_from(const std::string& name, const fs::path& path) {
  for (const Quality q : {Quality::draft, Quality::standard, Quality::high}) {
    if (name == quality_name(q)) return q;
  }
  throw InputError(
      fmt::format("{}: quality \"{}\" is not draft, standard or high; plan the job again", path.string(), name));
}

AudioCodec audio_codec_from(const std::string& name, const fs::path& path) {
  for (const AudioCodec a : {AudioCodec::none, AudioCodec::aac, AudioCodec::flac, AudioCodec::pcm, AudioCodec::opus}) {
    if (name == audio_codec_name(a)) return a;
  }
  throw JobMismatch(fmt::format("{}: audio codec \"{}\" is not one this stemviz knows", path.string(), name));
}

Json video_json(const VideoSettings& v) {
  return {{"codec", codec_facts(v.codec).name},
          {"width", v.width},
          {"height", v.height},
          {"fps", rational_json(v.fps)},
          {"alpha", v.alpha},
          {"quality", quality_name(v.quality)},
          {"preset", v.preset},
          {"crf", v.crf},
          {"profile", v.profile},
          {"speed", v.speed}};
}

VideoSettings video_from(const Json& video, const fs::path& path) {
  VideoSettings v;
  v.codec = video_codec_from(text(video, "codec"), path);
  v.width = json_int(video.at("width"));
  v.height = json_int(video.at("height"));
  v.fps = rational_from(video.at("fps"));
  v.alpha = video.at("alpha").get<bool>();
  v.quality = quality_from(text(video, "quality"), path);
  v.preset = text(video, "preset");
  v.crf = json_int(video.at("crf"));
  v.profile = text(video, "profile");
  v.speed = json_int(video.at("speed"));
  const auto fits = [](int side) { return side >= 2 && side <= kLargestPictureSide && side % 2 == 0; };
  if (!fits(v.width) || !fits(v.height)) {
    throw InputError(
        fmt::format("{}: a picture of {}x{} pixels; plan the job again", path.string(), v.width, v.height));
  }
  return v;
}

Json assets_json(const std::vector<SceneAssetFile>& assets) {
  Json list = Json::array();
  for (const SceneAssetFile& a : assets)
    list.push_back({{"name", a.name}, {"file", a.file}, {"sha256", a.sha256}, {"bytes", a.bytes}});
  return list;
}

Json to_json(const Manifest& m) {
  const SoftwareVersions& v = m.software;
  Json chunks = Json::array();
  for (std::size_t i = 0; i < m.plan.chunks.size(); ++i) {
    const Chunk& chunk = m.plan.chunks[i];
    chunks.push_back({{"index", chunk.index},
                      {"first_frame", chunk.first_frame},
                      {"frames", chunk.frame_count},
                      {"shard", m.shard_of_chunk.at(i)}});
  }
  const Timeline& timeline = m.plan.timeline;
  return {
      {"format", kFormatName},
      {"version", kManifestVersion},
      {"software",
       {{"stemviz", v.stemviz},
        {"ffmpeg", v.ffmpeg},
        {"libavcodec", v.libavcodec},
        {"libavformat", v.libavformat},
        {"x264", v.x264},
        {"cairo", v.cairo},
        {"pango", v.pango},
        {"libyuv", v.libyuv}}},
      {"video", video_json(m.video)},
      {"layers", m.layers ? video_json(*m.layers) : Json(nullptr)},
      {"audio",
       {{"codec", audio_codec_name(m.audio.codec)},
        {"bit_rate", m.audio.bit_rate},
        {"source", m.audio.source},
        {"sample_rate", m.audio.sample_rate},
        {"samples", m.audio.samples}}},
      {"title", m.title},
      {"artist", m.artist},
      {"timeline",
       {{"fps", rational_json(timeline.fps)}, {"sample_rate", timeline.sample_rate}, {"samples", timeline.samples}}},
      {"frames", {{"first", m.plan.first_frame}, {"end", m.plan.end_frame}}},
      {"shards", m.shards},
      {"stems", stems_json(m.stems)},
      {"analysis", analysis_settings_json(m.analysis)},
      {"features", {{"file", m.features_file}, {"sha256", m.features_hash}}},
      {"soundtrack", {{"file", m.soundtrack_file}}},
      {"scene",
       {{"name", m.scene.name},
        {"file", m.scene.file},
        {"text", m.scene.text},
        {"shader", {{"name", m.scene.shader.name}, {"file", m.scene.shader.file}, {"text", m.scene.shader.text}}}}},
      {"assets", assets_json(m.assets)},
      {"chunks", chunks},
  };
}

// The hash a manifest carries: SHA-256 of its compact JSON without the "hash" entry, keys in
// the order written.
std::string content_hash(Json json) {
  json.erase("hash");
  return Sha256().update(json.dump(-1, ' ', false, Json::error_handler_t::replace)).hex();
}

Manifest from_json(const Json& j, const fs::path& path) {
  Manifest m;
  const Json& v = j.at("software");
  m.software = {text(v, "stemviz"), text(v, "ffmpeg"), text(v, "libavcodec"), text(v, "libavformat"),
                text(v, "x264"),    text(v, "cairo"),  text(v, "pango"),      text(v, "libyuv")};
  m.stems = stems_from_json(j.at("stems"));
  m.analysis = analysis_settings_from_json(j.at("analysis"));
  m.features_file = checked_file_name(j.at("features").at("file"), path);
  m.features_hash = text(j.at("features"), "sha256");
  m.soundtrack_file = checked_file_name(j.at("soundtrack").at("file"), path);
  const Json& t = j.at("timeline");
  m.plan.timeline = {rational_from(t.at("fps")), json_int(t.at("sample_rate")), json_int64(t.at("samples"))};
  m.video = video_from(j.at("video"), path);
  if (!j.at("layers").is_null()) m.layers = video_from(j.at("layers"), path);
  const Json& audio = j.at("audio");
  m.audio.codec = audio_codec_from(text(audio, "codec"), path);
  m.audio.bit_rate = json_int64(audio.at("bit_rate"));
  m.audio.source = text(audio, "source");
  m.audio.sample_rate = json_int(audio.at("sample_rate"));
  m.audio.samples = json_int64(audio.at("samples"));
  m.title = text(j, "title");
  // Manifests written before scenes had layers carry no artist.
  m.artist = j.contains("artist") ? text(j, "artist") : std::string();
  m.plan.first_frame = json_int64(j.at("frames").at("first"));
  m.plan.end_frame = json_int64(j.at("frames").at("end"));
  m.shards = json_int(j.at("shards"));

  const auto broken = [&](const std::string& what) {
    return InputError(fmt::format("{}: {}; plan the job again", path.string(), what));
  };
  // Stem names become file names (stitch --layers); names and titles are printed.
  for (const FeatureFileStem& stem : m.stems) {
    if (const std::string problem = stem_name_problem(stem.name); !problem.empty())
      throw broken(fmt::format("the stem name \"{}\" {}", escaped(stem.name.substr(0, 300)), problem));
  }
  for (const std::string* text : {&m.title, &m.artist}) {
    if (const std::string problem = title_problem(*text); !problem.empty())
      throw broken(fmt::format("its {} {}", text == &m.title ? "title" : "artist", problem));
  }
  // The limits `plan` enforces hold for a manifest read from a job folder too: anything
  // beyond them was not written by stemviz, and some would exhaust memory or time.
  if (m.stems.empty()) throw broken("no stems are listed");
  if (m.stems.size() > static_cast<std::size_t>(kMaxStems)) {
    throw broken(fmt::format("it lists {} stems, more than the {} a picture shows", m.stems.size(), kMaxStems));
  }
  if (m.plan.timeline.sample_rate <= 0 || m.plan.timeline.samples <= 0 || !(m.video.fps == m.plan.timeline.fps)) {
    throw broken("the timeline is inconsistent");
  }
  if (m.video.fps.to_double() > kMaxVideoFps) {
    throw broken(
        fmt::format("its frame rate {} is above the {} fps stemviz makes", m.video.fps.to_string(), kMaxVideoFps));
  }
  // Checked before the chunks, so that no sum of their frame counts can overflow.
  if (m.plan.first_frame < 0 || m.plan.first_frame >= m.plan.end_frame ||
      m.plan.end_frame > m.plan.timeline.frame_count()) {
    throw broken("the frames to render lie outside the song");
  }
  const Json& chunks = j.at("chunks");
  if (chunks.empty() || static_cast<std::int64_t>(chunks.size()) > m.plan.frame_count()) {
    throw broken("the chunks do not cover the frames to render");
  }
  if (m.shards < 1 || static_cast<std::size_t>(m.shards) > chunks.size()) {
    throw broken(fmt::format("the shard count {} is not from 1 to its {} chunks", m.shards, chunks.size()));
  }
  std::int64_t next_frame = m.plan.first_frame;
  for (const Json& c : chunks) {
    const Chunk chunk{json_int(c.at("index")), json_int64(c.at("first_frame")), json_int64(c.at("frames"))};
    const int shard = json_int(c.at("shard"));
    if (chunk.index != static_cast<int>(m.plan.chunks.size()) || chunk.first_frame != next_frame ||
        chunk.frame_count < 1 || chunk.frame_count > m.plan.end_frame - chunk.first_frame || shard < 0 ||
        shard >= m.shards) {
      throw broken(fmt::format("chunk {} does not follow the chunk before it", chunk.index));
    }
    next_frame = chunk.end_frame();
    m.plan.chunks.push_back(chunk);
    m.shard_of_chunk.push_back(shard);
  }
  if (next_frame != m.plan.end_frame) throw broken("the chunks do not cover the frames to render");

  const Json& scene = j.at("scene");
  const Json& shader = scene.at("shader");
  // Messages about the texts name the files they came from on the planning machine.
  const ShaderProgram program = parse_shader(text(shader, "text"), text(shader, "name"),
                                             fmt::format("{} (shader {})", path.string(), text(shader, "file")));
  m.scene = parse_scene_with_shader(text(scene, "text"), text(scene, "name"),
                                    fmt::format("{} (scene {})", path.string(), text(scene, "file")), program);
  m.scene.file = text(scene, "file");
  // Manifests written before scenes had layers name no files.
  if (j.contains("assets")) {
    for (const Json& a : j.at("assets")) {
      SceneAssetFile asset{
          text(a, "name"), checked_file_name(a.at("file"), path), text(a, "sha256"), json_int64(a.at("bytes")), {}, {}};
      if (asset.bytes < 0 || asset.bytes > kMaxPictureFileBytes || asset.sha256.size() != 64)
        throw broken(fmt::format("its file \"{}\" is described wrongly", asset.name));
      m.assets.push_back(std::move(asset));
    }
  }
  m.scene.title = m.title;
  m.scene.artist = m.artist;
  m.scene.shader.file = text(shader, "file");
  return m;
}

}  // namespace

SoftwareVersions SoftwareVersions::of_this_binary() {
  const MediaVersions media = media_versions();
  return {STEMVIZ_VERSION, media.ffmpeg,    media.libavcodec, media.libavformat,
          media.x264,      cairo_version(), pango_version(),  media.libyuv};
}

std::vector<std::string> SoftwareVersions::differences_from(const SoftwareVersions& here) const {
  std::vector<std::string> out;
  const auto compare = [&](const char* name, const std::string& job, const std::string& mine) {
    if (job != mine) out.push_back(fmt::format("{} {} (this binary: {})", name, job, mine));
  };
  compare("stemviz", stemviz, here.stemviz);
  compare("FFmpeg", ffmpeg, here.ffmpeg);
  compare("libavcodec", libavcodec, here.libavcodec);
  compare("libavformat", libavformat, here.libavformat);
  compare("x264", x264, here.x264);
  compare("cairo", cairo, here.cairo);
  compare("pango", pango, here.pango);
  compare("libyuv", libyuv, here.libyuv);
  return out;
}

std::vector<std::string> Manifest::stem_names() const {
  std::vector<std::string> names;
  for (const FeatureFileStem& stem : stems) names.push_back(stem.name);
  return names;
}

std::vector<Chunk> Manifest::chunks_of_shard(int shard) const {
  std::vector<Chunk> chunks;
  for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
    if (shard_of_chunk[i] == shard) chunks.push_back(plan.chunks[i]);
  }
  return chunks;
}

std::vector<int> assign_shards(const std::vector<Chunk>& chunks, int shards) {
  const auto n = static_cast<std::int64_t>(shards);
  const auto count = static_cast<std::int64_t>(chunks.size());
  const std::int64_t frames = chunks.empty() ? 0 : chunks.back().end_frame() - chunks.front().first_frame;
  std::vector<int> shard_of(chunks.size());
  // Shard k starts at the chunk boundary nearest to k/n of the frames, moved so that every
  // shard keeps at least one chunk.
  std::int64_t shard = 0;
  for (std::int64_t i = 1; i < count; ++i) {
    const Chunk& chunk = chunks[static_cast<std::size_t>(i)];
    const std::int64_t middle_twice = 2 * (chunk.first_frame - chunks.front().first_frame) + chunk.frame_count;
    const bool past_its_share = middle_twice * n > 2 * (shard + 1) * frames;
    const bool chunks_just_cover_the_rest = count - i <= n - shard - 1;
    if (shard + 1 < n && (past_its_share || chunks_just_cover_the_rest)) ++shard;
    shard_of[static_cast<std::size_t>(i)] = static_cast<int>(shard);
  }
  return shard_of;
}

std::string manifest_text(Manifest& manifest) {
  const Json content = to_json(manifest);
  manifest.hash = content_hash(content);
  // The hash goes third, after what the file is, for people reading it.
  Json json;
  for (const auto& [key, value] : content.items()) {
    json[key] = value;
    if (key == "version") json["hash"] = manifest.hash;
  }
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

void write_manifest(const fs::path& path, Manifest& manifest) {
  const std::string text = manifest_text(manifest);
  TempFile temp(temp_path_for(path));
  write_file(temp.path(), text);
  temp.keep_as(path);
}

Manifest read_manifest(const fs::path& path) {
  std::error_code error;
  if (fs::exists(path, error) && !fs::is_regular_file(path, error)) {
    // A pipe would block the read until something writes to it.
    throw InputError(fmt::format("{}: not a regular file; give a folder made by `stemviz plan`", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(
        fmt::format("{}: cannot read the job's manifest; give a folder made by `stemviz plan`", path.string()));
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return parse_manifest(bytes.str(), path);
}

Manifest parse_manifest(std::string_view text, const fs::path& path) {
  Json json;
  try {
    json = parse_json_capped<Json>(text, path.string());
  } catch (const Json::parse_error& error) {
    throw InputError(
        fmt::format("{}: not a valid manifest (invalid JSON at byte {}); it may be truncated, "
                    "plan the job again",
                    path.string(), error.byte));
  } catch (const Json::exception& error) {
    // Valid JSON that the reader cannot hold, such as a number beyond a double's range.
    throw InputError(fmt::format("{}: not a valid manifest ({}); plan the job again", path.string(), error.what()));
  }
  try {
    if (!json.is_object() || json.value("format", "") != kFormatName) {
      throw InputError(
          fmt::format("{}: not a stemviz job manifest; give a folder made by `stemviz plan`", path.string()));
    }
    const int version = json_int(json.at("version"));
    if (version != kManifestVersion) {
      throw JobMismatch(
          fmt::format("{}: manifest format version {}, but this stemviz reads version {}; "
                      "plan the job again with this binary or use the stemviz that planned it",
                      path.string(), version, kManifestVersion));
    }
    const std::string hash = json.at("hash").get<std::string>();
    if (content_hash(json) != hash) {
      throw JobMismatch(
          fmt::format("{}: its content does not match its hash (edited or damaged); plan the "
                      "job again instead of editing the manifest",
                      path.string()));
    }
    Manifest manifest = from_json(json, path);
    manifest.hash = hash;
    return manifest;
  } catch (const Json::exception& error) {
    throw InputError(
        fmt::format("{}: a manifest entry is missing or has the wrong type ({}); plan the job "
                    "again",
                    path.string(), error.what()));
  } catch (const UsageError& error) {
    // A setting the command line would refuse (a frame rate, a normalization): here it
    // means a damaged file, not a mistake on the command line.
    throw InputError(fmt::format("{}: {}; plan the job again", path.string(), error.what()));
  }
}

void check_runs_here(const Manifest& manifest, const fs::path& path) {
  const std::vector<std::string> differences = manifest.software.differences_from(SoftwareVersions::of_this_binary());
  if (!differences.empty()) {
    throw JobMismatch(
        fmt::format("{}: planned with {}; every machine of a job must run the same build, "
                    "so run this job with the stemviz that planned it or plan it again here",
                    path.string(), fmt::join(differences, ", ")));
  }
}

}  // namespace stemviz
