#include <stemviz/draw/image_layer.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace stemviz {

ImageLayerDrawer::ImageLayerDrawer(const LayerDescription& layer, SceneEvaluator& evaluator, const Picture* picture)
    : PlacedLayer(layer, evaluator) {
  const ImageLayer& image = std::get<ImageLayer>(layer.details);
  fit_ = image.fit;
  scale_ = evaluator.compile(image.scale);
  rotate_ = evaluator.compile(image.rotate);
  if (picture != nullptr && picture->width > 0 && picture->height > 0) {
    opaque_ = picture->opaque;
    picture_width_ = picture->width;
    picture_height_ = picture->height;
    // Cairo only reads from it: it is the source of every fitting.
    source_.reset(cairo_image_surface_create_for_data(const_cast<std::uint8_t*>(picture->pixels.data()),
                                                      CAIRO_FORMAT_ARGB32, picture->width, picture->height,
                                                      picture->width * 4));
  }
}

bool ImageLayerDrawer::prepare(const LayerFrame& frame, double box_width, double box_height, double& width,
                               double& height) {
  if (!source_) return false;  // nothing to draw: a zero-sized box
  picture_box(picture_width_, picture_height_, frame, box_width, box_height, width, height);
  // The content depends on nothing but the box's size, which PlacedLayer compares.
  return false;
}

void ImageLayerDrawer::paint(cairo_t* cr, double width, double height) {
  if (!source_) return;
  double sx = 1.0, sy = 1.0;
  fit_scale(fit_, picture_width_, picture_height_, width, height, sx, sy);
  cairo_save(cr);
  cairo_rectangle(cr, 0, 0, width, height);
  cairo_clip(cr);
  // Centred in the box; a covering picture is cut evenly at two sides.
  cairo_translate(cr, (width - picture_width_ * sx) / 2.0, (height - picture_height_ * sy) / 2.0);
  cairo_scale(cr, sx, sy);
  cairo_set_source_surface(cr, source_.get(), 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
  cairo_rectangle(cr, 0, 0, picture_width_, picture_height_);
  cairo_fill(cr);
  cairo_restore(cr);
}

void ImageLayerDrawer::motion(double& scale, double& radians) {
  scale = std::max(0.0, scale_());
  radians = rotate_() * std::numbers::pi / 180.0;
}

}  // namespace stemviz
