// Layers: what a scene's `[[layers]]` list describes, drawn in order over the background,
// the first at the bottom. One entry may be the 3D stage (`kind = "stage"`); the others are
// 2D elements placed in fractions of the picture, so one scene serves 16:9, 9:16 and square
// pictures. A scene without `[[layers]]` is the stage alone. scenes/README.md documents
// every key. A new kind is a struct here, its reader in layers.cpp's table of kinds, and a
// file pair in draw/ that draws it.
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/scene/values.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace stemviz {

// Which point of a layer's box sits at its `position`.
enum class Anchor { center, top_left, top, top_right, left, right, bottom_left, bottom, bottom_right };

// How a layer's pixels combine with what lies under them (Cairo's operators of those names).
enum class Blend { normal, add, screen, multiply };

enum class TextAlign { left, center, right };

// How a picture fills its layer's box: whole inside it, covering it (cut at two sides), or
// stretched to it.
enum class Fit { contain, cover, stretch };

// The 3D stage of [camera], [lighting], [layout], [floor] and [object]; no keys of its own.
struct StageLayer {};

// What a text's placeholder stands for: {title}, {artist}, {time} and {remaining} (m:ss of
// the frame's time and of what is left of the song), {duration} (m:ss), {name} (the bound
// stem's name).
enum class Placeholder { none, title, artist, time, remaining, duration, name };

// A stretch of a text: literal characters, then the placeholder that follows them (none at
// the end).
struct TextPiece {
  std::string literal;
  Placeholder placeholder = Placeholder::none;
};

// Text, laid out once per distinct string.
struct TextLayer {
  std::vector<TextPiece> pieces;   // the `text` key, its placeholders told apart
  Number size = Number::of(48.0);  // font height, pixels at 1080 lines, 1..2000
  std::string font;                // a Pango font description ("DejaVu Sans Bold"); size is `size`
  Colour colour{1, 1, 1};
  std::optional<Colour> outline_colour;
  Number outline_width = Number::of(0.0);  // pixels at 1080 lines, 0..100
  TextAlign align = TextAlign::center;     // lines within the text's box
};

// A picture from a file (PNG, JPEG, WebP, ...), scaled once to its box.
struct ImageLayer {
  // As the scene gives it: a path relative to the scene file, or "{cover}" for --cover.
  std::string file;
  // Shown when `file` is "{cover}" and no --cover was given; empty for nothing.
  std::string fallback;
  Fit fit = Fit::contain;
  Number scale = Number::of(1.0);   // about the box's centre, 0..100
  Number rotate = Number::of(0.0);  // degrees clockwise about the box's centre
};

// A video file (any libav-decodable file in a common container), the frame showing at the
// frame's time: a background or an inset.
struct VideoLayer {
  std::string file;      // relative to the scene file
  Fit fit = Fit::cover;  // in its box, as an image's
  bool loop = true;      // after its end, from its start again; else its last frame stays
  double offset = 0.0;   // seconds into the video at the song's start, -1e6..1e6
};

// Timed lyrics or captions (LRC or SRT): the line showing at the frame's time, fading in
// and out, with the next line under it if asked; text keys as TextLayer's.
struct LyricsLayer {
  std::string file;        // relative to the scene file, or "{lyrics}" for --lyrics
  TextLayer style;         // its `pieces` unused
  double fade = 0.15;      // seconds each line fades in and out, 0..10
  bool next_line = false;  // show the next line under the current one, smaller and dimmer
};

// One level meter per stem, labelled with its name: what each microphone hears.
struct MetersLayer {
  struct StemName {
    std::string name;  // a stem's name, or its index from 0
    SourceSpot where;
  };
  std::vector<StemName> stems;           // empty: every stem, in stem order; "mix" for the mix
  bool db = false;                       // a dB scale (the `db` feature) from floor_db up to 0 dB, else `level` 0..1
  double floor_db = -60.0;               // -120..-6
  double peak_hold = 1.5;                // seconds a peak mark stays, 0..10 (0: no mark)
  bool horizontal = false;               // bars grow to the right, one above the other, else upwards
  double gap = 0.3;                      // between meters, as a share of a meter's width, 0..4
  bool labels = true;                    // each stem's name beside its meter
  Number label_size = Number::of(22.0);  // pixels at 1080 lines, 1..500
  Colour label_colour{0xdb / 255.0, 0xe0 / 255.0, 0xf0 / 255.0};  // "#dbe0f0"
  std::vector<Colour> colours;                                    // per meter, repeated; empty: the stems' colours
  Colour track_colour{0x29 / 255.0, 0x2b / 255.0, 0x38 / 255.0};  // "#292b38": the unlit part of a meter
};

// How a waveform layer draws its trace: a line through each column's middle, the band
// between each column's smallest and largest sample, that band made symmetric about the
// middle (the larger of the two), or the symmetric band bent around a circle.
enum class WaveStyle { line, filled, mirrored, radial };

// The samples of a stem or the mix over `seconds` centred on the frame's time (what plays
// now is in the middle), from the analysis's trace (DisplayRequest::Kind::trace).
struct WaveformLayer {
  WaveStyle style = WaveStyle::filled;
  double seconds = 4.0;  // the stretch the trace spans, 0.001..60; whole frames, at least one
  Colour colour{1, 1, 1};
  Number line_width = Number::of(3.0);  // pixels at 1080 lines, 0.1..100 (the line and radial styles)
  Number gain = Number::of(1.0);        // amplitude scale, 0..100: 1 draws full scale at the box's edge
  double inner = 0.5;                   // radial: the circle's radius, a share of half the box's smaller side, 0..1
};

// How a spectrum layer draws its bands: bars up from the bottom, a line through their tops,
// bars outwards around a circle, or bars grown both ways from the middle.
enum class SpectrumStyle { bars, line, radial, mirrored };

// The amplitude of a stem or the mix in log-spaced bands at the frame, from the analysis's
// spectrum (DisplayRequest::Kind::spectrum), on a dB scale from floor_db (nothing shown) to 0
// dB (the source's loudest band at any frame).
struct SpectrumLayer {
  int bands = 32;  // kMinDisplayBands..kMaxDisplayBands
  double min_hz = 40.0, max_hz = 16000.0;
  SpectrumStyle style = SpectrumStyle::bars;
  std::vector<Colour> colours{Colour{1, 1, 1}};  // one, or a gradient from the lowest band to the highest
  double gap = 0.25;                             // between bars, a share of a bar's width, 0..4
  double peak_hold = 0.0;                        // seconds a band's peak mark stays, 0..10 (0: none)
  double floor_db = -48.0;                       // -120..-6
  Number line_width = Number::of(3.0);           // pixels at 1080 lines, 0.1..100 (the line style)
  double inner = 0.5;                            // radial: as WaveformLayer's
};

struct LayerDescription {
  std::string kind;  // "stage", "text", ...
  SourceSpot where;  // of the entry's `kind`
  // Where the box's anchor point sits: fractions of the picture, x from the left, y from the top.
  std::array<Number, 2> position{Number::of(0.5), Number::of(0.5)};
  Anchor anchor = Anchor::center;
  // The box: fractions of the picture's width and height; absent, the content's own size.
  std::optional<Number> width, height;
  Number opacity = Number::of(1.0);  // 0..1
  Blend blend = Blend::normal;
  // The stem a layer is bound to, whose variables its numbers read: a stem's name or its
  // index from 0, or "mix" for the stems' sum (the features' row after the stems'); empty
  // for a layer of the whole frame (a waveform or spectrum then shows the mix).
  std::string stem;
  SourceSpot stem_where;
  std::variant<StageLayer, TextLayer, ImageLayer, LyricsLayer, MetersLayer, WaveformLayer, SpectrumLayer, VideoLayer>
      details;
};

// The stem name that stands for the stems' sum.
inline constexpr const char* kMixStemName = "mix";

// A file a scene names (an image or lyrics layer's `file`): what it holds, where it is
// named, and the name as written.
struct SceneAsset {
  enum class Kind { picture, lyrics, video };
  Kind kind = Kind::picture;
  std::string name;  // as the scene gives it; "{cover}" and "{lyrics}" for the option's file
  SourceSpot where;  // of the value
};

// The index of the stem `layer` is bound to among `stem_names` (stem_names.size() for
// "mix", the mix's row), or -1 for a layer of the whole frame. Throws InputError at the
// `stem` key, naming the stems, when there is none.
int layer_stem(const LayerDescription& layer, const std::vector<std::string>& stem_names);

// Where the first layer that reads the mix's features (bound to "mix", or a meter of it)
// names it; nullopt when none does, and the analysis need not make them.
std::optional<SourceSpot> mix_features_wanted(const std::vector<LayerDescription>& layers);

// What a waveform or spectrum layer needs from the analysis at `fps` frames per second for
// stems named `stem_names`; nullopt for other kinds. Throws as layer_stem() does.
std::optional<DisplayRequest> display_request(const LayerDescription& layer, const std::vector<std::string>& stem_names,
                                              double fps);
// The requests of every layer in `layers`, each once, in the order they first appear.
std::vector<DisplayRequest> display_requests(const std::vector<LayerDescription>& layers,
                                             const std::vector<std::string>& stem_names, double fps);
// How many frames a waveform layer's trace spans at `fps`: its seconds, at least one.
std::int64_t trace_frames(const WaveformLayer& waveform, double fps);

// The stems a meters layer shows, as indices into `stem_names` (its size for "mix"): its
// `stems`, or all. Throws InputError at the entry that names no stem.
std::vector<int> meter_stems(const MetersLayer& meters, const std::vector<std::string>& stem_names);

// Checks every stem that `layers` name against `stem_names`, as the two above do.
void check_layer_stems(const std::vector<LayerDescription>& layers, const std::vector<std::string>& stem_names);

}  // namespace stemviz
