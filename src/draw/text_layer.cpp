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
  // {time} and {remaining} change with the frame; the others are filled in once, here.
  const SceneDescription& d = scene.description();
  pieces_.emplace_back();
  for (const TextPiece& piece : text.pieces) {
    pieces_.back() += piece.literal;
    switch (piece.placeholder) {
      case Placeholder::none: break;
      case Placeholder::time:
      case Placeholder::remaining:
        clocks_.push_back(piece.placeholder == Placeholder::time ? Clock::time : Clock::remaining);
        pieces_.emplace_back();
        break;
      case Placeholder::title: pieces_.back() += d.title; break;
      case Placeholder::artist: pieces_.back() += d.artist; break;
      case Placeholder::name: pieces_.back() += stem >= 0 ? scene.stem_name(stem) : std::string(); break;
      case Placeholder::duration: append_clock(pieces_.back(), std::llround(duration_)); break;
    }
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
  const bool had_next = has_next_;
  has_next_ = next_line_ && following < lyrics_->lines.size();
  if (has_next_ != had_next) changed = true;
  // The next line is smaller, and drawn at half strength.
  if (has_next_) changed = next_.set(lyrics_->lines[following].text, size * 0.6, outline * 0.6, box_width) || changed;
  width = std::max(current_.width(), has_next_ ? next_.width() : 0.0);
  height = current_.height() + (has_next_ ? next_.height() : 0.0);
  if (box_height != box_height_) changed = true;
  box_height_ = box_height;
  return changed;
}

void LyricsLayerDrawer::paint(cairo_t* cr, double width, double) {
  const double height = current_.height() + (has_next_ ? next_.height() : 0.0);
  const double top = box_height_ > height ? std::round((box_height_ - height) / 2.0) : 0.0;
  // Each line placed in the width as the lines of one text are.
  const auto left = [&](const TextBlock& block) {
    const double room = width - block.width();
    return align_ == TextAlign::left ? 0.0 : align_ == TextAlign::right ? room : std::round(room / 2.0);
  };
  current_.paint(cr, left(current_), top);
  if (has_next_) next_.paint(cr, left(next_), top + current_.height(), 0.5);
}

}  // namespace stemviz
