// The `image` layer: a picture (decoded by the job from a file the scene names) fitted to
// its box once, when the box's size changes, and then copied onto each frame, turned and
// scaled about the box's centre where the scene says so.
#pragma once

#include <stemviz/draw/cairo.hpp>
#include <stemviz/draw/layer.hpp>
#include <stemviz/util/picture.hpp>

namespace stemviz {

class ImageLayerDrawer final : public PlacedLayer {
 public:
  // `layer` holds an ImageLayer; `picture` is its picture, or null for none (a {cover} slot
  // with no --cover), which draws nothing. The picture must outlive the layer.
  ImageLayerDrawer(const LayerDescription& layer, SceneEvaluator& evaluator, const Picture* picture);

 protected:
  bool prepare(const LayerFrame& frame, double box_width, double box_height, double& width, double& height) override;
  void paint(cairo_t* cr, double width, double height) override;
  void motion(double& scale, double& radians) override;
  bool opaque_fill() const override { return opaque_ && fit_ != Fit::contain; }

 private:
  bool opaque_ = false;  // the picture has no transparent pixel
  Fit fit_;
  Value scale_, rotate_;
  CairoSurfacePtr source_;  // the picture's pixels, not copied
  int picture_width_ = 0, picture_height_ = 0;
};

}  // namespace stemviz
