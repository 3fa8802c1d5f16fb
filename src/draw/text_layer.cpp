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

void TextBlock::FontDeleter::operator()(PangoFontDescription* font) const { pango_font_description_free(font); }

TextBlock::TextBlock(const TextLayer& style, cairo_t* cr)
    : font_(pango_font_description_from_string(style.font.empty() ? "DejaVu Sans" : style.font.c_str())),
      layout_(text_layout(cr, "", 1.0)),
      colour_(style.colour),
      outline_colour_(style.outline_colour) {
  pango_layout_set_alignment(layout_.get(), style.align == TextAlign::left    ? PANGO_ALIGN_LEFT
                                            : style.align == TextAlign::right ? PANGO_ALIGN_RIGHT
                                                                              : PANGO_ALIGN_CENTER);
  pango_layout_set_wrap(layout_.get(), PANGO_WRAP_WORD_CHAR);
}

TextBlock::~TextBlock() = default;

bool TextBlock::set(const std::string& text, double size, double outline, double wrap) {
  if (!outline_colour_) outline = 0.0;
  if (text == text_ && size == size_ && outline == outline_ && wrap == wrap_) return false;
  if (size != size_) {
    pango_font_description_set_absolute_size(font_.get(), size * PANGO_SCALE);
    pango_layout_set_font_description(layout_.get(), font_.get());
  }
  if (wrap != wrap_) pango_layout_set_width(layout_.get(), wrap > 0.0 ? static_cast<int>(wrap * PANGO_SCALE) : -1);
  if (text != text_) pango_layout_set_text(layout_.get(), text.c_str(), static_cast<int>(text.size()));
  text_ = text;
  size_ = size;
  outline_ = outline;
  wrap_ = wrap;
  PangoRectangle logical{};
  pango_layout_get_pixel_extents(layout_.get(), nullptr, &logical);
  // Wrapped text is aligned within the wrapping width, which is then its width.
  width_ = wrap > 0.0 ? wrap : logical.width;
  height_ = logical.height;
  return true;
}

void TextBlock::paint(cairo_t* cr, double x, double y, double alpha) const {
  if (outline_ > 0.0) {
    cairo_move_to(cr, x, y);
    pango_cairo_layout_path(cr, layout_.get());
    // The stroke is centred on the glyphs' edges: twice the width reaches `outline_width` out.
    cairo_set_line_width(cr, 2.0 * outline_);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_source_rgba(cr, outline_colour_->r, outline_colour_->g, outline_colour_->b, alpha);
    cairo_stroke(cr);
  }
  cairo_move_to(cr, x, y);
  cairo_set_source_rgba(cr, colour_.r, colour_.g, colour_.b, alpha);
  pango_cairo_show_layout(cr, layout_.get());
}

TextLayerDrawer::TextLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator, int stem,
                                 cairo_t* cr)
    : PlacedLayer(layer, evaluator),
      duration_(scene.timeline().duration_seconds()),
      block_(std::get<TextLayer>(layer.details), cr) {
  const TextLayer& text = std::get<TextLayer>(layer.details);
  size_ = evaluator.compile(text.size);
  outline_width_ = evaluator.compile(text.outline_width);
  outlined_ = text.outline_colour.has_value();
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
}

bool TextLayerDrawer::prepare(const LayerFrame& frame, double box_width, double box_height, double& width,
                              double& height) {
  const double scale = frame.height / 1080.0;  // sizes in the scene are pixels at 1080 lines
  text_.assign(pieces_.front());
  for (std::size_t k = 0; k < clocks_.size(); ++k) {
    const double t = std::clamp(frame.time, 0.0, duration_);
    append_clock(text_, clocks_[k] == Clock::time ? static_cast<long long>(std::floor(t))
                                                  : static_cast<long long>(std::ceil(duration_ - t - 1e-9)));
    text_ += pieces_[k + 1];
  }
  const double outline = outlined_ ? std::max(0.0, outline_width_()) * scale : 0.0;
  bool changed = block_.set(text_, std::max(1.0, size_()) * scale, outline, box_width);
  width = block_.width();
  height = block_.height();
  if (box_height != box_height_) changed = true;
  box_height_ = box_height;
  return changed;
}

void TextLayerDrawer::paint(cairo_t* cr, double, double) {
  // Lines centred up and down in a box taller than they are.
  const double top = box_height_ > block_.height() ? std::round((box_height_ - block_.height()) / 2.0) : 0.0;
  block_.paint(cr, 0.0, top);
}

LyricsLayerDrawer::LyricsLayerDrawer(const LayerDescription& layer, SceneEvaluator& evaluator, const Lyrics* lyrics,
                                     cairo_t* cr)
    : PlacedLayer(layer, evaluator),
      lyrics_(lyrics),
      current_(std::get<LyricsLayer>(layer.details).style, cr),
      next_(std::get<LyricsLayer>(layer.details).style, cr) {
  const LyricsLayer& d = std::get<LyricsLayer>(layer.details);
  fade_ = d.fade;
  next_line_ = d.next_line;
  size_ = evaluator.compile(d.style.size);
  outline_width_ = evaluator.compile(d.style.outline_width);
  outlined_ = d.style.outline_colour.has_value();
  align_ = d.style.align;
}

bool LyricsLayerDrawer::prepare(const LayerFrame& frame, double box_width, double box_height, double& width,
                                double& height) {
  const int line = lyrics_ ? lyrics_->line_at(frame.time) : -1;
  fade_now_ = 0.0;
  if (line < 0) return false;  // nothing shows: the layer draws nothing this frame
  const LyricLine& now = lyrics_->lines[static_cast<std::size_t>(line)];
  // In over `fade` seconds from the line's start, out over as long before its end.
  fade_now_ = fade_ > 0.0 ? std::clamp(std::min(frame.time - now.start, now.end - frame.time) / fade_, 0.0, 1.0) : 1.0;
  const double scale = frame.height / 1080.0;
  const double size = std::max(1.0, size_()) * scale;
  const double outline = outlined_ ? std::max(0.0, outline_width_()) * scale : 0.0;
  bool changed = current_.set(now.text, size, outline, box_width);
  const auto following = static_cast<std::size_t>(line) + 1;
  const std::string& after =
      next_line_ && following < lyrics_->lines.size() ? lyrics_->lines[following].text : std::string();
  // The next line is smaller, and drawn at half strength.
  changed = next_.set(after.empty() ? std::string() : after, size * 0.6, outline * 0.6, box_width) || changed;
  line_ = line;
  const double next_height = after.empty() ? 0.0 : next_.height();
  width = std::max(current_.width(), after.empty() ? 0.0 : next_.width());
  height = current_.height() + next_height;
  if (box_height != box_height_) changed = true;
  box_height_ = box_height;
  return changed;
}

void LyricsLayerDrawer::paint(cairo_t* cr, double width, double) {
  const bool two = next_line_ && lyrics_ && line_ >= 0 && static_cast<std::size_t>(line_) + 1 < lyrics_->lines.size();
  const double height = current_.height() + (two ? next_.height() : 0.0);
  const double top = box_height_ > height ? std::round((box_height_ - height) / 2.0) : 0.0;
  // Each line placed in the width as the lines of one text are.
  const auto left = [&](const TextBlock& block) {
    const double room = width - block.width();
    return align_ == TextAlign::left ? 0.0 : align_ == TextAlign::right ? room : std::round(room / 2.0);
  };
  current_.paint(cr, left(current_), top);
  if (two) next_.paint(cr, left(next_), top + current_.height(), 0.5);
}

}  // namespace stemviz
