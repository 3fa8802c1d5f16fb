#include <stemviz/analysis/feature_file.hpp>

#include <stemviz/analysis/displays.hpp>
#include <stemviz/analysis/parallel.hpp>
#include <stemviz/util/error.hpp>
#include <stemviz/util/files.hpp>
#include <stemviz/util/hash.hpp>
#include <stemviz/util/json.hpp>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>

namespace stemviz {

namespace fs = std::filesystem;

// The file is written and read as raw little-endian words.
static_assert(std::endian::native == std::endian::little, "feature files assume a little-endian machine");

namespace {

constexpr char kMagic[16] = {'s', 't', 'e', 'm', 'v', 'i', 'z', ' ', 'f', 'e', 'a', 't', 'u', 'r', 'e', 's'};
constexpr std::size_t kDigestSize = 32;
constexpr std::size_t kHeaderSize = sizeof(kMagic) + sizeof(std::uint32_t) + kDigestSize;

template <typename T>
void append(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

}  // namespace

namespace {

template <typename Json>
std::int64_t checked_whole(const Json& json, std::int64_t lowest, std::int64_t highest) {
  bool fits = false;
  std::int64_t value = 0;
  if (json.is_number_unsigned()) {
    const auto u = json.template get<std::uint64_t>();
    fits = u <= static_cast<std::uint64_t>(highest);
    value = fits ? static_cast<std::int64_t>(u) : 0;
  } else if (json.is_number_integer()) {
    value = json.template get<std::int64_t>();
    fits = value >= lowest && value <= highest;
  }
  if (!fits) {
    throw Json::type_error::create(
        302, fmt::format("{} is not a whole number from {} to {}", json.dump(), lowest, highest), &json);
  }
  return value;
}

}  // namespace

int json_int(const nlohmann::json& json) { return static_cast<int>(checked_whole(json, INT_MIN, INT_MAX)); }
int json_int(const nlohmann::ordered_json& json) { return static_cast<int>(checked_whole(json, INT_MIN, INT_MAX)); }
std::int64_t json_int64(const nlohmann::json& json) { return checked_whole(json, INT64_MIN, INT64_MAX); }
std::int64_t json_int64(const nlohmann::ordered_json& json) { return checked_whole(json, INT64_MIN, INT64_MAX); }

namespace {

nlohmann::json displays_json(const std::vector<DisplayRequest>& displays) {
  nlohmann::json list = nlohmann::json::array();
  for (const DisplayRequest& d : displays) {
    const nlohmann::json source = d.source == kMixSource ? nlohmann::json("mix") : nlohmann::json(d.source);
    if (d.kind == DisplayRequest::Kind::trace)
      list.push_back({{"kind", "trace"}, {"source", source}, {"columns", d.columns}});
    else
      list.push_back(
          {{"kind", "spectrum"}, {"source", source}, {"bands", d.bands}, {"min_hz", d.min_hz}, {"max_hz", d.max_hz}});
  }
  return list;
}

// Throws nlohmann::json::exception for a missing or mistyped entry, UsageError for an
// impossible one.
std::vector<DisplayRequest> displays_from_json(const nlohmann::json& list) {
  std::vector<DisplayRequest> displays;
  for (const nlohmann::json& entry : list) {
    DisplayRequest d;
    const std::string kind = entry.at("kind").get<std::string>();
    if (kind != "trace" && kind != "spectrum") throw UsageError(fmt::format("no display kind \"{}\"", kind));
    d.kind = kind == "trace" ? DisplayRequest::Kind::trace : DisplayRequest::Kind::spectrum;
    const nlohmann::json& source = entry.at("source");
    d.source = source.is_string() && source.get<std::string>() == "mix" ? kMixSource : json_int(source);
    if (d.kind == DisplayRequest::Kind::trace) {
      d.columns = json_int(entry.at("columns"));
    } else {
      d.bands = json_int(entry.at("bands"));
      d.min_hz = entry.at("min_hz").get<double>();
      d.max_hz = entry.at("max_hz").get<double>();
    }
    const std::string problem = display_request_problem(d);
    if (!problem.empty()) throw UsageError(problem);
    displays.push_back(d);
  }
  return displays;
}

}  // namespace

nlohmann::json analysis_settings_json(const AnalysisSettings& s) {
  const Normalization& n = s.normalization;
  return {{"window_ms", s.window_ms},
          {"attack_ms", s.attack_ms},
          {"release_ms", s.release_ms},
          {"normalize", normalization_name(n)},
          {"floor_db", n.floor_db ? nlohmann::json(*n.floor_db) : nlohmann::json(nullptr)},
          {"gamma", n.gamma},
          {"bands", s.bands},
          {"bleed_reduce", s.bleed_reduce},
          {"displays", displays_json(s.displays)},
          {"mix_features", s.mix_features}};
}

AnalysisSettings analysis_settings_from_json(const nlohmann::json& j) {
  AnalysisSettings s;
  s.window_ms = j.at("window_ms").get<double>();
  s.attack_ms = j.at("attack_ms").get<double>();
  s.release_ms = j.at("release_ms").get<double>();
  s.normalization.mode =
      parse_normalization_mode(j.at("normalize").get<std::string>(), s.normalization.percentile, "normalize");
  if (!j.at("floor_db").is_null()) s.normalization.floor_db = j.at("floor_db").get<double>();
  s.normalization.gamma = j.at("gamma").get<double>();
  s.bands = json_int(j.at("bands"));
  s.bleed_reduce = j.at("bleed_reduce").get<bool>();
  // Absent in what stemviz wrote before displays existed: none.
  if (j.contains("displays")) s.displays = displays_from_json(j.at("displays"));
  if (j.contains("mix_features")) s.mix_features = j.at("mix_features").get<bool>();
  return s;
}

nlohmann::json stems_json(const std::vector<FeatureFileStem>& stems) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& stem : stems) {
    list.push_back({{"name", stem.name},
                    {"file", stem.file},
                    {"sha256", stem.sha256},
                    {"channels", stem.channels},
                    {"sample_rate", stem.sample_rate},
                    {"samples", stem.samples}});
  }
  return list;
}

std::vector<FeatureFileStem> stems_from_json(const nlohmann::json& list) {
  std::vector<FeatureFileStem> stems;
  for (const auto& stem : list) {
    stems.push_back({stem.at("name").get<std::string>(), stem.at("file").get<std::string>(),
                     stem.at("sha256").get<std::string>(), json_int(stem.at("channels")),
                     json_int(stem.at("sample_rate")), json_int64(stem.at("samples"))});
  }
  return stems;
}

std::vector<FeatureFileStem> describe_stems(const std::vector<StemInfo>& stems, bool hash, int threads) {
  std::vector<FeatureFileStem> described(stems.size());
  for_each_in_parallel(static_cast<int>(stems.size()), threads, [&](int s) {
    const StemInfo& stem = stems[static_cast<std::size_t>(s)];
    described[static_cast<std::size_t>(s)] = {stem.name,
                                              stem.path.filename().string(),
                                              hash ? sha256_of_file(stem.path) : "",
                                              stem.channels,
                                              stem.sample_rate,
                                              stem.samples};
  });
  return described;
}

std::string write_feature_file(std::ostream& out, const FeatureFile& file) {
  const FeatureTrack& features = file.analysis.features;
  const nlohmann::json metadata = {{"stemviz", STEMVIZ_VERSION},
                                   {"fps", {file.timeline.fps.num, file.timeline.fps.den}},
                                   {"sample_rate", file.timeline.sample_rate},
                                   {"samples", file.timeline.samples},
                                   {"frame_count", features.frame_count()},
                                   {"band_count", features.band_count()},
                                   {"mix_gain", file.analysis.mix_gain},
                                   {"mix_peak", file.analysis.mix_peak},
                                   {"settings", analysis_settings_json(file.settings)},
                                   {"stems", stems_json(file.stems)}};
  const std::string text = metadata.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  // The values go out as the track holds them, which is the file's order.
  const std::span<const float> values = features.values();
  std::string payload;
  std::size_t display_bytes = 0;
  for (const DisplayTrack& display : features.displays()) display_bytes += display.values.size() * sizeof(float);
  payload.reserve(sizeof(std::uint64_t) + text.size() + values.size_bytes() + display_bytes);
  append<std::uint64_t>(payload, text.size());
  payload += text;
  payload.append(reinterpret_cast<const char*>(values.data()), values.size_bytes());
  // Then each display's values, in the order of the settings' list.
  for (const DisplayTrack& display : features.displays())
    payload.append(reinterpret_cast<const char*>(display.values.data()), display.values.size() * sizeof(float));
  const std::string digest = Sha256().update(payload).digest();
  out.write(kMagic, sizeof(kMagic));
  const std::uint32_t version = kFeatureFormatVersion;
  out.write(reinterpret_cast<const char*>(&version), sizeof(version));
  out.write(digest.data(), static_cast<std::streamsize>(digest.size()));
  out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
  return to_hex(digest);
}

namespace {

// Reads exactly `size` bytes at `offset`; false at the end of the file or on an error.
bool read_at(std::FILE* file, void* into, std::size_t size, std::uint64_t offset) {
  auto* out = static_cast<char*>(into);
  while (size > 0) {
    const ssize_t got = ::pread(fileno(file), out, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    size -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

}  // namespace

FeatureFileRows::FeatureFileRows(const fs::path& path, FeatureFile& metadata, std::string* content_hash)
    : path_(path), file_(std::fopen(path.c_str(), "rb")) {
  if (!file_) throw InputError(fmt::format("{}: cannot open the feature file", path.string()));
  const auto damaged = [&](const std::string& what) {
    return InputError(fmt::format("{}: {}; make it again with stemviz analyze", path.string(), what));
  };
  struct stat info {};
  if (::fstat(fileno(file_.get()), &info) != 0) {
    throw InputError(fmt::format("{}: cannot read the feature file: {}", path.string(), system_error_text()));
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  checked_size_ = info.st_size;
  checked_time_ = info.st_mtim;
  char head[kHeaderSize + sizeof(std::uint64_t)];
  if (size < sizeof(kMagic) || !read_at(file_.get(), head, sizeof(kMagic), 0) ||
      std::memcmp(head, kMagic, sizeof(kMagic)) != 0) {
    throw InputError(fmt::format("{}: not a stemviz feature file", path.string()));
  }
  if (size < sizeof(head) || !read_at(file_.get(), head, sizeof(head), 0))
    throw damaged("the feature file is truncated");
  std::uint32_t version = 0;
  std::memcpy(&version, head + sizeof(kMagic), sizeof(version));
  if (version != kFeatureFormatVersion) {
    throw JobMismatch(
        fmt::format("{}: feature file format {}, but this stemviz reads format {}; "
                    "analyse the stems again with this version",
                    path.string(), version, kFeatureFormatVersion));
  }
  // The hash covers everything after the header: read through it in pieces, so that
  // checking a long song's file never holds all of it.
  Sha256 hash;
  std::vector<char> piece(std::size_t{1} << 20);
  for (std::uint64_t offset = kHeaderSize; offset < size;) {
    const std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), size - offset));
    if (!read_at(file_.get(), piece.data(), length, offset)) throw damaged("the feature file is truncated");
    hash.update(piece.data(), length);
    offset += length;
  }
  const std::string actual = hash.digest();
  if (std::string_view(head + sizeof(kMagic) + sizeof(version), kDigestSize) != actual) {
    throw damaged("the feature file is damaged (its content hash does not match)");
  }

  std::uint64_t text_size = 0;
  std::memcpy(&text_size, head + kHeaderSize, sizeof(text_size));
  const std::uint64_t text_start = sizeof(head);
  if (text_size > size - text_start) throw damaged("the feature file is truncated");
  std::string text(static_cast<std::size_t>(text_size), '\0');
  if (!read_at(file_.get(), text.data(), text.size(), text_start)) throw damaged("the feature file is truncated");
  try {
    const auto json = parse_json_capped<nlohmann::json>(text, path.string());
    metadata.timeline.fps = {json_int64(json.at("fps").at(0)), json_int64(json.at("fps").at(1))};
    metadata.timeline.sample_rate = json_int(json.at("sample_rate"));
    metadata.timeline.samples = json_int64(json.at("samples"));
    metadata.settings = analysis_settings_from_json(json.at("settings"));
    metadata.analysis.mix_gain = json.at("mix_gain").get<float>();
    metadata.analysis.mix_peak = json.at("mix_peak").get<double>();
    metadata.stems = stems_from_json(json.at("stems"));
    frames_ = json_int64(json.at("frame_count"));
    bands_ = json_int(json.at("band_count"));
  } catch (const nlohmann::json::exception& e) {
    throw damaged(fmt::format("the feature file's metadata is not readable ({})", e.what()));
  } catch (const UsageError& e) {
    // A setting that the command line would refuse: the file is damaged.
    throw damaged(fmt::format("the feature file's metadata is not readable ({})", e.what()));
  }
  // The mix's row follows the stems' when it was asked for.
  stems_ =
      static_cast<int>(metadata.stems.size()) + (metadata.settings.mix_features && !metadata.stems.empty() ? 1 : 0);
  if (!is_frame_rate(metadata.timeline.fps) || metadata.timeline.sample_rate <= 0) {
    throw damaged("the feature file has an impossible frame or sample rate");
  }
  if (frames_ < 0 || bands_ < 0 || bands_ > kMaxBands || (stems_ == 0 && frames_ != 0)) {
    throw damaged("the feature file has impossible sizes");
  }
  // Every frame of the song has its features: a render must never draw past what the file holds.
  if (stems_ > 0 && frames_ != metadata.timeline.frame_count()) {
    throw damaged(fmt::format("the feature file holds {} frames, but its timeline has {}", frames_,
                              metadata.timeline.frame_count()));
  }
  values_start_ = text_start + text_size;
  // Divided rather than multiplied out, so that a damaged frame count cannot wrap around to
  // the file's size.
  const std::uint64_t value_bytes = size - values_start_;
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(FeatureTrack::kValuesBeforeBands + bands_) * sizeof(float);
  std::uint64_t frame_bytes = static_cast<std::uint64_t>(stems_) * row_bytes;  // every stem's and display's
  for (const DisplayRequest& display : metadata.settings.displays) {
    if (display.source != kMixSource && display.source >= static_cast<int>(metadata.stems.size()))
      throw damaged("a display shows a stem it lacks");
    frame_bytes += static_cast<std::uint64_t>(display.values_per_frame()) * sizeof(float);
  }
  if (frame_bytes == 0
          ? value_bytes != 0
          : value_bytes % frame_bytes != 0 || value_bytes / frame_bytes != static_cast<std::uint64_t>(frames_)) {
    throw damaged("the feature file's size does not match its frame count");
  }
  displays_ = metadata.settings.displays;
  std::uint64_t display_start =
      values_start_ + static_cast<std::uint64_t>(stems_) * row_bytes * static_cast<std::uint64_t>(frames_);
  for (const DisplayRequest& display : displays_) {
    display_starts_.push_back(display_start);
    display_start +=
        static_cast<std::uint64_t>(display.values_per_frame()) * sizeof(float) * static_cast<std::uint64_t>(frames_);
  }
  metadata.analysis.features = {};
  if (content_hash != nullptr) *content_hash = to_hex(actual);
}

void FeatureFileRows::check_unchanged() const {
  // The values are read long after the hash was checked: a file written over in place since
  // then (a replaced one keeps the old inode open here) must not pass for the checked one.
  struct stat info {};
  if (::fstat(fileno(file_.get()), &info) != 0 || info.st_size != checked_size_ ||
      info.st_mtim.tv_sec != checked_time_.tv_sec || info.st_mtim.tv_nsec != checked_time_.tv_nsec) {
    throw Failure(fmt::format("{}: the feature file changed while it was in use; run the job again", path_.string()));
  }
}

void FeatureFileRows::read_display(int display, std::int64_t first, std::int64_t count, float* into) const {
  check_unchanged();
  const auto d = static_cast<std::size_t>(display);
  const std::uint64_t frame_bytes = static_cast<std::uint64_t>(displays_[d].values_per_frame()) * sizeof(float);
  errno = 0;
  if (!read_at(file_.get(), into, static_cast<std::size_t>(count) * frame_bytes,
               display_starts_[d] + static_cast<std::uint64_t>(first) * frame_bytes)) {
    throw Failure(fmt::format("{}: cannot read display {} of frames {} to {}: {}", path_.string(), display, first,
                              first + count - 1, errno != 0 ? system_error_text() : "the file is shorter than it was"));
  }
}

void FeatureFileRows::read(std::int64_t first, std::int64_t count, FeatureTrack& block) const {
  check_unchanged();
  reshape(block, stems_, count, bands_);
  const std::uint64_t row_bytes = block.values_per_frame() * sizeof(float);
  for (int stem = 0; stem < stems_; ++stem) {
    const std::span<float> into = block.stem_values(stem, 0, count);
    const std::uint64_t frame =
        static_cast<std::uint64_t>(stem) * static_cast<std::uint64_t>(frames_) + static_cast<std::uint64_t>(first);
    errno = 0;  // what is left at the end of the file
    if (!read_at(file_.get(), into.data(), into.size_bytes(), values_start_ + frame * row_bytes)) {
      throw Failure(fmt::format("{}: cannot read the features of frames {} to {}: {}", path_.string(), first,
                                first + count - 1,
                                errno != 0 ? system_error_text() : "the file is shorter than it was"));
    }
  }
}

FeatureFile read_feature_file(const fs::path& path, std::string* content_hash) {
  FeatureFile file;
  const FeatureFileRows rows(path, file, content_hash);
  rows.read(0, rows.frame_count(), file.analysis.features);
  for (std::size_t d = 0; d < rows.displays().size(); ++d) {
    DisplayTrack& display = file.analysis.features.displays().emplace_back();
    display.request = rows.displays()[d];
    display.values.resize(static_cast<std::size_t>(rows.frame_count()) *
                          static_cast<std::size_t>(display.request.values_per_frame()));
    if (!display.values.empty()) rows.read_display(static_cast<int>(d), 0, rows.frame_count(), display.values.data());
  }
  return file;
}

namespace {

// What identifies this build of stemviz: a rebuilt binary may analyse differently.
std::string binary_identity() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto size = fs::file_size(self, error);
    const auto time = fs::last_write_time(self, error);
    if (!error) return fmt::format("{} {} {}", self.string(), size, time.time_since_epoch().count());
  }
  return STEMVIZ_VERSION;
}

}  // namespace

std::string FeatureCache::key(const std::vector<StemInfo>& stems, const Timeline& timeline,
                              const AnalysisSettings& settings) {
  static const std::string binary = binary_identity();
  Sha256 hash;
  hash.update(fmt::format("stemviz feature cache {}\n{}\n", kFeatureFormatVersion, binary));
  hash.update(fmt::format("{} {} {}\n", timeline.fps.to_string(), timeline.sample_rate, timeline.samples));
  hash.update(analysis_settings_json(settings).dump() + "\n");
  for (const auto& stem : stems) {
    std::error_code error;
    const fs::path absolute = fs::absolute(stem.path, error);
    const auto size = fs::file_size(stem.path, error);
    const auto time = fs::last_write_time(stem.path, error);
    if (error) return {};  // a stem that cannot be stat'ed is never cached
    hash.update(fmt::format("{}\n{} {} {} {} {}\n", absolute.string(), size, time.time_since_epoch().count(),
                            stem.channels, stem.sample_rate, stem.samples));
  }
  return hash.hex();
}

fs::path FeatureCache::entry(const std::string& key) const {
  return folder_ / fmt::format("features-{}.svf", key.substr(0, 32));
}

std::optional<FeatureFile> FeatureCache::load(const std::string& key) const {
  if (key.empty()) return std::nullopt;
  const fs::path path = entry(key);
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return std::nullopt;
  try {
    FeatureFile file = read_feature_file(path);
    fs::last_write_time(path, fs::file_time_type::clock::now(), error);  // most recently used
    return file;
  } catch (const Error&) {
    fs::remove(path, error);  // damaged or from another format: analyse again
    return std::nullopt;
  }
}

std::string FeatureCache::store(const std::string& key, const FeatureFile& file) const {
  if (key.empty()) return "a stem's file could not be inspected";
  std::error_code error;
  fs::create_directories(folder_, error);
  if (error) return fmt::format("cannot create {}: {}", folder_.string(), error.message());
  try {
    const fs::path path = entry(key);
    TempFile temp(temp_path_for(path));
    std::ofstream out(temp.path(), std::ios::binary);
    write_feature_file(out, file);
    out.close();
    if (!out) return fmt::format("cannot write {}: {}", temp.path().string(), system_error_text());
    temp.keep_as(path);
  } catch (const Error& e) {
    return e.what();
  }
  // Keep the most recently used entries only.
  std::vector<std::pair<fs::file_time_type, fs::path>> entries;
  for (const auto& item : fs::directory_iterator(folder_, error)) {
    const std::string name = item.path().filename().string();
    if (name.rfind("features-", 0) == 0 && item.path().extension() == ".svf") {
      entries.emplace_back(item.last_write_time(error), item.path());
    }
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = kCacheEntries; i < entries.size(); ++i) fs::remove(entries[i].second, error);
  return {};
}

}  // namespace stemviz
