#include <stemviz/draw/layer.hpp>

#include <stemviz/draw/image_layer.hpp>
#include <stemviz/draw/meters_layer.hpp>
#include <stemviz/draw/spectrum_layer.hpp>
#include <stemviz/draw/text_layer.hpp>
#include <stemviz/draw/video_layer.hpp>
#include <stemviz/draw/waveform_layer.hpp>
#include <stemviz/scene/scene.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace stemviz {

namespace {

// Where the anchor point lies in a box, as fractions of its width and height.
std::array<double, 2> anchor_point(Anchor anchor) {
  switch (anchor) {
    case Anchor::top_left: return {0.0, 0.0};
    case Anchor::top: return {0.5, 0.0};
    case Anchor::top_right: return {1.0, 0.0};
    case Anchor::left: return {0.0, 0.5};
    case Anchor::right: return {1.0, 0.5};
    case Anchor::bottom_left: return {0.0, 1.0};
    case Anchor::bottom: return {0.5, 1.0};
    case Anchor::bottom_right: return {1.0, 1.0};
    case Anchor::center: break;
  }
  return {0.5, 0.5};
}

cairo_operator_t cairo_operator(Blend blend) {
  switch (blend) {
    case Blend::add: return CAIRO_OPERATOR_ADD;
    case Blend::screen: return CAIRO_OPERATOR_SCREEN;
    case Blend::multiply: return CAIRO_OPERATOR_MULTIPLY;
    case Blend::normal: break;
  }
  return CAIRO_OPERATOR_OVER;
}

}  // namespace

PlacedLayer::PlacedLayer(const LayerDescription& layer, SceneEvaluator& evaluator)
    : position_{evaluator.compile(layer.position[0]), evaluator.compile(layer.position[1])},
      opacity_(evaluator.compile(layer.opacity)),
      anchor_(layer.anchor),
      blend_(layer.blend) {
  if (layer.width) width_ = evaluator.compile(*layer.width);
  if (layer.height) height_ = evaluator.compile(*layer.height);
}

void PlacedLayer::refresh_content(int picture_width, int picture_height, int margin, double width, double height) {
  if (picture_width > content_capacity_width_ || picture_height > content_capacity_height_) {
    content_capacity_width_ = std::max(picture_width, content_capacity_width_);
    content_capacity_height_ = std::max(picture_height, content_capacity_height_);
    content_ = make_image_surface(content_capacity_width_, content_capacity_height_);
    content_cr_ = make_context(content_.get());
  }
  cairo_t* content = content_cr_.get();
  cairo_save(content);
  cairo_rectangle(content, 0, 0, picture_width, picture_height);
  cairo_clip(content);
  cairo_set_operator(content, CAIRO_OPERATOR_CLEAR);
  cairo_paint(content);
  cairo_set_operator(content, CAIRO_OPERATOR_OVER);
  cairo_translate(content, margin, margin);
  paint(content, width, height);
  cairo_restore(content);
  cairo_surface_flush(content_.get());
  content_width_ = picture_width;
  content_height_ = picture_height;
}

bool PlacedLayer::covers_picture(const LayerFrame& frame) {
  if (!opaque_fill() || blend_ != Blend::normal || !width_ || !height_ || opacity_() < 1.0) return false;
  double scale = 1.0, radians = 0.0;
  motion(scale, radians);
  if (scale != 1.0 || radians != 0.0) return false;
  // The box as draw() places it, on whole pixels.
  const double width = std::max(0.0, (*width_)()) * frame.width;
  const double height = std::max(0.0, (*height_)()) * frame.height;
  const auto [ax, ay] = anchor_point(anchor_);
  const double x = std::round(position_[0]() * frame.width - ax * width);
  const double y = std::round(position_[1]() * frame.height - ay * height);
  return x <= 0.0 && y <= 0.0 && x + std::floor(width) >= frame.width && y + std::floor(height) >= frame.height;
}

PixelBox PlacedLayer::draw(cairo_t* cr, const LayerFrame& frame) {
  double opacity = std::clamp(opacity_(), 0.0, 1.0);
  const double box_width = width_ ? std::max(0.0, (*width_)()) * frame.width : 0.0;
  const double box_height = height_ ? std::max(0.0, (*height_)()) * frame.height : 0.0;
  double width = 0.0, height = 0.0;
  // Prepared even when invisible, so that the content follows every frame in order.
  const bool changed = prepare(frame, box_width, box_height, width, height);
  opacity *= std::clamp(content_opacity(), 0.0, 1.0);
  if (box_width > 0.0) width = box_width;
  if (box_height > 0.0) height = box_height;
  double scale = 1.0, radians = 0.0;
  motion(scale, radians);
  if (opacity <= 0.0 || width <= 0.0 || height <= 0.0 || scale <= 0.0) return {};
  const bool moved = scale != 1.0 || radians != 0.0;
  // The content's picture reaches past the box by its overhang and a pixel of antialiasing.
  const int margin = static_cast<int>(std::ceil(overhang())) + 1;
  const int picture_width = static_cast<int>(std::ceil(width)) + 2 * margin;
  const int picture_height = static_cast<int>(std::ceil(height)) + 2 * margin;
  const auto [ax, ay] = anchor_point(anchor_);
  // Whole pixels: the content's picture lands on the canvas's pixels as it was drawn.
  const double x = std::round(position_[0]() * frame.width - ax * width) - margin;
  const double y = std::round(position_[1]() * frame.height - ay * height) - margin;
  // The box the content's picture covers, turned and scaled about the layer box's centre.
  double x0 = x, y0 = y, x1 = x + picture_width, y1 = y + picture_height;
  const double cx = x + picture_width / 2.0, cy = y + picture_height / 2.0;
  if (moved) {
    const double c = std::cos(radians) * scale, s = std::sin(radians) * scale;
    const double half_w = std::abs(c) * picture_width / 2.0 + std::abs(s) * picture_height / 2.0;
    const double half_h = std::abs(s) * picture_width / 2.0 + std::abs(c) * picture_height / 2.0;
    x0 = std::floor(cx - half_w) - 1.0, x1 = std::ceil(cx + half_w) + 1.0;
    y0 = std::floor(cy - half_h) - 1.0, y1 = std::ceil(cy + half_h) + 1.0;
  }
  const auto clamp_to = [](double v, int limit) {
    return static_cast<int>(std::clamp(v, 0.0, static_cast<double>(limit)));
  };
  const PixelBox box{clamp_to(x0, frame.width), clamp_to(y0, frame.height), clamp_to(x1, frame.width),
                     clamp_to(y1, frame.height)};
  if (box.x1 <= box.x0 || box.y1 <= box.y0) return {};
  cairo_save(cr);
  cairo_rectangle(cr, box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
  cairo_clip(cr);
  if (redrawn_every_frame() && !moved && opacity >= 1.0 && blend_ == Blend::normal) {
    // Drawn anew every frame anyway: straight onto the canvas, one pass over its pixels.
    cairo_translate(cr, x + margin, y + margin);
    paint(cr, width, height);
    cairo_restore(cr);
    return box;
  }
  if (changed || picture_width != content_width_ || picture_height != content_height_)
    refresh_content(picture_width, picture_height, margin, width, height);
  if (moved) {
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, radians);
    cairo_scale(cr, scale, scale);
    cairo_translate(cr, -cx, -cy);
  }
  cairo_set_source_surface(cr, content_.get(), x, y);
  // Bilinear between the picture's pixels when turned or scaled, transparent past its edge
  // (a surface pattern does not extend): no clip to the turned picture, whose mask would
  // cost more than the pixels.
  if (moved) cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR);
  cairo_set_operator(cr, cairo_operator(blend_));
  if (opacity >= 1.0)
    cairo_paint(cr);
  else
    cairo_paint_with_alpha(cr, opacity);
  cairo_restore(cr);
  return box;
}

void picture_box(int width, int height, const LayerFrame& frame, double box_width, double box_height, double& out_width,
                 double& out_height) {
  const double aspect = static_cast<double>(height) / width;
  if (box_width > 0.0 && box_height > 0.0) {
    out_width = box_width, out_height = box_height;
  } else if (box_width > 0.0) {
    out_width = box_width, out_height = box_width * aspect;  // width alone keeps the aspect
  } else if (box_height > 0.0) {
    out_width = box_height / aspect, out_height = box_height;
  } else {
    out_width = width * frame.height / 1080.0, out_height = height * frame.height / 1080.0;
  }
}

void fit_scale(Fit fit, int width, int height, double box_width, double box_height, double& sx, double& sy) {
  sx = box_width / width, sy = box_height / height;
  if (fit == Fit::contain) sx = sy = std::min(sx, sy);
  if (fit == Fit::cover) sx = sy = std::max(sx, sy);
}

int display_of(const LayerDescription& layer, const Scene& scene) {
  const std::optional<DisplayRequest> request =
      display_request(layer, scene.stem_names(), scene.timeline().fps.to_double());
  const int display = request ? find_display(scene.features(), *request) : -1;
  // The Scene checked that its features hold every layer's display.
  if (display < 0) throw Failure(fmt::format("{}: no display for this layer", layer.where.to_string()));
  return display;
}

std::unique_ptr<PlacedLayer> make_layer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator,
                                        int stem, cairo_t* cr) {
  // One line per kind: what draws it.
  if (std::holds_alternative<TextLayer>(layer.details))
    return std::make_unique<TextLayerDrawer>(layer, scene, evaluator, stem, cr);
  if (const auto* image = std::get_if<ImageLayer>(&layer.details)) {
    const Picture* picture = scene.picture(image->file);
    if (!picture && !image->fallback.empty()) picture = scene.picture(image->fallback);
    return std::make_unique<ImageLayerDrawer>(layer, evaluator, picture);
  }
  if (const auto* lyrics = std::get_if<LyricsLayer>(&layer.details))
    return std::make_unique<LyricsLayerDrawer>(layer, evaluator, scene.lyrics(lyrics->file), cr);
  if (std::holds_alternative<MetersLayer>(layer.details))
    return std::make_unique<MetersLayerDrawer>(layer, scene, evaluator, cr);
  if (const auto* video = std::get_if<VideoLayer>(&layer.details)) {
    const VideoSource* source = scene.video(video->file);
    if (source == nullptr) throw Failure(fmt::format("{}: the video was not read", layer.where.to_string()));
    return std::make_unique<VideoLayerDrawer>(layer, evaluator, *source);
  }
  if (std::holds_alternative<WaveformLayer>(layer.details))
    return std::make_unique<WaveformLayerDrawer>(layer, scene, evaluator);
  if (std::holds_alternative<SpectrumLayer>(layer.details))
    return std::make_unique<SpectrumLayerDrawer>(layer, scene, evaluator);
  throw Failure(fmt::format("{}: layer kind \"{}\" cannot be drawn", layer.where.to_string(), layer.kind));
}

}  // namespace stemviz
