// Levels: smoothing a stem's loudness over time and scaling it to the 0..1 that the
// picture shows.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace stemviz {

// How levels are scaled to 0..1.
struct Normalization {
  enum class Mode {
    peak,        // each stem's loudest frame is 1
    global,      // the loudest frame of any stem is 1: keeps the stems' relative loudness
    percentile,  // each stem's P-th percentile frame is 1 (louder frames clip to 1), so one
                 // huge hit does not flatten the rest of the song
  };
  Mode mode = Mode::peak;
  double percentile = 95.0;        // P for Mode::percentile, 0 < P <= 100
  std::optional<double> floor_db;  // when set (< 0), levels map linearly in dB from this
                                   // far below the reference (0) up to the reference (1)
  double gamma = 1.0;              // level = level^gamma, > 0; above 1 favours loud frames
};

// Parses "peak", "global" or "percentile:P"; throws UsageError naming `what` otherwise.
Normalization::Mode parse_normalization_mode(const std::string& text, double& percentile, const std::string& what);

// The mode as parse_normalization_mode() reads it: "peak", "global" or "percentile:P".
std::string normalization_name(const Normalization& normalization);

// Attack/release smoothing of a per-frame envelope: a one-pole follower with separate time
// constants for rising and falling values, run over the whole song from its first frame, so
// a frame's value never depends on where a chunk starts. `frame_seconds` > 0.
std::vector<double> smooth_envelope(const std::vector<double>& envelope, double frame_seconds, double attack_ms,
                                    double release_ms);

// The value that `normalization` maps to level 1 for one stem's smoothed envelope (its
// maximum or percentile); 0 for silence. Mode::global is the caller's maximum over stems.
double normalization_reference(const std::vector<double>& smoothed, const Normalization& normalization);

// Maps a smoothed value to a level in 0..1 against `reference` (0 gives 0).
float to_level(double value, double reference, const Normalization& normalization);

}  // namespace stemviz
