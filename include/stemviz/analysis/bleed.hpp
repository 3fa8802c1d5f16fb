// Cross-stem bleed: how much of each stem's sound at a frame is its own.
#pragma once

#include <stemviz/analysis/features.hpp>

#include <array>
#include <vector>

namespace stemviz {

// Per-band power of every stem at every frame: power[stem][frame][band], kMaxBands bands.
using StemBandPower = std::vector<std::vector<std::array<float, kMaxBands>>>;

// Cross-stem bleed reduction (--bleed-reduce). A close microphone also hears the other
// drums some 15 to 30 dB down. For each pair of stems (i, j) and each band, the gain g from
// stem j into stem i is estimated as the 20th percentile of the power ratio P_i / P_j over
// the frames where stem j is loud in that band (within 10 dB of its 99th percentile):
// there stem i mostly hears only j, and the low percentile skips the frames where i's own
// drum sounds too. Stem i's own power at a frame is then what the others do not explain,
// max(0, P_i - sum over j of g P_j) per band. Returns, per stem and frame, that own power's
// share of the stem's power in all bands, 0..1 (1 where the stem is silent). Two stems that
// hear each other within 6 dB (two microphones on one drum) are left alone.
std::vector<std::vector<float>> own_power_fraction(const StemBandPower& power);

}  // namespace stemviz
