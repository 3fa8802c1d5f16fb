#include <stemviz/draw/stage.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace stemviz {

void build_mesh(Shape shape, double size, double height, Mesh& mesh) {
  mesh.vertices.clear();
  mesh.faces.clear();
  const auto box = [&](double half, double top) {
    for (const double y : {0.0, top}) {
      mesh.vertices.insert(mesh.vertices.end(),
                           {{-half, y, -half}, {half, y, -half}, {half, y, half}, {-half, y, half}});
    }
    mesh.faces = {{0, 1, 2, 3}, {4, 5, 6, 7}, {0, 1, 5, 4}, {1, 2, 6, 5}, {2, 3, 7, 6}, {3, 0, 4, 7}};
  };
  switch (shape) {
    case Shape::pyramid: {
      const double half = size / 2.0;
      mesh.vertices = {{-half, 0, -half}, {half, 0, -half}, {half, 0, half}, {-half, 0, half}, {0, height, 0}};
      mesh.faces = {{0, 1, 4, -1}, {1, 2, 4, -1}, {2, 3, 4, -1}, {3, 0, 4, -1}, {0, 1, 2, 3}};
      break;
    }
    case Shape::prism: {
      const double radius = size / 2.0;
      for (const double y : {0.0, height}) {
        for (int k = 0; k < 3; ++k) {
          const double a = 2.0 * std::numbers::pi * k / 3.0;
          mesh.vertices.push_back({radius * std::sin(a), y, radius * std::cos(a)});
        }
      }
      mesh.faces = {{0, 1, 2, -1}, {3, 4, 5, -1}, {0, 1, 4, 3}, {1, 2, 5, 4}, {2, 0, 3, 5}};
      break;
    }
    case Shape::cube: box(height / 2.0, height); break;
    case Shape::bar: box(size / 2.0, height); break;
  }
}

namespace {

// The face of `world` corners `indices` (of an object whose corners average to `inside`),
// shaded and projected; false when it does not show (see add_object_faces).
bool make_face(const SceneDescription& d, const StagedObject& object, const StageView& view, bool mirror,
               const std::vector<Vec3>& world, const Vec3& inside, const std::array<int, 4>& indices, SceneEvaluator& e,
               ScreenFace& face) {
  const Camera& camera = view.camera;
  const SceneEvaluator::ObjectValues& o = object.values;
  const double sign = mirror ? -1.0 : 1.0;
  const int corners = indices[3] < 0 ? 3 : 4;
  const auto corner = [&](int k) -> const Vec3& {
    return world[static_cast<std::size_t>(indices[static_cast<std::size_t>(k)])];
  };
  Vec3 middle{};
  for (int k = 0; k < corners; ++k) middle = middle + corner(k);
  middle = middle * (1.0 / corners);
  const Vec3 raw = cross(corner(1) - corner(0), corner(2) - corner(0));
  if (dot(raw, raw) < 1e-18) return false;  // a flat object (height 0) has no side faces
  Vec3 normal = normalize(raw);
  if (dot(normal, middle - inside) < 0.0) normal = normal * -1.0;
  // Faces turned away are hidden behind the front ones of a closed shape: skipping
  // them halves the drawing work. A two-sided shader draws them anyway.
  const bool facing = dot(normal, camera.position - middle) > 0.0;
  if (!facing && !d.shader.two_sided) return false;
  face.corners = corners;
  face.stem = object.stem;
  face.mirror = mirror;
  for (int k = 0; k < corners; ++k) {
    const Projected p = project(camera, corner(k), view.width, view.height);
    // Written so that a depth that is not a number (an expression's overflow) counts too.
    // There is no near-plane clipping: a face reaching behind the camera is left out.
    if (!(p.depth > 0.05) || !std::isfinite(p.x) || !std::isfinite(p.y)) return false;
    face.xy[static_cast<std::size_t>(2 * k)] = p.x;
    face.xy[static_cast<std::size_t>(2 * k + 1)] = p.y;
  }
  face.depth = project(camera, middle, view.width, view.height).depth;
  if (!std::isfinite(face.depth)) return false;  // the painter's sort needs an order
  const double top = std::max(1e-9, o.height);
  const auto fraction = [&](const Vec3& p) { return std::clamp((sign * p.y - o.lift) / top, 0.0, 1.0); };
  const double opacity = mirror ? o.mirror_opacity : 1.0;
  const ShaderRun::Result shaded = e.shade(normal, middle, camera.position, object.base, mirror, fraction(middle));
  face.colour = {shaded.r, shaded.g, shaded.b};
  face.alpha = shaded.a * opacity;
  // A shader's own outline shows in the reflection too; the scene's plain one does not.
  face.stroke = shaded.edge_set ? shaded.edge_a > 0.0 : !mirror && d.object.edges;
  face.edge = {shaded.edge_r, shaded.edge_g, shaded.edge_b};
  face.edge_alpha = shaded.edge_a * opacity;
  face.edge_width = o.edge_width * (view.height / 1080.0);  // sizes in the scene are pixels at 1080 lines
  if (d.shader.per_vertex) {
    face.per_vertex = true;
    for (int k = 0; k < corners; ++k) {
      const ShaderRun::Result at =
          e.shade(normal, corner(k), camera.position, object.base, mirror, fraction(corner(k)));
      face.corner_colours[static_cast<std::size_t>(k)] = {at.r, at.g, at.b};
      face.corner_alpha[static_cast<std::size_t>(k)] = at.a * opacity;
    }
  }
  return !(face.alpha <= 0.0 && !face.per_vertex && !(face.stroke && face.edge_alpha > 0.0));
}

}  // namespace

void add_object_faces(const SceneDescription& d, const StagedObject& object, const StageView& view,
                      SceneEvaluator& evaluator, StageScratch& scratch, std::vector<ScreenFace>& faces) {
  const SceneEvaluator::ObjectValues& o = object.values;
  Mesh& mesh = scratch.mesh;
  std::vector<Vec3>& world = scratch.world;
  build_mesh(d.object.shape, o.size, o.height, mesh);
  for (const bool mirror : {true, false}) {
    if (mirror && !d.object.mirror) continue;
    const double sign = mirror ? -1.0 : 1.0;
    world.clear();
    Vec3 inside{};
    for (const Vec3& vertex : mesh.vertices) {
      const Vec3 local = rotate_y(vertex, o.rotate_y + object.turn);
      world.push_back(object.centre + Vec3{local.x, sign * (local.y + o.lift), local.z});
      inside = inside + world.back();
    }
    inside = inside * (1.0 / static_cast<double>(world.size()));
    for (const auto& indices : mesh.faces) {
      ScreenFace face;
      if (make_face(d, object, view, mirror, world, inside, indices, evaluator, face)) faces.push_back(face);
    }
  }
}

void sort_for_painting(std::vector<ScreenFace>& faces) {
  std::sort(faces.begin(), faces.end(), [](const ScreenFace& a, const ScreenFace& b) {
    if (a.mirror != b.mirror) return a.mirror;
    if (a.depth != b.depth) return a.depth > b.depth;
    return a.stem < b.stem;
  });
}

void floor_outline(const SceneDescription& d, int stems, double radius, double turn, const StageView& view,
                   std::vector<double>& xy) {
  xy.clear();
  if (d.floor.shape == FloorShape::none) return;
  const int sides = d.floor.shape == FloorShape::disc ? 96 : SceneEvaluator::polygon_sides(d, stems);
  for (int k = 0; k < sides; ++k) {
    const double a = 2.0 * std::numbers::pi * k / sides + (d.floor.shape == FloorShape::polygon ? turn : 0.0);
    const Projected p =
        project(view.camera, {radius * std::sin(a), 0.0, radius * std::cos(a)}, view.width, view.height);
    if (p.depth <= 0.05) {
      xy.clear();
      return;
    }
    xy.push_back(p.x);
    xy.push_back(p.y);
  }
}

}  // namespace stemviz
