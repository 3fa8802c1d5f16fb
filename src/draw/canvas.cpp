#include <stemviz/draw/canvas.hpp>

#include <stemviz/draw/layer.hpp>
#include <stemviz/draw/text.hpp>
#include <stemviz/scene/evaluator.hpp>
#include <stemviz/scene/geometry.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace stemviz {

struct FrameCanvas::Label {
  PangoLayoutPtr layout;
  double size = 0.0;      // pixels, this frame
  double laid_out = 0.0;  // pixels the layout's font has: set again only when size changes
  double x = 0.0, y = 0.0;
  bool visible = false;
};

FrameCanvas::FrameCanvas(const Scene& scene, int only_stem)
    : scene_(&scene),
      only_stem_(only_stem),
      evaluator_(std::make_unique<SceneEvaluator>(scene.description(), scene.variables())),
      surface_(make_image_surface(scene.width(), scene.height())),
      cr_(make_context(surface_.get())) {
  pixels_ = cairo_image_surface_get_data(surface_.get());
  stride_ = cairo_image_surface_get_stride(surface_.get());
  // The background never changes: paint it once and copy it in for every frame.
  draw_background();
  cairo_surface_flush(surface_.get());
  background_.assign(pixels_, pixels_ + static_cast<std::size_t>(stride_) * static_cast<std::size_t>(scene.height()));
  if (!scene.description().object.label.empty() && only_stem_ < 0) {
    for (int stem = 0; stem < scene.stem_count(); ++stem) {
      auto label = std::make_unique<Label>();
      label->laid_out = 1.0;  // draw_labels() sets the frame's size
      label->layout = text_layout(cr_.get(), scene.label(stem), label->laid_out);
      labels_.push_back(std::move(label));
    }
  }
  // A scene without [[layers]] is the stage alone; so is a per-stem layer video (only_stem_),
  // which holds that stem's object and never the 2D layers.
  const std::vector<LayerDescription>& layers = scene.description().layers;
  if (only_stem_ >= 0 || layers.empty()) {
    layers_.push_back({nullptr, -1});
  } else {
    for (const LayerDescription& layer : layers) {
      const int stem = layer_stem(layer, scene.stem_names());
      layers_.push_back({std::holds_alternative<StageLayer>(layer.details)
                             ? nullptr
                             : make_layer(layer, scene, *evaluator_, stem, cr_.get()),
                         stem});
    }
  }
}

FrameCanvas::~FrameCanvas() = default;

void FrameCanvas::draw_background() {
  cairo_t* cr = cr_.get();
  const Background& background = scene_->description().background;
  cairo_save(cr);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  if (background.transparent || only_stem_ >= 0) {
    cairo_set_source_rgba(cr, 0, 0, 0, 0);
    cairo_paint(cr);
  } else if (background.colours.size() == 1) {
    const Colour& c = background.colours.front();
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_paint(cr);
  } else {
    auto gradient = std::unique_ptr<cairo_pattern_t, decltype(&cairo_pattern_destroy)>(
        cairo_pattern_create_linear(0, 0, 0, scene_->height()), cairo_pattern_destroy);
    for (std::size_t k = 0; k < background.colours.size(); ++k) {
      const Colour& c = background.colours[k];
      cairo_pattern_add_color_stop_rgb(gradient.get(), background.stops[k], c.r, c.g, c.b);
    }
    cairo_set_source(cr, gradient.get());
    cairo_paint(cr);
  }
  cairo_restore(cr);
}

void FrameCanvas::follow_features(std::int64_t frame) {
  const FeatureSource& features = scene_->features();
  const std::int64_t frames = features.frame_count();
  if (frames == 0) return;
  const std::int64_t at = std::clamp<std::int64_t>(frame, 0, frames - 1);
  const std::int64_t first = Scene::block_start(at);
  if (first != block_first_) {
    // A read that throws leaves neither a half-loaded block nor a state to step on from.
    block_first_ = -1;
    onset_frame_ = kNoFrame;
    features.read(first, std::min(Scene::kFeatureBlockFrames, frames - first), block_);
    block_first_ = first;
  }
  if (at == onset_frame_) return;
  const int known = std::min(scene_->row_count(), features.stem_count());
  onset_states_.resize(static_cast<std::size_t>(scene_->row_count()));
  // Frames in order (as a chunk draws them) step the state once; any other frame starts
  // again from its block's start, which lies in the block just loaded.
  const bool next = onset_frame_ == at - 1;
  for (int stem = 0; stem < known; ++stem) {
    OnsetState& state = onset_states_[static_cast<std::size_t>(stem)];
    if (next)
      scene_->step_onsets(state, block_.at(stem, at - first).onset);
    else
      state = scene_->onset_state_after(stem, at, block_);
  }
  onset_frame_ = at;
}

void FrameCanvas::draw(std::int64_t frame) {
  const Scene& scene = *scene_;
  const Timeline& timeline = scene.timeline();
  follow_features(frame);
  evaluator_->set_frame(timeline.frame_time(frame), static_cast<double>(frame), timeline.fps.to_double(),
                        scene.stem_count(), timeline.duration_seconds(),
                        static_cast<double>(scene.width()) / scene.height());
  const LayerFrame at{
      frame,       timeline.frame_time(frame), scene.width(), scene.height(), block_first_ >= 0 ? &block_ : nullptr,
      block_first_};
  // A bottom layer that paints every pixel opaquely (a background video or picture) hides
  // the background: restoring it first would copy a whole picture for nothing.
  const Layer& bottom = layers_.front();
  if (bottom.placed && bottom.stem >= 0) bind_stem(bottom.stem, frame);
  if (!bottom.placed || !bottom.placed->covers_picture(at)) restore_background();
  dirty_boxes_.clear();
  for (const Layer& layer : layers_) {
    if (!layer.placed) {
      dirty_boxes_.push_back(draw_stage(frame));
      continue;
    }
    if (layer.stem >= 0) bind_stem(layer.stem, frame);
    dirty_boxes_.push_back(layer.placed->draw(cr_.get(), at));
  }
  cairo_surface_flush(surface_.get());
}

PixelBox FrameCanvas::draw_stage(std::int64_t frame) {
  const Scene& scene = *scene_;
  const CameraPose pose = evaluator_->camera_pose();
  const StageView view{make_camera(pose, pose.distance.value_or(scene.fitted_distance()), scene.height()),
                       scene.width(), scene.height()};
  build_stage(frame, view);
  draw_faces(true);
  draw_floor();
  // Labels lie on the floor: objects in front of them may cover them.
  draw_labels();
  draw_faces(false);
  return drawn_box();
}

PixelBox FrameCanvas::covered_box() const {
  PixelBox box;
  for (const PixelBox& drawn : dirty_boxes_) box = box_around(box, drawn);
  return box;
}

void FrameCanvas::bind_stem(int stem, std::int64_t frame) {
  const Scene& scene = *scene_;
  const std::int64_t frames = scene.features().frame_count();
  const bool in_song = frame >= 0 && frame < frames;
  // Before the song everything is silent; after it the features are too, and `onsets`
  // keeps its last value.
  const bool known = stem < scene.features().stem_count() && frame >= 0 && frames > 0;
  const OnsetState onset = known ? onset_states_[static_cast<std::size_t>(stem)] : OnsetState{};
  evaluator_->set_stem(stem, in_song ? block_.at(stem, frame - block_first_) : StemFrameFeatures{},
                       in_song ? onset.hit() : 0.0f, onset.onsets());
}

void FrameCanvas::build_stage(std::int64_t frame, const StageView& view) {
  const Scene& scene = *scene_;
  const SceneDescription& d = scene.description();
  SceneEvaluator& e = *evaluator_;
  const int stems = scene.stem_count();
  const double scale_px = view.height / 1080.0;  // sizes in the scene are pixels at 1080 lines
  std::vector<Vec3>& positions = stage_.positions;
  e.layout(d, stems, positions);
  const double turn = e.turn();
  faces_.clear();
  double floor_radius = 0.0;
  for (int stem = 0; stem < stems; ++stem) {
    if (only_stem_ >= 0 && stem != only_stem_) continue;
    bind_stem(stem, frame);
    const StagedObject object{stem, rotate_y(positions[static_cast<std::size_t>(stem)], turn), turn, e.object(),
                              scene.stem_colour(stem)};
    const SceneEvaluator::ObjectValues& o = object.values;
    const Vec3& centre = object.centre;
    floor_radius = std::max(
        floor_radius, std::hypot(centre.x, centre.z) + (d.object.shape == Shape::cube ? o.height : o.size) * 0.71);
    if (!labels_.empty()) {
      Label& label = *labels_[static_cast<std::size_t>(stem)];
      const Projected p = project(view.camera, centre, view.width, view.height);
      label.visible = p.depth > 0.1;
      label.x = p.x;
      label.y = p.y + o.size * view.camera.focal_px / std::max(0.1, p.depth) * 0.35 + 4.0 * scale_px;
      label.size = o.label_size * scale_px;
    }
    add_object_faces(d, object, view, e, stage_, faces_);
  }
  sort_for_painting(faces_);
  floor_xy_.clear();
  if (only_stem_ < 0) floor_outline(d, stems, floor_radius + e.floor_margin(), turn, view, floor_xy_);
}

void FrameCanvas::restore_background() {
  cairo_surface_flush(surface_.get());
  // Only the previous frame's drawing covered the background: restore just its boxes (the
  // stage's, each layer's), a fraction of the picture, instead of copying the whole
  // background every frame. A pixel in two boxes is copied twice, to the same value.
  for (const PixelBox& box : dirty_boxes_) {
    if (box.x1 <= box.x0) continue;
    const std::size_t row_bytes = static_cast<std::size_t>(box.x1 - box.x0) * 4;
    for (int y = box.y0; y < box.y1; ++y) {
      const std::size_t offset =
          static_cast<std::size_t>(y) * static_cast<std::size_t>(stride_) + static_cast<std::size_t>(box.x0) * 4;
      std::memcpy(pixels_ + offset, background_.data() + offset, row_bytes);
    }
  }
  cairo_surface_mark_dirty(surface_.get());
}

PixelBox FrameCanvas::drawn_box() const {
  const int width = scene_->width(), height = scene_->height();
  // Text can reach anywhere: a labelled frame restores all of it.
  if (!labels_.empty()) return {0, 0, width, height};
  double x0 = width, y0 = height, x1 = 0, y1 = 0, widest = 0;
  const auto cover = [&](double x, double y) {
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  };
  for (const ScreenFace& face : faces_) {
    for (int k = 0; k < face.corners; ++k) {
      cover(face.xy[static_cast<std::size_t>(2 * k)], face.xy[static_cast<std::size_t>(2 * k + 1)]);
    }
    widest = std::max(widest, face.edge_width);
  }
  for (std::size_t k = 0; k + 1 < floor_xy_.size(); k += 2) cover(floor_xy_[k], floor_xy_[k + 1]);
  if (x1 < x0) return {};
  // Strokes reach half a line width past the vertices and antialiasing one more pixel.
  const double margin = widest + 2.0;
  const auto clamp_to = [](double v, int limit) {
    return static_cast<int>(std::clamp(v, 0.0, static_cast<double>(limit)));
  };
  return {clamp_to(std::floor(x0 - margin), width), clamp_to(std::floor(y0 - margin), height),
          clamp_to(std::ceil(x1 + margin), width), clamp_to(std::ceil(y1 + margin), height)};
}

void FrameCanvas::draw_faces(bool mirror) {
  cairo_t* cr = cr_.get();
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (const ScreenFace& face : faces_) {
    if (face.mirror == mirror) draw_face(cr, face, scene_->width(), scene_->height(), blend_);
  }
}

void FrameCanvas::draw_floor() {
  if (floor_xy_.size() < 6) return;
  cairo_t* cr = cr_.get();
  const FloorDescription& floor = scene_->description().floor;
  cairo_move_to(cr, floor_xy_[0], floor_xy_[1]);
  for (std::size_t k = 2; k + 1 < floor_xy_.size(); k += 2) cairo_line_to(cr, floor_xy_[k], floor_xy_[k + 1]);
  cairo_close_path(cr);
  const double opacity = evaluator_->floor_opacity();
  cairo_set_source_rgba(cr, floor.colour.r, floor.colour.g, floor.colour.b, opacity);
  cairo_fill_preserve(cr);
  cairo_set_line_width(cr, std::max(1.0, scene_->height() / 720.0));
  cairo_set_source_rgba(cr, floor.colour.r, floor.colour.g, floor.colour.b, std::min(1.0, opacity * 2.5));
  cairo_stroke(cr);
}

void FrameCanvas::draw_labels() {
  cairo_t* cr = cr_.get();
  const Colour& colour = scene_->description().object.label_colour;
  for (const auto& label : labels_) {
    if (!label->visible) continue;
    if (label->size != label->laid_out) {
      set_text_size(label->layout.get(), label->size);
      label->laid_out = label->size;
    }
    int text_width = 0, text_height = 0;
    pango_layout_get_pixel_size(label->layout.get(), &text_width, &text_height);
    cairo_move_to(cr, label->x - text_width / 2.0, label->y);
    cairo_set_source_rgb(cr, colour.r, colour.g, colour.b);
    pango_cairo_show_layout(cr, label->layout.get());
  }
}

}  // namespace stemviz
