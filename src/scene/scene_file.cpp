#include <stemviz/scene/scene_file.hpp>

#include <stemviz/media/codecs.hpp>
#include <stemviz/scene/layer_reader.hpp>
#include <stemviz/scene/table_reader.hpp>
#include <stemviz/util/bundled.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace stemviz {

namespace fs = std::filesystem;

namespace {

std::string read_text_file(const fs::path& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("{}: cannot read this {}; check the path and its permissions", path.string(), what));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Ease parse_ease(const TableReader& reader) {
  static const std::vector<std::string> names = {"linear", "in", "out", "in-out", "step"};
  const std::string name = reader.choice("ease", "in-out", names);
  if (name == "linear") return Ease::linear;
  if (name == "in") return Ease::in;
  if (name == "out") return Ease::out;
  if (name == "step") return Ease::step;
  return Ease::in_out;
}

void parse_video(const TableReader& video, SceneDescription& scene) {
  if (const toml::array* size = video.array("size", 2, 2, "[1920, 1080]")) {
    int side[2] = {0, 0};
    for (std::size_t k = 0; k < 2; ++k) {
      const toml::node& value = *size->get(k);
      // Only an integer node is read as one: toml++ converts 1e80 to an integer with
      // undefined behaviour.
      const auto v = value.is_integer() ? value.value<std::int64_t>() : std::nullopt;
      if (!v || *v < 2 || *v > kLargestPictureSide || *v % 2 != 0) {
        throw InputError(
            fmt::format("{}: 'size' in [video] needs even whole numbers from 2 to {}, e.g. "
                        "[1920, 1080]",
                        spot_of(value, video.file()).to_string(), kLargestPictureSide));
      }
      side[k] = static_cast<int>(*v);
    }
    scene.width = side[0];
    scene.height = side[1];
  }
  if (const toml::node* fps = video.node("fps")) {
    std::string text;
    if (fps->is_integer() || fps->is_floating_point()) {
      text = format_number(*fps->value<double>());
    } else if (fps->is_string()) {
      text = *fps->value<std::string>();
    } else {
      video.wrong_type("fps", *fps, "a frame rate such as 60 or \"30000/1001\"");
    }
    try {
      scene.fps = parse_frame_rate(text, "fps");
    } catch (const Error& error) {
      throw InputError(fmt::format("{}: 'fps' in [video]: {}", spot_of(*fps, video.file()).to_string(), error.what()));
    }
  }
  scene.background.transparent = video.boolean("transparent", false);
  if (const toml::node* background = video.node("background")) {
    if (const toml::array* colours = background->as_array()) {
      if (colours->empty() || colours->size() > 8) {
        throw InputError(fmt::format("{}: 'background' in [video] needs 1 to 8 colours, top to bottom",
                                     spot_of(*background, video.file()).to_string()));
      }
      for (const toml::node& colour : *colours)
        scene.background.colours.push_back(video.colour_at(colour, "background"));
    } else {
      scene.background.colours.push_back(video.colour_at(*background, "background"));
    }
  } else {
    scene.background.colours = {{0.055, 0.066, 0.105}, {0.095, 0.11, 0.16}, {0.02, 0.024, 0.04}};
    scene.background.stops = {0.0, 0.62, 1.0};
  }
  if (const toml::array* stops = video.array("background_stops", 1, 8, "[0, 0.6, 1]")) {
    scene.background.stops.clear();
    for (const toml::node& stop : *stops) {
      // The background is painted once, so its stops are plain numbers.
      const auto value = stop.value<double>();
      if (!value || stop.is_string()) video.wrong_type("background_stops", stop, "a list of numbers from 0 to 1");
      video.check_range("background_stops", spot_of(stop, video.file()), *value, 0, 1);
      scene.background.stops.push_back(*value);
    }
    if (stops->size() != scene.background.colours.size()) {
      throw InputError(
          fmt::format("{}: 'background_stops' in [video] has {} entries for {} background "
                      "colours; give one stop per colour",
                      video.spot("background_stops").to_string(), stops->size(), scene.background.colours.size()));
    }
  }
  if (scene.background.stops.size() != scene.background.colours.size()) {
    scene.background.stops.clear();
    const std::size_t count = scene.background.colours.size();
    for (std::size_t k = 0; k < count; ++k) {
      scene.background.stops.push_back(count == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(count - 1));
    }
  }
  if (scene.background.transparent) {
    for (const char* key : {"background", "background_stops"}) {
      if (video.has(key)) {
        scene.warnings.push_back(
            fmt::format("{}: '{}' has no effect with transparent = true", video.spot(key).to_string(), key));
      }
    }
  }
}

void parse_camera(const TableReader& camera, SceneDescription& scene) {
  CameraDescription& c = scene.camera;
  c.azimuth = camera.number("azimuth", c.azimuth, Scope::frame, -1e6, 1e6);
  c.elevation = camera.number("elevation", c.elevation, Scope::frame, -89, 89);
  c.fov = camera.number("fov", c.fov, Scope::frame, 1, 170);
  c.orbit = camera.number("orbit", c.orbit, Scope::frame, -3600, 3600);
  if (camera.has("distance")) c.distance = camera.number("distance", {}, Scope::frame, 0.01, 1e5);
  c.target = camera.vector3("target", c.target, Scope::frame);
  if (camera.has("position")) {
    c.position = camera.vector3("position", {}, Scope::frame);
    for (const char* key : {"azimuth", "elevation", "distance"}) {
      if (camera.has(key)) {
        scene.warnings.push_back(
            fmt::format("{}: '{}' has no effect when 'position' is set", camera.spot(key).to_string(), key));
      }
    }
  }
  c.margin = camera.constant("margin", c.margin, 0.1, 1.0);
  if ((c.distance || c.position) && camera.has("margin")) {
    scene.warnings.push_back(fmt::format("{}: 'margin' has no effect when 'distance' or 'position' is set",
                                         camera.spot("margin").to_string()));
  }
  const toml::node* keys = camera.node("keys");
  if (!keys) return;
  const toml::array* list = keys->as_array();
  if (!list || !list->is_array_of_tables()) {
    camera.wrong_type("keys", *keys, "a list of [[camera.keys]] tables");
  }
  double previous = -1.0;
  for (const toml::node& entry : *list) {
    const TableReader key(*entry.as_table(), "[[camera.keys]]", camera.file(),
                          {"at", "ease", "azimuth", "elevation", "distance", "fov"});
    if (!key.has("at")) {
      throw InputError(fmt::format("{}: a [[camera.keys]] entry needs 'at', its time in seconds",
                                   spot_of(entry, camera.file()).to_string()));
    }
    CameraKey k;
    k.at = key.constant("at", 0.0, 0.0, 1e7);
    if (k.at <= previous) {
      throw InputError(
          fmt::format("{}: camera keys must be in time order; this one is at {} s, the "
                      "one before at {} s",
                      key.spot("at").to_string(), format_number(k.at), format_number(previous)));
    }
    previous = k.at;
    k.ease = parse_ease(key);
    if (key.has("azimuth")) k.azimuth = key.number("azimuth", {}, Scope::frame, -1e6, 1e6);
    if (key.has("elevation")) k.elevation = key.number("elevation", {}, Scope::frame, -89, 89);
    if (key.has("distance")) k.distance = key.number("distance", {}, Scope::frame, 0.01, 1e5);
    if (key.has("fov")) k.fov = key.number("fov", {}, Scope::frame, 1, 170);
    if (!k.azimuth && !k.elevation && !k.distance && !k.fov) {
      scene.warnings.push_back(
          fmt::format("{}: this camera key sets no value (azimuth, elevation, "
                      "distance or fov) and has no effect",
                      spot_of(entry, camera.file()).to_string()));
    }
    c.keys.push_back(k);
  }
  if (!c.distance && !c.position &&
      std::any_of(c.keys.begin(), c.keys.end(), [](const CameraKey& k) { return k.distance.has_value(); })) {
    throw InputError(
        fmt::format("{}: camera keys set 'distance' but [camera] has none to start from; "
                    "add distance = ... to [camera]",
                    camera.spot("keys").to_string()));
  }
}

void parse_lighting(const TableReader& lighting, SceneDescription& scene) {
  scene.ambient = lighting.number("ambient", scene.ambient, Scope::frame, 0, 10);
  const toml::node* lights = lighting.node("lights");
  if (!lights) {
    scene.lights.push_back({});
    return;
  }
  const toml::array* list = lights->as_array();
  if (list && list->empty()) return;  // ambient light only
  if (!list || !list->is_array_of_tables())
    lighting.wrong_type("lights", *lights, "a list of [[lighting.lights]] tables");
  if (list->size() > 8) {
    throw InputError(fmt::format("{}: at most 8 lights", spot_of(*lights, lighting.file()).to_string()));
  }
  for (const toml::node& entry : *list) {
    const TableReader light(*entry.as_table(), "[[lighting.lights]]", lighting.file(),
                            {"direction", "intensity", "colour"});
    LightDescription l;
    l.direction = light.vector3("direction", l.direction, Scope::frame);
    l.intensity = light.number("intensity", l.intensity, Scope::frame, 0, 100);
    l.colour = light.colour("colour", l.colour);
    scene.lights.push_back(l);
  }
}

void parse_layout(const TableReader& layout, SceneDescription& scene) {
  LayoutDescription& l = scene.layout;
  const std::string kind = layout.choice("kind", "row", {"row", "ring", "polygon", "grid", "positions"});
  l.kind = kind == "ring"        ? LayoutKind::ring
           : kind == "polygon"   ? LayoutKind::polygon
           : kind == "grid"      ? LayoutKind::grid
           : kind == "positions" ? LayoutKind::positions
                                 : LayoutKind::row;
  l.spacing = layout.number("spacing", l.spacing, Scope::frame, 0.01, 1000);
  l.columns = layout.integer("columns", 0, 0, 32);
  if (layout.has("radius")) l.radius = layout.number("radius", {}, Scope::frame, 0.01, 1000);
  l.sides = layout.integer("sides", 0, 0, 64);
  l.sides_where = layout.spot("sides");
  if (l.sides != 0 && l.sides < 3) {
    throw InputError(fmt::format("{}: 'sides' in [layout] must be 3 or more (or 0: one per stem)",
                                 layout.spot("sides").to_string()));
  }
  l.turn = layout.number("turn", l.turn, Scope::frame, -1e7, 1e7);
  if (const toml::array* positions = layout.array("positions", 1, 32, "[[-1, 0], [1, 0]]")) {
    for (const toml::node& entry : *positions) {
      const toml::array* pair = entry.as_array();
      if (!pair || pair->size() != 2) {
        throw InputError(fmt::format("{}: each entry of 'positions' in [layout] is [x, z], e.g. [-1.5, 0]",
                                     spot_of(entry, layout.file()).to_string()));
      }
      l.positions.push_back({layout.number_at(*pair->get(0), "positions", Scope::frame, -1e4, 1e4),
                             layout.number_at(*pair->get(1), "positions", Scope::frame, -1e4, 1e4)});
    }
  }
  l.positions_where = layout.spot("positions");
  if (l.kind == LayoutKind::positions && l.positions.empty()) {
    throw InputError(fmt::format("{}: layout kind \"positions\" needs 'positions = [[x, z], ...]', one per stem",
                                 layout.spot("kind").to_string()));
  }
  const auto no_effect = [&](const char* key, bool applies) {
    if (layout.has(key) && !applies) {
      scene.warnings.push_back(
          fmt::format("{}: '{}' has no effect with layout kind \"{}\"", layout.spot(key).to_string(), key, kind));
    }
  };
  const bool circular = l.kind == LayoutKind::ring || l.kind == LayoutKind::polygon;
  no_effect("radius", circular);
  no_effect("columns", l.kind == LayoutKind::row || l.kind == LayoutKind::grid);
  no_effect("positions", l.kind == LayoutKind::positions);
  no_effect("spacing", l.kind != LayoutKind::positions && !(circular && l.radius));
}

void parse_floor(const TableReader& floor, SceneDescription& scene) {
  FloorDescription& f = scene.floor;
  const std::string shape = floor.choice("shape", "none", {"none", "polygon", "disc"});
  f.shape = shape == "polygon" ? FloorShape::polygon : shape == "disc" ? FloorShape::disc : FloorShape::none;
  f.colour = floor.colour("colour", f.colour);
  f.opacity = floor.number("opacity", f.opacity, Scope::frame, 0, 1);
  f.margin = floor.number("margin", f.margin, Scope::frame, 0, 100);
  if (f.shape == FloorShape::none) {
    for (const char* key : {"colour", "opacity", "margin"}) {
      if (floor.has(key)) {
        scene.warnings.push_back(
            fmt::format("{}: '{}' has no effect without a floor shape", floor.spot(key).to_string(), key));
      }
    }
  }
}

void parse_object(const TableReader& object, SceneDescription& scene) {
  ObjectDescription& o = scene.object;
  const std::string shape = object.choice("shape", "pyramid", {"pyramid", "prism", "cube", "bar"});
  o.shape = shape == "prism"  ? Shape::prism
            : shape == "cube" ? Shape::cube
            : shape == "bar"  ? Shape::bar
                              : Shape::pyramid;
  o.size = object.number("size", Number::of(0.68), Scope::stem, 0.001, 1000);
  Number height_default;
  height_default.expression = "0.1 + 1.2 * level";
  height_default.where = {"(default height)", 1, 1};
  o.height = object.number("height", height_default, Scope::stem, 0, 1000);
  o.rotate_y = object.number("rotate_y", Number::of(0.0), Scope::stem, -1e7, 1e7);
  o.lift = object.number("lift", Number::of(0.0), Scope::stem, -1000, 1000);
  o.mirror = object.boolean("mirror", true);
  o.mirror_opacity = object.number("mirror_opacity", Number::of(0.32), Scope::stem, 0, 1);
  o.edges = object.boolean("edges", true);
  o.edge_width = object.number("edge_width", Number::of(1.5), Scope::stem, 0, 100);
  o.palette = object.choice("palette", "spectrum", {"spectrum", "warm", "cool", "pastel", "mono"});
  if (const toml::array* colours = object.array("colours", 1, 32, "[\"#ff8800\", \"#3388ff\"]")) {
    for (const toml::node& colour : *colours) o.colours.push_back(object.colour_at(colour, "colours"));
    if (object.has("palette")) {
      scene.warnings.push_back(
          fmt::format("{}: 'palette' has no effect when 'colours' is set", object.spot("palette").to_string()));
    }
  }
  o.shader = object.text("shader", "lambert");
  o.shader_where = object.has("shader") ? spot_of(*object.node("shader"), object.file()).shifted(1)
                                        : SourceSpot{object.file(), 1, 1};
  o.label = object.text("label", "");
  o.label_size = object.number("label_size", Number::of(28.0), Scope::stem, 1, 500);
  o.label_colour = object.colour("label_colour", o.label_colour);
  if (o.label.empty()) {
    for (const char* key : {"label_size", "label_colour"}) {
      if (object.has(key)) {
        scene.warnings.push_back(
            fmt::format("{}: '{}' has no effect without a 'label'", object.spot(key).to_string(), key));
      }
    }
  }
  if (!o.mirror && object.has("mirror_opacity")) {
    scene.warnings.push_back(fmt::format("{}: 'mirror_opacity' has no effect with mirror = false",
                                         object.spot("mirror_opacity").to_string()));
  }
  o.edge_width_where = object.spot("edge_width");
  o.edge_width_set = object.has("edge_width");
}

std::vector<fs::path> shader_candidates(const std::string& name, const fs::path& scene_folder) {
  std::vector<fs::path> candidates;
  if (!scene_folder.empty()) {
    candidates.push_back(scene_folder / (name + ".shader"));
    candidates.push_back(scene_folder.parent_path() / "shaders" / (name + ".shader"));
  }
  candidates.push_back(fs::path("shaders") / (name + ".shader"));
  return candidates;
}

bool is_plain_name(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// The description a scene or shader gives itself: the `description` key or the first
// comment line.
std::string scene_summary(std::string_view text) {
  try {
    const toml::table table = toml::parse(text, std::string_view("scene"));
    return table["description"].value_or(std::string());
  } catch (const toml::parse_error&) {
    return "(does not parse)";
  }
}

std::vector<CatalogueEntry> catalogue(const std::string& folder, const std::string& extension,
                                      std::string (*summary)(std::string_view)) {
  std::map<std::string, CatalogueEntry> entries;
  for (const BundledFile& file : bundled_files()) {
    const fs::path path(file.path);
    if (path.parent_path() != folder || path.extension() != extension) continue;
    entries[path.stem().string()] = {path.stem().string(), summary(file.text), "bundled"};
  }
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.path().extension() != extension) continue;
    const std::string name = entry.path().stem().string();
    try {
      entries[name] = {name, summary(read_text_file(entry.path(), "file")), entry.path().string()};
    } catch (const Error&) {
      entries[name] = {name, "(cannot be read)", entry.path().string()};
    }
  }
  std::vector<CatalogueEntry> result;
  for (auto& [name, entry] : entries) result.push_back(std::move(entry));
  return result;
}

// Parses everything but the shader, which `shader_for` supplies for the name the scene gives.
SceneDescription parse_scene_with(std::string_view text, const std::string& name, const std::string& file,
                                  const std::function<ShaderProgram(SceneDescription&)>& shader_for) {
  toml::table table;
  try {
    table = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    throw InputError(
        fmt::format("{}:{}:{}: {} (the file is not valid TOML)", file, begin.line, begin.column, error.description()));
  }
  SceneDescription scene;
  scene.name = name;
  scene.file = file;
  scene.text = std::string(text);
  const TableReader top(
      table, "the scene", file,
      {"description", "title", "artist", "video", "camera", "lighting", "layout", "floor", "object", "layers"});
  scene.description = top.text("description", "");
  scene.title = top.text("title", "");
  scene.artist = top.text("artist", "");
  read_layers(top, scene.layers, scene.assets);
  parse_video(TableReader(top.table("video"), "[video]", file,
                          {"size", "fps", "background", "background_stops", "transparent"}),
              scene);
  parse_camera(
      TableReader(top.table("camera"), "[camera]", file,
                  {"azimuth", "elevation", "fov", "orbit", "distance", "position", "target", "margin", "keys"}),
      scene);
  parse_lighting(TableReader(top.table("lighting"), "[lighting]", file, {"ambient", "lights"}), scene);
  parse_layout(TableReader(top.table("layout"), "[layout]", file,
                           {"kind", "spacing", "columns", "radius", "sides", "positions", "turn"}),
               scene);
  parse_floor(TableReader(top.table("floor"), "[floor]", file, {"shape", "colour", "opacity", "margin"}), scene);
  if (scene.layout.sides != 0 && scene.layout.kind != LayoutKind::polygon && scene.floor.shape != FloorShape::polygon) {
    scene.warnings.push_back(
        fmt::format("{}: 'sides' has no effect without layout kind \"polygon\" or a "
                    "polygon floor",
                    scene.layout.sides_where.to_string()));
  }
  parse_object(TableReader(top.table("object"), "[object]", file,
                           {"shape", "size", "height", "rotate_y", "lift", "mirror", "mirror_opacity", "edges",
                            "edge_width", "colours", "palette", "shader", "label", "label_size", "label_colour"}),
               scene);
  scene.shader = shader_for(scene);
  const bool shader_sets_edges = std::any_of(scene.shader.statements.begin(), scene.shader.statements.end(),
                                             [](const ShaderStatement& s) { return s.target == "edge_a"; });
  if (!scene.object.edges && scene.object.edge_width_set && !shader_sets_edges) {
    scene.warnings.push_back(
        fmt::format("{}: 'edge_width' has no effect with edges = false", scene.object.edge_width_where.to_string()));
  }
  return scene;
}

}  // namespace

SceneDescription parse_scene(std::string_view text, const std::string& name, const std::string& file,
                             const fs::path& folder) {
  return parse_scene_with(text, name, file, [&](SceneDescription& scene) {
    scene.folder = folder;
    if (!folder.empty()) scene.files.push_back(file);
    return load_shader(scene.object.shader, folder, scene.object.shader_where, &scene.files);
  });
}

SceneDescription parse_scene_with_shader(std::string_view text, const std::string& name, const std::string& file,
                                         const ShaderProgram& shader) {
  return parse_scene_with(text, name, file, [&](SceneDescription& scene) {
    if (scene.object.shader != shader.name) {
      throw InputError(fmt::format("{}: the scene asks for shader \"{}\" but \"{}\" came with it",
                                   scene.object.shader_where.to_string(), scene.object.shader, shader.name));
    }
    return shader;
  });
}

ShaderProgram load_shader(const std::string& name, const fs::path& scene_folder, const SourceSpot& wanted,
                          std::vector<std::string>* files_read) {
  if (!is_plain_name(name)) {
    throw InputError(
        fmt::format("{}: shader \"{}\" is not a name; use letters, digits, '-' and '_' "
                    "(the file NAME.shader is looked up beside the scene, in shaders/, "
                    "then among the bundled shaders)",
                    wanted.to_string(), name));
  }
  std::error_code error;
  for (const fs::path& candidate : shader_candidates(name, scene_folder)) {
    if (!fs::is_regular_file(candidate, error)) continue;
    const std::string text = read_text_file(candidate, "shader");
    if (files_read) files_read->push_back(candidate.string());
    return parse_shader(text, name, candidate.string());
  }
  const std::string bundled_path = "shaders/" + name + ".shader";
  if (const BundledFile* bundled = find_bundled(bundled_path)) {
    return parse_shader(bundled->text, name, bundled_path);
  }
  std::vector<std::string> names;
  for (const auto& entry : shader_catalogue()) names.push_back(entry.name);
  const std::string near = closest_name(name, names);
  throw InputError(fmt::format(
      "{}: unknown shader \"{}\"; {}", wanted.to_string(), name,
      near.empty() ? fmt::format("available: {}", fmt::join(names, ", ")) : fmt::format("did you mean \"{}\"?", near)));
}

SceneDescription load_scene(const std::string& name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string::npos || fs::path(name_or_path).extension() == ".toml";
  if (is_path) {
    const fs::path path(name_or_path);
    const std::string text = read_text_file(path, "scene file");
    const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    return parse_scene(text, path.stem().string(), path.string(), folder);
  }
  if (!is_plain_name(name_or_path)) {
    throw UsageError(
        fmt::format("--scene {}: give a scene name (see `stemviz scenes`) or a path to a "
                    ".toml file",
                    name_or_path));
  }
  const fs::path local = fs::path("scenes") / (name_or_path + ".toml");
  const std::string bundled_path = "scenes/" + name_or_path + ".toml";
  const BundledFile* bundled = find_bundled(bundled_path);
  std::error_code error;
  if (fs::is_regular_file(local, error)) {
    SceneDescription scene =
        parse_scene(read_text_file(local, "scene file"), name_or_path, local.string(), local.parent_path());
    if (bundled != nullptr) {
      // A file that happens to lie in the working folder must not silently change the look.
      scene.warnings.push_back(
          fmt::format("--scene {}: using {} from the working folder instead of the bundled "
                      "scene of that name; give a path to choose one explicitly",
                      name_or_path, fs::absolute(local).lexically_normal().string()));
    }
    return scene;
  }
  if (bundled != nullptr) {
    return parse_scene(bundled->text, name_or_path, bundled_path, {});
  }
  std::vector<std::string> names;
  for (const auto& entry : scene_catalogue()) names.push_back(entry.name);
  const std::string near = closest_name(name_or_path, names);
  throw InputError(
      fmt::format("--scene {}: no such scene; {}", name_or_path,
                  near.empty() ? fmt::format("available: {} (or give a path to a .toml file)", fmt::join(names, ", "))
                               : fmt::format("did you mean {}?", near)));
}

std::vector<CatalogueEntry> scene_catalogue() { return catalogue("scenes", ".toml", scene_summary); }

std::vector<CatalogueEntry> shader_catalogue() {
  return catalogue("shaders", ".shader", [](std::string_view text) {
    try {
      return parse_shader(text, "", "").description;
    } catch (const Error&) {
      return std::string("(has errors)");
    }
  });
}

}  // namespace stemviz
