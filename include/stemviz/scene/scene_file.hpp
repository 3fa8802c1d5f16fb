// Scene files: TOML (toml++) descriptions of a look: video defaults, camera, lights,
// layout, floor, objects and the layers around them (layers.hpp). Every number may be an expression (expression.hpp).
// Bundled scenes and shaders are compiled into the binary; files on disk override them by name. scenes/README.md
// documents every key.
#pragma once

#include <stemviz/scene/expression.hpp>
#include <stemviz/scene/layers.hpp>
#include <stemviz/scene/shader.hpp>
#include <stemviz/scene/values.hpp>
#include <stemviz/util/timeline.hpp>

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stemviz {

enum class Ease { linear, in, out, in_out, step };

// A camera keyframe: at `at` seconds the camera has the values this key sets; between keys
// each value moves with the later key's easing; before the first and after the last key it
// holds.
struct CameraKey {
  double at = 0.0;
  Ease ease = Ease::in_out;
  std::optional<Number> azimuth, elevation, distance, fov;
};

struct CameraDescription {
  Number azimuth = Number::of(0.0);               // degrees around the target; 0 looks along -z
  Number elevation = Number::of(13.0);            // degrees above the floor, -89..89
  Number fov = Number::of(32.0);                  // vertical field of view in degrees, 1..170
  Number orbit = Number::of(0.0);                 // degrees per second added to the azimuth
  std::optional<Number> distance;                 // world units from the target; none: fit the layout
  std::optional<std::array<Number, 3>> position;  // a point instead of azimuth, elevation, distance
  std::array<Number, 3> target{Number::of(0), Number::of(0), Number::of(0)};
  double margin = 0.9;          // share of the picture a fitted camera fills, 0.1..1
  std::vector<CameraKey> keys;  // sorted by time
};

struct LightDescription {
  std::array<Number, 3> direction{Number::of(-0.45), Number::of(0.8), Number::of(0.55)};  // towards the light
  Number intensity = Number::of(0.7);
  Colour colour{1, 1, 1};
};

enum class LayoutKind { row, ring, polygon, grid, positions };

struct LayoutDescription {
  LayoutKind kind = LayoutKind::row;
  Number spacing = Number::of(1.0);  // world units between neighbours
  int columns = 0;                   // row: wrap after this many (0 = 8); grid: 0 = square
  std::optional<Number> radius;      // ring, polygon: none = from the spacing
  int sides = 0;                     // polygon: 0 = one side per stem
  SourceSpot sides_where;
  std::vector<std::array<Number, 2>> positions;  // positions: x, z of each stem
  SourceSpot positions_where;
  Number turn = Number::of(0.0);  // degrees the layout is turned about the vertical axis
};

enum class FloorShape { none, polygon, disc };

struct FloorDescription {
  FloorShape shape = FloorShape::none;
  Colour colour{0.6, 0.65, 0.8};
  Number opacity = Number::of(0.12);
  Number margin = Number::of(0.6);  // world units past the objects
};

enum class Shape { pyramid, prism, cube, bar };

struct ObjectDescription {
  Shape shape = Shape::pyramid;
  Number size;            // base width, world units
  Number height;          // world units
  Number rotate_y;        // degrees about the object's own vertical axis
  Number lift;            // world units the object floats above the floor
  bool mirror = true;     // a reflection below the floor
  Number mirror_opacity;  // 0..1
  bool edges = true;      // outline every face
  Number edge_width;      // pixels at 1080 lines; scales with the picture height
  bool edge_width_set = false;
  SourceSpot edge_width_where;
  std::vector<Colour> colours;  // one per stem (cycled); from the palette when not given
  std::string palette = "spectrum";
  std::string shader = "lambert";
  SourceSpot shader_where;
  std::string label;  // text under each object: {name} is the stem's name, {index} 1..n
  Number label_size;  // pixels at 1080 lines
  Colour label_colour{0.86, 0.88, 0.94};
};

struct Background {
  bool transparent = false;
  std::vector<Colour> colours;  // top to bottom; one colour fills the picture
  std::vector<double> stops;    // where each colour sits, 0 (top) .. 1 (bottom)
};

struct SceneDescription {
  std::string name;
  std::string description;
  std::string file;  // as messages name it
  std::string text;  // the TOML it was read from, so a job can carry the scene exactly
  int width = 1920, height = 1080;
  Rational fps{60, 1};
  Background background;
  CameraDescription camera;
  Number ambient = Number::of(0.3);
  std::vector<LightDescription> lights;
  LayoutDescription layout;
  FloorDescription floor;
  ObjectDescription object;
  // Drawn in order over the background; empty: the stage alone.
  std::vector<LayerDescription> layers;
  // What {title} and {artist} show: the scene's defaults, replaced by --title and --artist.
  std::string title, artist;
  // The files its layers name, each once, in the order they are first named; relative
  // names are relative to `folder`, the scene file's folder (empty for a bundled scene or
  // one from a job, whose files come from elsewhere).
  std::vector<SceneAsset> assets;
  std::filesystem::path folder;
  ShaderProgram shader;               // the object's shader, resolved
  std::vector<std::string> files;     // files on disk it was read from (the scene file,
                                      // its shader), for --watch; none for bundled ones
  std::vector<std::string> warnings;  // keys that are set but change nothing
};

// Reads scene `text`; `file` names it in messages and `folder` is where its shaders are
// looked for first (empty for a bundled scene). Throws InputError with `file:line:col`.
SceneDescription parse_scene(std::string_view text, const std::string& name, const std::string& file,
                             const std::filesystem::path& folder);

// Reads scene `text` with its shader already resolved (a job's manifest carries both, so a
// worker never looks at the files of the machine that planned the job). Throws InputError
// when `shader` is not the one the scene names.
SceneDescription parse_scene_with_shader(std::string_view text, const std::string& name, const std::string& file,
                                         const ShaderProgram& shader);

// A scene by path (anything with a '/' or ending in .toml) or by name: scenes/NAME.toml in
// the current folder, else the bundled scene of that name.
SceneDescription load_scene(const std::string& name_or_path);

// A shader by name: NAME.shader in the scene's folder, then in `shaders/` beside that folder
// and in the current folder, then the bundled one. `wanted` says where it was asked for.
ShaderProgram load_shader(const std::string& name, const std::filesystem::path& scene_folder, const SourceSpot& wanted,
                          std::vector<std::string>* files_read);

struct CatalogueEntry {
  std::string name;
  std::string description;
  std::string origin;  // "bundled" or the file on disk that overrides it
};
// The scenes and shaders `stemviz scenes` lists: the bundled ones and those on disk.
std::vector<CatalogueEntry> scene_catalogue();
std::vector<CatalogueEntry> shader_catalogue();

}  // namespace stemviz
