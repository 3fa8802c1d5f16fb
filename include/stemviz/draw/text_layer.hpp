// The `text` layer: a string with placeholders ({title}, {time}, ...) filled in for the
// frame, in a Pango font, with an optional outline. The text is laid out again only when
// the string, its size or its box's width changes ({time} once a second), and drawn again
// only then or when its outline changes (layer.hpp keeps the drawn picture).
#pragma once

#include <stemviz/draw/layer.hpp>
#include <stemviz/draw/text.hpp>

#include <string>
#include <vector>

namespace stemviz {

class TextLayerDrawer final : public PlacedLayer {
 public:
  // `layer` holds a TextLayer; `stem` is the bound stem (for {name}), or -1. `cr` is the
  // canvas's context, whose font options the layout takes.
  TextLayerDrawer(const LayerDescription& layer, const Scene& scene, SceneEvaluator& evaluator, int stem, cairo_t* cr);
  ~TextLayerDrawer() override;

 protected:
  bool prepare(const LayerFrame& frame, double box_width, double box_height, double& width, double& height) override;
  void paint(cairo_t* cr, double width, double height) override;
  double overhang() const override { return outline_px_; }

 private:
  // The text cut at its {time} and {remaining} placeholders: pieces_[0], clock 0,
  // pieces_[1], ...; the other placeholders are filled in once, here.
  enum class Clock { time, remaining };
  std::vector<std::string> pieces_;
  std::vector<Clock> clocks_;
  double duration_ = 0.0;  // seconds

  Value size_, outline_width_;
  Colour colour_;
  std::optional<Colour> outline_colour_;
  double outline_px_ = 0.0;
  struct FontDeleter {
    void operator()(PangoFontDescription* font) const;
  };
  std::unique_ptr<PangoFontDescription, FontDeleter> font_;
  PangoLayoutPtr layout_;
  std::string text_;  // this frame's string; its buffer is reused
  std::string laid_out_;
  double laid_out_size_ = -1.0, laid_out_width_ = -1.0;
  double text_height_ = 0.0, box_height_ = 0.0;
  double outline_drawn_ = -1.0;  // outline_px_ when the content was last prepared
};

// "m:ss" (or "h:mm:ss" from an hour on) of `seconds` (>= 0, whole), appended to `out`.
void append_clock(std::string& out, long long seconds);

}  // namespace stemviz
