// Part of the scene stage, for its own sources (it exposes toml++ through table_reader.hpp):
// reading a scene's [[layers]] list.
#pragma once

#include <stemviz/scene/layers.hpp>
#include <stemviz/scene/table_reader.hpp>

#include <vector>

namespace stemviz {

// Reads the `layers` key of the scene's top table `top` into `layers`, and the files they
// name into `assets`: an InputError at `file:line:col` for an unknown kind (with the closest
// one), a key the kind does not take, a value out of range, or a second stage.
void read_layers(const TableReader& top, std::vector<LayerDescription>& layers, std::vector<SceneAsset>& assets);

}  // namespace stemviz
