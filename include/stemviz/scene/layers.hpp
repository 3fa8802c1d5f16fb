// Layers: what a scene's `[[layers]]` list describes, drawn in order over the background,
// the first at the bottom. One entry may be the 3D stage (`kind = "stage"`); the others are
// 2D elements placed in fractions of the picture, so one scene serves 16:9, 9:16 and square
// pictures. A scene without `[[layers]]` is the stage alone. scenes/README.md documents
// every key. A new kind is a struct here, its reader in layers.cpp's table of kinds, and a
// file pair in draw/ that draws it.
#pragma once

#include <stemviz/scene/values.hpp>

#include <array>
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
  Fit fit = Fit::contain;
  Number scale = Number::of(1.0);   // about the box's centre, 0..100
  Number rotate = Number::of(0.0);  // degrees clockwise about the box's centre
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
  std::vector<StemName> stems;           // empty: every stem, in stem order
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
  // index from 0; empty for a layer of the whole frame.
  std::string stem;
  SourceSpot stem_where;
  std::variant<StageLayer, TextLayer, ImageLayer, LyricsLayer, MetersLayer> details;
};

// A file a scene names (an image or lyrics layer's `file`): what it holds, where it is
// named, and the name as written.
struct SceneAsset {
  enum class Kind { picture, lyrics };
  Kind kind = Kind::picture;
  std::string name;  // as the scene gives it; "{cover}" and "{lyrics}" for the option's file
  SourceSpot where;  // of the value
};

// The index of the stem `layer` is bound to among `stem_names`, or -1 for a layer of the
// whole frame. Throws InputError at the `stem` key, naming the stems, when there is none.
int layer_stem(const LayerDescription& layer, const std::vector<std::string>& stem_names);

// The stems a meters layer shows, as indices into `stem_names`: its `stems`, or all. Throws
// InputError at the entry that names no stem.
std::vector<int> meter_stems(const MetersLayer& meters, const std::vector<std::string>& stem_names);

// Checks every stem that `layers` name against `stem_names`, as the two above do.
void check_layer_stems(const std::vector<LayerDescription>& layers, const std::vector<std::string>& stem_names);

}  // namespace stemviz
