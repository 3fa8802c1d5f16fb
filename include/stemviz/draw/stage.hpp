// The 3D stage as faces in the picture: each stem's object (and its mirror image below the
// floor) built from its shape, turned, culled, shaded by the scene's shader and projected
// by the camera; and the floor's outline. The canvas (canvas.hpp) draws what this builds.
#pragma once

#include <stemviz/draw/face.hpp>
#include <stemviz/scene/evaluator.hpp>
#include <stemviz/scene/geometry.hpp>
#include <stemviz/scene/scene_file.hpp>

#include <array>
#include <vector>

namespace stemviz {

// The corners and faces of one shape in its own frame: base centred on the origin, up +y.
struct Mesh {
  std::vector<Vec3> vertices;
  std::vector<std::array<int, 4>> faces;  // vertex indices; the 4th is -1 for a triangle
};

// `shape` `size` wide and `height` high (world units) into `mesh`, reusing its memory.
void build_mesh(Shape shape, double size, double height, Mesh& mesh);

// Buffers the frame loop reuses, so that building a frame's faces allocates nothing.
struct StageScratch {
  std::vector<Vec3> positions;  // each stem's place on the floor
  Mesh mesh;                    // the current object in its own frame
  std::vector<Vec3> world;      // its corners in the world
};

// One stem's object this frame, as the evaluator gave it with that stem's variables set.
struct StagedObject {
  int stem = 0;
  Vec3 centre;        // on the floor, after the layout's turn
  double turn = 0.0;  // the layout's, radians
  SceneEvaluator::ObjectValues values{};
  Colour base;  // the stem's colour
};

// The picture the stage is projected into.
struct StageView {
  Camera camera;
  int width = 0, height = 0;  // pixels
};

// Appends to `faces` the faces of `object` (and of its mirror image when the scene has one)
// that can show: facing the camera (or all with a two-sided shader), wholly in front of it,
// and not fully transparent. The evaluator shades them, so it must hold the object's stem.
void add_object_faces(const SceneDescription& d, const StagedObject& object, const StageView& view,
                      SceneEvaluator& evaluator, StageScratch& scratch, std::vector<ScreenFace>& faces);

// Painter's order: the reflection lies under the floor, so it goes first; within each layer
// the farthest face first. Ties break on stem so the order is fully determined.
void sort_for_painting(std::vector<ScreenFace>& faces);

// The outline of the floor of `d` under `stems` objects reaching `radius` from the centre,
// as x y pairs in pixels, into `xy`; empty when the scene has no floor or part of it lies
// behind the camera.
void floor_outline(const SceneDescription& d, int stems, double radius, double turn, const StageView& view,
                   std::vector<double>& xy);

}  // namespace stemviz
