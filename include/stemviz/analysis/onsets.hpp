// Onset picking: the frames where a stem's sound starts, from its onset-strength curve.
#pragma once

#include <vector>

namespace stemviz {

// Onsets picked from an onset-strength curve (0..1 per frame): frames that are the largest
// within +-30 ms, stand `delta` above the mean of the surrounding +-100 ms, exceed
// `threshold`, and come at least 50 ms after the previous onset. Returns, per frame, the
// onset's strength or 0.
std::vector<float> pick_onsets(const std::vector<float>& strength, double fps, float threshold = 0.1f,
                               float delta = 0.07f);

}  // namespace stemviz
