#include <stemviz/draw/text_layer.hpp>

#include <stemviz/scene/scene.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace stemviz {

void append_clock(std::string& out, long long seconds) {
  if (seconds >= 3600)
    fmt::format_to(std::back_inserter(out), "{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
  else
    fmt::format_to(std::back_inserter(out), "{}:{:02}", seconds / 60, seconds % 60);
}

void TextLayerDrawer::FontDeleter::operator()(PangoFontDescription* font) const { pango_font_description_free(font); }

TextLayerDrawer::TextLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator, int stem,
                                 cairo_t* cr)
    : PlacedLayer(layer, evaluator), duration_(scene.timeline().duration_seconds()) {
  const TextLayer& text = std::get<TextLayer>(layer.details);
  size_ = evaluator.compile(text.size);
  outline_width_ = evaluator.compile(text.outline_width);
  colour_ = text.colour;
  outline_colour_ = text.outline_colour;
  // The placeholders were checked when the scene was read: each {NAME} is a known one.
  const SceneDescription& d = scene.description();
  pieces_.emplace_back();
  for (std::size_t at = 0; at < text.text.size();) {
    const std::size_t open = text.text.find('{', at);
    const std::size_t close = open == std::string::npos ? open : text.text.find('}', open);
    if (close == std::string::npos) {
      pieces_.back() += text.text.substr(at);
      break;
    }
    pieces_.back() += text.text.substr(at, open - at);
    const std::string name = text.text.substr(open + 1, close - open - 1);
    if (name == "time" || name == "remaining") {
      clocks_.push_back(name == "time" ? Clock::time : Clock::remaining);
      pieces_.emplace_back();
    } else if (name == "title") {
      pieces_.back() += d.title;
    } else if (name == "artist") {
      pieces_.back() += d.artist;
    } else if (name == "name") {
      pieces_.back() += stem >= 0 ? scene.stem_name(stem) : std::string();
    } else if (name == "duration") {
      append_clock(pieces_.back(), std::llround(duration_));
    } else {
      pieces_.back() += text.text.substr(open, close - open + 1);
    }
    at = close + 1;
  }
  font_.reset(pango_font_description_from_string(text.font.empty() ? "DejaVu Sans" : text.font.c_str()));
  layout_ = text_layout(cr, "", 1.0);
  pango_layout_set_alignment(layout_.get(), text.align == TextAlign::left    ? PANGO_ALIGN_LEFT
                                            : text.align == TextAlign::right ? PANGO_ALIGN_RIGHT
                                                                             : PANGO_ALIGN_CENTER);
  pango_layout_set_wrap(layout_.get(), PANGO_WRAP_WORD_CHAR);
}

TextLayerDrawer::~TextLayerDrawer() = default;

bool TextLayerDrawer::prepare(const LayerFrame& frame, double box_width, double box_height, double& width,
                              double& height) {
  bool changed = false;
  const double scale = frame.height / 1080.0;  // sizes in the scene are pixels at 1080 lines
  text_.assign(pieces_.front());
  for (std::size_t k = 0; k < clocks_.size(); ++k) {
    const double t = std::clamp(frame.time, 0.0, duration_);
    append_clock(text_, clocks_[k] == Clock::time ? static_cast<long long>(std::floor(t))
                                                  : static_cast<long long>(std::ceil(duration_ - t - 1e-9)));
    text_ += pieces_[k + 1];
  }
  const double size = std::max(1.0, size_()) * scale;
  outline_px_ = outline_colour_ ? std::max(0.0, outline_width_()) * scale : 0.0;
  if (outline_px_ != outline_drawn_) {
    outline_drawn_ = outline_px_;
    changed = true;
  }
  if (size != laid_out_size_) {
    changed = true;
    pango_font_description_set_absolute_size(font_.get(), size * PANGO_SCALE);
    pango_layout_set_font_description(layout_.get(), font_.get());
    laid_out_size_ = size;
  }
  if (box_width != laid_out_width_) {
    changed = true;
    pango_layout_set_width(layout_.get(), box_width > 0.0 ? static_cast<int>(box_width * PANGO_SCALE) : -1);
    laid_out_width_ = box_width;
  }
  if (text_ != laid_out_) {
    changed = true;
    pango_layout_set_text(layout_.get(), text_.c_str(), static_cast<int>(text_.size()));
    laid_out_ = text_;
  }
  PangoRectangle logical{};
  pango_layout_get_pixel_extents(layout_.get(), nullptr, &logical);
  width = logical.width;
  height = logical.height;
  text_height_ = logical.height;
  if (box_height != box_height_) changed = true;
  box_height_ = box_height;
  return changed;
}

void TextLayerDrawer::paint(cairo_t* cr, double, double) {
  // Lines centred up and down in a box taller than they are.
  const double top = box_height_ > text_height_ ? std::round((box_height_ - text_height_) / 2.0) : 0.0;
  if (outline_px_ > 0.0) {
    cairo_move_to(cr, 0.0, top);
    pango_cairo_layout_path(cr, layout_.get());
    // The stroke is centred on the glyphs' edges: twice the width reaches `outline_width` out.
    cairo_set_line_width(cr, 2.0 * outline_px_);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_source_rgb(cr, outline_colour_->r, outline_colour_->g, outline_colour_->b);
    cairo_stroke(cr);
  }
  cairo_move_to(cr, 0.0, top);
  cairo_set_source_rgb(cr, colour_.r, colour_.g, colour_.b);
  pango_cairo_show_layout(cr, layout_.get());
}

}  // namespace stemviz
