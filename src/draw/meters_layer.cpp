#include <stemviz/draw/meters_layer.hpp>

#include <stemviz/scene/scene.hpp>

#include <algorithm>
#include <cmath>

namespace stemviz {

MetersLayerDrawer::MetersLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator,
                                     cairo_t* cr)
    : PlacedLayer(layer, evaluator),
      scene_(&scene),
      meters_(std::get<MetersLayer>(layer.details)),
      stems_(meter_stems(meters_, scene.stem_names())) {
  for (std::size_t k = 0; k < stems_.size(); ++k) {
    colours_.push_back(meters_.colours.empty() ? scene.stem_colour(stems_[k])
                                               : meters_.colours[k % meters_.colours.size()]);
    if (meters_.labels) labels_.push_back(text_layout(cr, scene.stem_name(stems_[k]), 10.0));
  }
  hold_frames_ = static_cast<std::int64_t>(std::llround(meters_.peak_hold * scene.timeline().fps.to_double()));
  window_.resize(static_cast<std::size_t>(hold_frames_ + 1) * stems_.size());
  now_.resize(stems_.size());
  peak_.resize(stems_.size());
  label_size_ = evaluator.compile(meters_.label_size);
}

MetersLayerDrawer::~MetersLayerDrawer() = default;

double MetersLayerDrawer::value(const StemFrameFeatures& f) const {
  if (!meters_.db) return std::clamp(static_cast<double>(f.level), 0.0, 1.0);
  return std::clamp((f.db - meters_.floor_db) / -meters_.floor_db, 0.0, 1.0);
}

void MetersLayerDrawer::follow(const LayerFrame& frame) {
  const FeatureSource& features = scene_->features();
  const std::int64_t frames = features.frame_count();
  const std::size_t meters = stems_.size();
  const std::size_t capacity = static_cast<std::size_t>(hold_frames_ + 1);
  // The next frame in order adds one frame to the window; any other starts it again, so no
  // frame's marks depend on the frames drawn before it.
  const bool next = window_last_ >= 0 && frame.index == window_last_ + 1;
  const std::int64_t first = next ? frame.index : frame.index - hold_frames_;
  if (!next) window_count_ = 0;
  // The features of the frames to add that lie in the song: from the canvas's block when it
  // holds them all (it holds this frame), else read in one go.
  const std::int64_t from = std::clamp<std::int64_t>(first, 0, frames);
  const std::int64_t to = std::clamp<std::int64_t>(frame.index + 1, 0, frames);
  const FeatureTrack* rows = nullptr;
  std::int64_t rows_first = 0;
  if (to > from) {
    if (frame.block && from >= frame.block_first && to <= frame.block_first + frame.block->frame_count()) {
      rows = frame.block;
      rows_first = frame.block_first;
    } else {
      features.read(from, to - from, read_);
      rows = &read_;
      rows_first = from;
    }
  }
  for (std::int64_t at = first; at <= frame.index; ++at) {
    if (window_count_ == static_cast<std::int64_t>(capacity))
      std::copy(window_.begin() + static_cast<std::ptrdiff_t>(meters), window_.end(), window_.begin());
    else
      ++window_count_;
    float* slot = window_.data() + static_cast<std::size_t>(window_count_ - 1) * meters;
    for (std::size_t m = 0; m < meters; ++m) {
      const bool known = rows && at >= from && at < to && stems_[m] < rows->stem_count();
      slot[m] = known ? static_cast<float>(value(rows->at(stems_[m], at - rows_first))) : 0.0f;
    }
  }
  window_last_ = frame.index;
  for (std::size_t m = 0; m < meters; ++m) {
    double highest = 0.0;
    for (std::int64_t k = 0; k < window_count_; ++k)
      highest = std::max(highest, static_cast<double>(window_[static_cast<std::size_t>(k) * meters + m]));
    now_[m] = window_[static_cast<std::size_t>(window_count_ - 1) * meters + m];
    peak_[m] = highest;
  }
}

bool MetersLayerDrawer::prepare(const LayerFrame& frame, double box_width, double box_height, double& width,
                                double& height) {
  scale_ = frame.height / 1080.0;
  follow(frame);
  // Without a box of its own, a meters layer takes half the picture's width and 0.4 of its height.
  width = box_width > 0.0 ? box_width : frame.width * 0.5;
  height = box_height > 0.0 ? box_height : frame.height * 0.4;
  label_px_ = meters_.labels ? std::max(1.0, label_size_()) * scale_ : 0.0;
  if (label_px_ != laid_out_px_) {
    for (const PangoLayoutPtr& label : labels_) set_text_size(label.get(), label_px_);
    laid_out_px_ = label_px_;
    label_room_ = 0.0;
    label_overhang_ = 0.0;
    for (const PangoLayoutPtr& label : labels_) {
      int w = 0, h = 0;
      pango_layout_get_pixel_size(label.get(), &w, &h);
      label_room_ = std::max(label_room_, static_cast<double>(meters_.horizontal ? w : h));
      if (!meters_.horizontal) label_overhang_ = std::max(label_overhang_, w / 2.0);
    }
    if (!labels_.empty()) label_room_ += 6.0 * scale_;
  }
  return true;
}

void MetersLayerDrawer::paint(cairo_t* cr, double width, double height) {
  const std::size_t meters = stems_.size();
  if (meters == 0) return;
  // The meters share the box's length across them (with gaps), and its depth less the labels.
  const double across = meters_.horizontal ? height : width;
  const double along = std::max(0.0, (meters_.horizontal ? width : height) - label_room_);
  const double count = static_cast<double>(meters);
  const double thickness = across / (count + meters_.gap * (count - 1.0));
  const double step = thickness * (1.0 + meters_.gap);
  const double mark = std::max(1.0, 3.0 * scale_);
  // A rectangle from `from` to `to` along the meter (0 at its foot) and across it.
  const auto bar = [&](std::size_t m, double from, double to) {
    const double a = static_cast<double>(m) * step, foot = meters_.horizontal ? label_room_ : along;
    if (meters_.horizontal)
      cairo_rectangle(cr, foot + from, a, to - from, thickness);
    else
      cairo_rectangle(cr, a, foot - to, thickness, to - from);
  };
  const Colour& track = meters_.track_colour;
  cairo_set_source_rgb(cr, track.r, track.g, track.b);
  for (std::size_t m = 0; m < meters; ++m) bar(m, 0.0, along);
  cairo_fill(cr);
  for (std::size_t m = 0; m < meters; ++m) {
    const Colour& c = colours_[m];
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    bar(m, 0.0, now_[m] * along);
    cairo_fill(cr);
    if (meters_.peak_hold > 0.0 && peak_[m] > 0.0) {
      // The peak mark, lighter than the meter.
      cairo_set_source_rgb(cr, 0.5 + c.r / 2.0, 0.5 + c.g / 2.0, 0.5 + c.b / 2.0);
      const double at = std::max(mark, peak_[m] * along);
      bar(m, at - mark, at);
      cairo_fill(cr);
    }
  }
  const Colour& text = meters_.label_colour;
  cairo_set_source_rgb(cr, text.r, text.g, text.b);
  for (std::size_t m = 0; m < labels_.size(); ++m) {
    int w = 0, h = 0;
    pango_layout_get_pixel_size(labels_[m].get(), &w, &h);
    // Under an upright meter, centred; left of a horizontal one, right-aligned.
    if (meters_.horizontal)
      cairo_move_to(cr, std::round(label_room_ - 6.0 * scale_ - w),
                    std::round(static_cast<double>(m) * step + (thickness - h) / 2.0));
    else
      cairo_move_to(cr, std::round(static_cast<double>(m) * step + (thickness - w) / 2.0),
                    std::round(along + 6.0 * scale_));
    pango_cairo_show_layout(cr, labels_[m].get());
  }
}

}  // namespace stemviz
