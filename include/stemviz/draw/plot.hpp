// Part of the drawing stage: a picture of the features for `stemviz analyze --plot`, one
// labelled lane per stem with its level envelope and onsets over a time axis.
#pragma once

#include <stemviz/analysis/features.hpp>
#include <stemviz/util/timeline.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace stemviz {

struct PlotSize {
  int width = 1600;      // pixels, the whole picture
  int lane_height = 72;  // pixels per stem
};

// Draws the plot and writes it as PNG to `path` (the caller handles temporary names).
// Throws Failure when Cairo cannot draw or write it.
void write_feature_plot(const std::filesystem::path& path, const std::vector<std::string>& stem_names,
                        const Timeline& timeline, const FeatureTrack& features, const PlotSize& size = {});

// How many characters of `text` (UTF-8) no installed font can draw in a label: 0 when
// every script and emoji in it has a font (the setup installs DejaVu, WenQuanYi Micro Hei
// for CJK and Noto Color Emoji).
int missing_glyphs(const std::string& text);

}  // namespace stemviz
