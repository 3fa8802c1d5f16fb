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
  const double aspect = static_cast<double>(picture_height_) / picture_width_;
  if (box_width > 0.0 && box_height > 0.0) {
    width = box_width, height = box_height;
  } else if (box_width > 0.0) {
    width = box_width, height = box_width * aspect;  // width alone keeps the aspect
  } else if (box_height > 0.0) {
    width = box_height / aspect, height = box_height;
  } else {
    // Neither: the picture's own pixels at 1080 lines, scaled with the picture height.
    width = picture_width_ * frame.height / 1080.0, height = picture_height_ * frame.height / 1080.0;
  }
  // The content depends on nothing but the box's size, which PlacedLayer compares.
  return false;
}

void ImageLayerDrawer::paint(cairo_t* cr, double width, double height) {
  if (!source_) return;
  double sx = width / picture_width_, sy = height / picture_height_;
  if (fit_ == Fit::contain) sx = sy = std::min(sx, sy);
  if (fit_ == Fit::cover) sx = sy = std::max(sx, sy);
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
