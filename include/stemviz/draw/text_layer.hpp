// Text layers: the `text` layer, a string with placeholders ({title}, {time}, ...) filled in
// for the frame, and the `lyrics` layer, the line of an LRC or SRT file showing at the
// frame's time. Both lay their text out again only when the string, its size or its box's
// width changes ({time} once a second, a lyric once a line), and draw it again only then or
// when its outline changes (layer.hpp keeps the drawn picture).
#pragma once

#include <stemviz/draw/layer.hpp>
#include <stemviz/draw/text.hpp>
#include <stemviz/scene/lyrics.hpp>

#include <memory>
#include <string>
#include <vector>

namespace stemviz {

// One string laid out in one style (scene/layers.hpp's TextLayer: font, colours, outline,
// alignment), kept between frames.
class TextBlock {
 public:
  // `cr` is the canvas's context, whose font options the layout takes.
  TextBlock(const TextLayer& style, cairo_t* cr);
  ~TextBlock();
  TextBlock(const TextBlock&) = delete;
  TextBlock& operator=(const TextBlock&) = delete;

  // Lays `text` out at `size` pixels with an outline of `outline` pixels, wrapped to `wrap`
  // pixels (0: no wrapping). True when anything changed since the last call.
  bool set(const std::string& text, double size, double outline, double wrap);
  double width() const { return width_; }    // pixels, of the laid-out text
  double height() const { return height_; }  // pixels
  double outline() const { return outline_; }
  // Draws the text with its top-left corner at (x, y), at `alpha` (0..1).
  void paint(cairo_t* cr, double x, double y, double alpha = 1.0) const;

 private:
  struct FontDeleter {
    void operator()(PangoFontDescription* font) const;
  };
  std::unique_ptr<PangoFontDescription, FontDeleter> font_;
  PangoLayoutPtr layout_;
  Colour colour_;
  std::optional<Colour> outline_colour_;
  std::string text_;
  double size_ = -1.0, outline_ = -1.0, wrap_ = -1.0;
  double width_ = 0.0, height_ = 0.0;
};

class TextLayerDrawer final : public PlacedLayer {
 public:
  // `layer` holds a TextLayer; `stem` is the bound stem (for {name}), or -1.
  TextLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator, int stem, cairo_t* cr);

 protected:
  bool prepare(const LayerFrame& frame, double box_width, double box_height, double& width, double& height) override;
  void paint(cairo_t* cr, double width, double height) override;
  double overhang() const override { return block_.outline(); }

 private:
  // The text cut at its {time} and {remaining} placeholders: pieces_[0], clock 0,
  // pieces_[1], ...; the other placeholders are filled in once, here.
  enum class Clock { time, remaining };
  std::vector<std::string> pieces_;
  std::vector<Clock> clocks_;
  double duration_ = 0.0;  // seconds
  Value size_, outline_width_;
  bool outlined_ = false;
  TextBlock block_;
  std::string text_;  // this frame's string; its buffer is reused
  double box_height_ = 0.0;
};

class LyricsLayerDrawer final : public PlacedLayer {
 public:
  // `layer` holds a LyricsLayer; `lyrics` are its file's lines, or null for none (a
  // {lyrics} slot with no --lyrics), which draws nothing. They must outlive the layer.
  LyricsLayerDrawer(const LayerDescription& layer, SceneEvaluator& evaluator, const Lyrics* lyrics, cairo_t* cr);

 protected:
  bool prepare(const LayerFrame& frame, double box_width, double box_height, double& width, double& height) override;
  void paint(cairo_t* cr, double width, double height) override;
  double overhang() const override { return std::max(current_.outline(), next_.outline()); }
  double content_opacity() const override { return fade_now_; }

 private:
  const Lyrics* lyrics_;
  double fade_ = 0.0;  // seconds
  bool next_line_ = false;
  Value size_, outline_width_;
  bool outlined_ = false;
  TextBlock current_, next_;
  bool has_next_ = false;  // this frame shows the next line too
  double fade_now_ = 1.0;  // this frame's fade in or out
  double box_height_ = 0.0;
  TextAlign align_ = TextAlign::center;
};

// "m:ss" (or "h:mm:ss" from an hour on) of `seconds` (>= 0, whole), appended to `out`.
void append_clock(std::string& out, long long seconds);

}  // namespace stemviz
