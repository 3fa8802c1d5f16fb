#include <stemviz/scene/layer_reader.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>

namespace stemviz {

namespace {

// The keys every 2D layer takes.
const std::vector<std::string> kBoxKeys = {"position", "anchor", "width", "height", "opacity", "blend", "stem"};

// What the layer's numbers may read: a bound stem's variables, or the frame's alone.
Scope scope_of(const LayerDescription& layer) { return layer.stem.empty() ? Scope::frame : Scope::stem; }

void read_box(const TableReader& reader, LayerDescription& layer) {
  // A layer bound to a stem reads that stem's variables.
  if (const toml::node* stem = reader.node("stem")) {
    layer.stem_where = spot_of(*stem, reader.file());
    if (stem->is_integer()) {
      const std::int64_t index = *stem->value<std::int64_t>();
      if (index < 0 || index > 31) {
        throw InputError(fmt::format("{}: 'stem' is a stem's name or its index from 0 to 31, not {}",
                                     layer.stem_where.to_string(), index));
      }
      layer.stem = std::to_string(index);
    } else {
      layer.stem = reader.text("stem", "");
      if (layer.stem.empty())
        throw InputError(fmt::format("{}: 'stem' is empty; give a stem's name", layer.stem_where.to_string()));
    }
  }
  const Scope scope = scope_of(layer);
  if (const toml::array* position = reader.array("position", 2, 2, "[0.5, 0.9]")) {
    for (std::size_t k = 0; k < 2; ++k)
      layer.position[k] = reader.number_at(*position->get(k), "position", scope, -10.0, 10.0);
  }
  layer.position[0].scope = layer.position[1].scope = scope;
  const std::string anchor = reader.choice(
      "anchor", "center",
      {"center", "top-left", "top", "top-right", "left", "right", "bottom-left", "bottom", "bottom-right"});
  static const std::vector<std::pair<std::string, Anchor>> anchors = {
      {"center", Anchor::center},           {"top-left", Anchor::top_left}, {"top", Anchor::top},
      {"top-right", Anchor::top_right},     {"left", Anchor::left},         {"right", Anchor::right},
      {"bottom-left", Anchor::bottom_left}, {"bottom", Anchor::bottom},     {"bottom-right", Anchor::bottom_right}};
  for (const auto& [name, value] : anchors)
    if (name == anchor) layer.anchor = value;
  if (reader.has("width")) layer.width = reader.number("width", {}, scope, 0.0, 10.0);
  if (reader.has("height")) layer.height = reader.number("height", {}, scope, 0.0, 10.0);
  layer.opacity = reader.number("opacity", layer.opacity, scope, 0.0, 1.0);
  const std::string blend = reader.choice("blend", "normal", {"normal", "add", "screen", "multiply"});
  layer.blend = blend == "add"        ? Blend::add
                : blend == "screen"   ? Blend::screen
                : blend == "multiply" ? Blend::multiply
                                      : Blend::normal;
}

// The pieces of text `text`, written at `where`: known placeholders only, and {name} only in
// a layer bound to a stem.
std::vector<TextPiece> read_placeholders(const std::string& text, const SourceSpot& where, bool bound) {
  static const std::vector<std::pair<std::string, Placeholder>> known = {
      {"title", Placeholder::title},         {"artist", Placeholder::artist},     {"time", Placeholder::time},
      {"remaining", Placeholder::remaining}, {"duration", Placeholder::duration}, {"name", Placeholder::name}};
  std::vector<std::string> names;
  for (const auto& entry : known) names.push_back(entry.first);
  std::vector<TextPiece> pieces;
  std::size_t at = 0;
  for (std::size_t open = text.find('{'); open != std::string::npos; open = text.find('{', at)) {
    const std::size_t close = text.find('}', open);
    // The spot of the brace, when the text is on one line as most are.
    const SourceSpot spot = where.shifted(static_cast<int>(open));
    if (close == std::string::npos)
      throw InputError(
          fmt::format("{}: a '{{' with no '}}'; placeholders are {{{}}}", spot.to_string(), fmt::join(names, "}, {")));
    const std::string name = text.substr(open + 1, close - open - 1);
    const auto found = std::find_if(known.begin(), known.end(), [&](const auto& entry) { return entry.first == name; });
    if (found == known.end()) {
      const std::string closest = closest_name(name, names);
      throw InputError(fmt::format("{}: no placeholder {{{}}}{}; the placeholders are {{{}}}", spot.to_string(), name,
                                   closest.empty() ? "" : fmt::format(" (did you mean {{{}}}?)", closest),
                                   fmt::join(names, "}, {")));
    }
    if (found->second == Placeholder::name && !bound)
      throw InputError(fmt::format("{}: {{name}} is the bound stem's name; give the layer a 'stem'", spot.to_string()));
    pieces.push_back({text.substr(at, open - at), found->second});
    at = close + 1;
  }
  pieces.push_back({text.substr(at), Placeholder::none});
  return pieces;
}

// The keys that style text, shared by text and lyrics layers.
const std::vector<std::string> kTextStyleKeys = {"size", "font", "colour", "outline_colour", "outline_width", "align"};

void read_text_style(const TableReader& reader, Scope scope, TextLayer& text) {
  text.size = reader.number("size", text.size, scope, 1.0, 2000.0);
  text.font = reader.text("font", "");
  text.colour = reader.colour("colour", text.colour);
  if (reader.has("outline_colour")) text.outline_colour = reader.colour("outline_colour", {});
  text.outline_width = reader.number("outline_width", text.outline_width, scope, 0.0, 100.0);
  if (reader.has("outline_width") && !text.outline_colour)
    text.outline_colour = Colour{0, 0, 0};  // an outline asked for by its width alone is black
  const std::string align = reader.choice("align", "center", {"left", "center", "right"});
  text.align = align == "left" ? TextAlign::left : align == "right" ? TextAlign::right : TextAlign::center;
}

void read_text(const TableReader& reader, LayerDescription& layer) {
  read_box(reader, layer);
  TextLayer text;
  if (!reader.has("text"))
    throw InputError(
        fmt::format("{}: a text layer needs 'text', such as text = \"{{title}}\"", layer.where.to_string()));
  text.pieces = read_placeholders(reader.text("text", ""), spot_of(*reader.node("text"), reader.file()).shifted(1),
                                  !layer.stem.empty());
  read_text_style(reader, scope_of(layer), text);
  layer.details = std::move(text);
}

// The `file` of an image or lyrics layer: required; no placeholder but `slot`.
std::string read_file_key(const TableReader& reader, const LayerDescription& layer, const std::string& slot,
                          const char* what) {
  const std::string file = reader.text("file", "");
  if (file.empty()) {
    throw InputError(
        fmt::format("{}: {} layer needs 'file', {} relative to the scene file, or \"{}\" for the one "
                    "given with --{}",
                    (reader.has("file") ? reader.spot("file") : layer.where).to_string(),
                    layer.kind == "image" ? "an image" : "a lyrics", what, slot, slot.substr(1, slot.size() - 2)));
  }
  if (file.find('{') != std::string::npos && file != slot) {
    throw InputError(fmt::format("{}: 'file' takes no placeholder but \"{}\" (the file given with --{})",
                                 spot_of(*reader.node("file"), reader.file()).to_string(), slot,
                                 slot.substr(1, slot.size() - 2)));
  }
  return file;
}

void read_lyrics(const TableReader& reader, LayerDescription& layer) {
  read_box(reader, layer);
  LyricsLayer lyrics;
  lyrics.file = read_file_key(reader, layer, "{lyrics}", "an LRC or SRT file's path");
  lyrics.fade = reader.constant("fade", lyrics.fade, 0.0, 10.0);
  lyrics.next_line = reader.boolean("next_line", lyrics.next_line);
  read_text_style(reader, scope_of(layer), lyrics.style);
  layer.details = std::move(lyrics);
}

void read_image(const TableReader& reader, LayerDescription& layer) {
  read_box(reader, layer);
  ImageLayer image;
  image.file = read_file_key(reader, layer, "{cover}", "a picture's path");
  if (reader.has("fallback")) {
    image.fallback = reader.text("fallback", "");
    const SourceSpot where = spot_of(*reader.node("fallback"), reader.file()).shifted(1);
    if (image.file != "{cover}")
      throw InputError(
          fmt::format("{}: 'fallback' is shown when file = \"{{cover}}\" has no --cover; this "
                      "layer's file is always there",
                      where.to_string()));
    if (image.fallback.empty() || image.fallback.find('{') != std::string::npos)
      throw InputError(
          fmt::format("{}: 'fallback' is a picture's path, relative to the scene file", where.to_string()));
  }
  const std::string fit = reader.choice("fit", "contain", {"contain", "cover", "stretch"});
  image.fit = fit == "cover" ? Fit::cover : fit == "stretch" ? Fit::stretch : Fit::contain;
  const Scope scope = scope_of(layer);
  image.scale = reader.number("scale", image.scale, scope, 0.0, 100.0);
  image.rotate = reader.number("rotate", image.rotate, scope, -1e6, 1e6);
  layer.details = std::move(image);
}

void read_video(const TableReader& reader, LayerDescription& layer) {
  read_box(reader, layer);
  VideoLayer video;
  video.file = reader.text("file", "");
  if (video.file.empty())
    throw InputError(fmt::format("{}: a video layer needs 'file', a video's path relative to the scene file",
                                 (reader.has("file") ? reader.spot("file") : layer.where).to_string()));
  const std::string fit = reader.choice("fit", "cover", {"contain", "cover", "stretch"});
  video.fit = fit == "contain" ? Fit::contain : fit == "stretch" ? Fit::stretch : Fit::cover;
  video.loop = reader.boolean("loop", video.loop);
  video.offset = reader.constant("offset", video.offset, -1e6, 1e6);
  layer.details = std::move(video);
}

void read_meters(const TableReader& reader, LayerDescription& layer) {
  read_box(reader, layer);
  MetersLayer meters;
  if (const toml::array* stems = reader.array("stems", 1, 32, "[\"kick\", \"snare\"]")) {
    for (const toml::node& stem : *stems) {
      MetersLayer::StemName name{{}, spot_of(stem, reader.file())};
      if (stem.is_integer() && *stem.value<std::int64_t>() >= 0 && *stem.value<std::int64_t>() <= 31) {
        name.name = std::to_string(*stem.value<std::int64_t>());
      } else if (stem.is_string() && !stem.value<std::string>()->empty()) {
        name.name = *stem.value<std::string>();
      } else {
        reader.wrong_type("stems", stem, "a stem's name or its index from 0");
      }
      meters.stems.push_back(std::move(name));
    }
  }
  meters.db = reader.choice("scale", "level", {"level", "db"}) == "db";
  meters.floor_db = reader.constant("floor_db", meters.floor_db, -120.0, -6.0);
  meters.peak_hold = reader.constant("peak_hold", meters.peak_hold, 0.0, 10.0);
  meters.horizontal = reader.choice("direction", "up", {"up", "right"}) == "right";
  meters.gap = reader.constant("gap", meters.gap, 0.0, 4.0);
  meters.labels = reader.boolean("labels", meters.labels);
  meters.label_size = reader.number("label_size", meters.label_size, Scope::frame, 1.0, 500.0);
  meters.label_colour = reader.colour("label_colour", meters.label_colour);
  meters.track_colour = reader.colour("track_colour", meters.track_colour);
  if (const toml::array* colours = reader.array("colours", 1, 32, "[\"#ff8800\", \"#3388ff\"]"))
    for (const toml::node& colour : *colours) meters.colours.push_back(reader.colour_at(colour, "colours"));
  layer.details = std::move(meters);
}

// A `colour` that is one colour or a list of them (a gradient).
std::vector<Colour> read_colours(const TableReader& reader, const char* key, std::vector<Colour> fallback) {
  const toml::node* node = reader.node(key);
  if (!node) return fallback;
  if (!node->is_array()) return {reader.colour(key, {})};
  std::vector<Colour> colours;
  const toml::array* list = reader.array(key, 1, 16, "[\"#40c0ff\", \"#ff4080\"]");
  for (const toml::node& colour : *list) colours.push_back(reader.colour_at(colour, key));
  return colours;
}

void read_waveform(const TableReader& reader, LayerDescription& layer) {
  read_box(reader, layer);
  WaveformLayer wave;
  const std::string style = reader.choice("style", "filled", {"line", "filled", "mirrored", "radial"});
  wave.style = style == "line"       ? WaveStyle::line
               : style == "mirrored" ? WaveStyle::mirrored
               : style == "radial"   ? WaveStyle::radial
                                     : WaveStyle::filled;
  wave.seconds = reader.constant("seconds", wave.seconds, 0.001, 60.0);
  wave.colour = reader.colour("colour", wave.colour);
  wave.line_width = reader.number("line_width", wave.line_width, scope_of(layer), 0.1, 100.0);
  wave.gain = reader.number("gain", wave.gain, scope_of(layer), 0.0, 100.0);
  wave.inner = reader.constant("inner", wave.inner, 0.0, 1.0);
  layer.details = wave;
}

void read_spectrum(const TableReader& reader, LayerDescription& layer) {
  read_box(reader, layer);
  SpectrumLayer spectrum;
  spectrum.bands = reader.integer("bands", spectrum.bands, kMinDisplayBands, kMaxDisplayBands);
  spectrum.min_hz = reader.constant("min_hz", spectrum.min_hz, 1.0, 48000.0);
  spectrum.max_hz = reader.constant("max_hz", spectrum.max_hz, 2.0, 96000.0);
  if (spectrum.max_hz < 2.0 * spectrum.min_hz) {
    throw InputError(
        fmt::format("{}: 'max_hz' {} must be at least twice 'min_hz' ({}): a spectrum spans an octave or more",
                    spot_of(*reader.node(reader.has("max_hz") ? "max_hz" : "min_hz"), reader.file()).to_string(),
                    format_number(spectrum.max_hz), format_number(spectrum.min_hz)));
  }
  const std::string style = reader.choice("style", "bars", {"bars", "line", "radial", "mirrored"});
  spectrum.style = style == "line"       ? SpectrumStyle::line
                   : style == "radial"   ? SpectrumStyle::radial
                   : style == "mirrored" ? SpectrumStyle::mirrored
                                         : SpectrumStyle::bars;
  spectrum.colours = read_colours(reader, "colour", spectrum.colours);
  spectrum.gap = reader.constant("gap", spectrum.gap, 0.0, 4.0);
  spectrum.peak_hold = reader.constant("peak_hold", spectrum.peak_hold, 0.0, 10.0);
  spectrum.floor_db = reader.constant("floor_db", spectrum.floor_db, -120.0, -6.0);
  spectrum.line_width = reader.number("line_width", spectrum.line_width, scope_of(layer), 0.1, 100.0);
  spectrum.inner = reader.constant("inner", spectrum.inner, 0.0, 1.0);
  layer.details = std::move(spectrum);
}

// `own` keys and the text style's.
std::vector<std::string> styled(std::vector<std::string> own) {
  own.insert(own.end(), kTextStyleKeys.begin(), kTextStyleKeys.end());
  return own;
}

// The kinds of layer: each one's name, whether it is a 2D layer (taking kBoxKeys), its own
// keys and its reader. One line per kind.
struct LayerKind {
  const char* name;
  bool placed;
  std::vector<std::string> keys;
  void (*read)(const TableReader&, LayerDescription&);
};
const std::vector<LayerKind>& layer_kinds() {
  static const std::vector<LayerKind> kinds = {
      {"stage", false, {}, [](const TableReader&, LayerDescription& layer) { layer.details = StageLayer{}; }},
      {"text", true, styled({"text"}), read_text},
      {"image", true, {"file", "fallback", "fit", "scale", "rotate"}, read_image},
      {"lyrics", true, styled({"file", "fade", "next_line"}), read_lyrics},
      {"meters",
       true,
       {"stems", "scale", "floor_db", "peak_hold", "direction", "gap", "labels", "label_size", "label_colour",
        "colours", "track_colour"},
       read_meters},
      {"video", true, {"file", "fit", "loop", "offset"}, read_video},
      {"waveform", true, {"style", "seconds", "colour", "line_width", "gain", "inner"}, read_waveform},
      {"spectrum",
       true,
       {"bands", "min_hz", "max_hz", "style", "colour", "gap", "peak_hold", "floor_db", "line_width", "inner"},
       read_spectrum},
  };
  return kinds;
}

}  // namespace

void read_layers(const TableReader& top, std::vector<LayerDescription>& layers, std::vector<SceneAsset>& assets) {
  const toml::node* node = top.node("layers");
  if (!node) return;
  const toml::array* list = node->as_array();
  if (!list || !list->is_array_of_tables() || list->empty())
    top.wrong_type("layers", *node, "a list of [[layers]] tables");
  std::vector<std::string> kind_names;
  for (const LayerKind& kind : layer_kinds()) kind_names.emplace_back(kind.name);
  std::optional<SourceSpot> stage_at;
  for (const toml::node& entry : *list) {
    const toml::table& table = *entry.as_table();
    LayerDescription layer;
    const toml::node* kind_node = table.get("kind");
    if (!kind_node || !kind_node->is_string()) {
      throw InputError(fmt::format("{}: a [[layers]] entry needs 'kind', one of {}",
                                   spot_of(kind_node ? *kind_node : entry, top.file()).to_string(),
                                   fmt::join(kind_names, ", ")));
    }
    layer.kind = *kind_node->value<std::string>();
    layer.where = spot_of(*kind_node, top.file());
    const auto kind = std::find_if(layer_kinds().begin(), layer_kinds().end(),
                                   [&](const LayerKind& k) { return layer.kind == k.name; });
    if (kind == layer_kinds().end()) {
      const std::string closest = closest_name(layer.kind, kind_names);
      throw InputError(fmt::format("{}: no layer kind \"{}\"{}; the kinds are {}", layer.where.to_string(), layer.kind,
                                   closest.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", closest),
                                   fmt::join(kind_names, ", ")));
    }
    std::vector<std::string> known = {"kind"};
    if (kind->placed) known.insert(known.end(), kBoxKeys.begin(), kBoxKeys.end());
    known.insert(known.end(), kind->keys.begin(), kind->keys.end());
    const TableReader reader(table, fmt::format("a {} layer", layer.kind), top.file(), known);
    kind->read(reader, layer);
    const auto name_file = [&](SceneAsset::Kind what, const std::string& name, const char* key) {
      const auto same = std::find_if(assets.begin(), assets.end(), [&](const SceneAsset& a) { return a.name == name; });
      const SourceSpot where = spot_of(*reader.node(key), top.file()).shifted(1);
      if (same == assets.end()) {
        assets.push_back({what, name, where});
      } else if (same->kind != what) {
        const auto word = [](SceneAsset::Kind of) {
          return of == SceneAsset::Kind::picture ? "a picture" : of == SceneAsset::Kind::video ? "a video" : "lyrics";
        };
        throw InputError(fmt::format("{}: \"{}\" is {} here and {} at {}; one file cannot be both", where.to_string(),
                                     name, word(what), word(same->kind), same->where.to_string()));
      }
    };
    if (const auto* image = std::get_if<ImageLayer>(&layer.details)) {
      name_file(SceneAsset::Kind::picture, image->file, "file");
      if (!image->fallback.empty()) name_file(SceneAsset::Kind::picture, image->fallback, "fallback");
    }
    if (const auto* video = std::get_if<VideoLayer>(&layer.details))
      name_file(SceneAsset::Kind::video, video->file, "file");
    if (const auto* lyrics = std::get_if<LyricsLayer>(&layer.details))
      name_file(SceneAsset::Kind::lyrics, lyrics->file, "file");
    if (std::holds_alternative<StageLayer>(layer.details)) {
      if (stage_at) {
        throw InputError(fmt::format("{}: the stage may appear once in [[layers]]; it is already at {}",
                                     layer.where.to_string(), stage_at->to_string()));
      }
      stage_at = layer.where;
    }
    layers.push_back(std::move(layer));
  }
}

namespace {

// The index of the stem `stem` (a name, or an index from 0) names among `stem_names`, or
// stem_names.size() (the mix's row) for "mix".
int find_stem(const std::string& stem, const SourceSpot& where, const std::vector<std::string>& stem_names) {
  if (stem == kMixStemName) return static_cast<int>(stem_names.size());
  for (std::size_t k = 0; k < stem_names.size(); ++k)
    if (stem_names[k] == stem) return static_cast<int>(k);
  int index = -1;
  const char* end = stem.data() + stem.size();
  if (std::from_chars(stem.data(), end, index).ptr == end && index >= 0 && index < static_cast<int>(stem_names.size()))
    return index;
  std::vector<std::string> names = stem_names;
  names.emplace_back(kMixStemName);
  const std::string closest = closest_name(stem, names);
  throw InputError(fmt::format(
      "{}: no stem \"{}\"{}; the stems are {} (or their index from 0), and \"mix\" is their sum", where.to_string(),
      stem, closest.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", closest), fmt::join(stem_names, ", ")));
}

}  // namespace

int layer_stem(const LayerDescription& layer, const std::vector<std::string>& stem_names) {
  return layer.stem.empty() ? -1 : find_stem(layer.stem, layer.stem_where, stem_names);
}

std::optional<SourceSpot> mix_features_wanted(const std::vector<LayerDescription>& layers) {
  for (const LayerDescription& layer : layers) {
    if (layer.stem == kMixStemName) return layer.stem_where;
    if (const auto* meters = std::get_if<MetersLayer>(&layer.details))
      for (const MetersLayer::StemName& stem : meters->stems)
        if (stem.name == kMixStemName) return stem.where;
  }
  return std::nullopt;
}

std::int64_t trace_frames(const WaveformLayer& waveform, double fps) {
  return std::max<std::int64_t>(1, std::llround(waveform.seconds * fps));
}

std::optional<DisplayRequest> display_request(const LayerDescription& layer, const std::vector<std::string>& stem_names,
                                              double fps) {
  DisplayRequest request;
  request.source = layer.stem.empty() || layer.stem == kMixStemName ? kMixSource : layer_stem(layer, stem_names);
  if (const auto* wave = std::get_if<WaveformLayer>(&layer.details)) {
    // About 1200 points across the whole trace: finer than a 1080p box shows, and 144 KB a
    // minute of 60 fps for a 4 s trace. A trace shorter than a frame gets the most columns.
    constexpr std::int64_t kTracePoints = 1200;
    const std::int64_t frames = trace_frames(*wave, fps);
    request.kind = DisplayRequest::Kind::trace;
    request.columns =
        static_cast<int>(std::clamp<std::int64_t>((kTracePoints + frames - 1) / frames, 1, kMaxTraceColumns));
    return request;
  }
  if (const auto* spectrum = std::get_if<SpectrumLayer>(&layer.details)) {
    request.kind = DisplayRequest::Kind::spectrum;
    request.bands = spectrum->bands;
    request.min_hz = spectrum->min_hz;
    request.max_hz = spectrum->max_hz;
    return request;
  }
  return std::nullopt;
}

std::vector<DisplayRequest> display_requests(const std::vector<LayerDescription>& layers,
                                             const std::vector<std::string>& stem_names, double fps) {
  std::vector<DisplayRequest> requests;
  for (const LayerDescription& layer : layers) {
    const std::optional<DisplayRequest> request = display_request(layer, stem_names, fps);
    if (request && std::find(requests.begin(), requests.end(), *request) == requests.end())
      requests.push_back(*request);
  }
  return requests;
}

std::vector<int> meter_stems(const MetersLayer& meters, const std::vector<std::string>& stem_names) {
  std::vector<int> stems;
  for (const MetersLayer::StemName& stem : meters.stems) stems.push_back(find_stem(stem.name, stem.where, stem_names));
  if (meters.stems.empty())
    for (std::size_t k = 0; k < stem_names.size(); ++k) stems.push_back(static_cast<int>(k));
  return stems;
}

void check_layer_stems(const std::vector<LayerDescription>& layers, const std::vector<std::string>& stem_names) {
  for (const LayerDescription& layer : layers) {
    layer_stem(layer, stem_names);
    if (const auto* meters = std::get_if<MetersLayer>(&layer.details)) meter_stems(*meters, stem_names);
  }
}

}  // namespace stemviz
