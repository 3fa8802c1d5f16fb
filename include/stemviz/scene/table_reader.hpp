// Part of the scene stage, for its own sources (it exposes toml++, which only the scene
// stage links). Reading scene files: one TOML table at a time, through typed getters whose mistakes name
// the file, line and column and the closest known key. Every section of a scene (and every
// new layer kind or effect) reads its keys through one of these.
#pragma once

#include <stemviz/scene/expression.hpp>
#include <stemviz/scene/scene_file.hpp>

#include <toml++/toml.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stemviz {

// Where `node` is written in `file`.
SourceSpot spot_of(const toml::node& node, const std::string& file);

// A number as messages show it: 0.5, 120, 1e+06.
std::string format_number(double value);

// Reads one TOML table: typed values with messages that point into the file, and a check
// that every key in the table is one this table knows.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string title, const std::string& file, std::vector<std::string> known);

  const std::string& file() const { return file_; }
  const std::string& title() const { return title_; }
  bool has(std::string_view key) const { return table_.contains(key); }
  const toml::node* node(std::string_view key) const { return table_.get(key); }
  // Where `key` is written, for messages about its value as a whole.
  SourceSpot spot(std::string_view key) const;

  // Throws InputError: `value` at `key` is not `expected`.
  [[noreturn]] void wrong_type(std::string_view key, const toml::node& value, std::string_view expected) const;

  // A number or an expression string; a constant must lie in [low, high].
  Number number(std::string_view key, Number fallback, Scope scope, double low, double high) const;

  // The same for a value already found, such as an array entry.
  Number number_at(const toml::node& value, std::string_view key, Scope scope, double low, double high) const;

  // Throws InputError at `where` unless `value` is finite and in [low, high].
  void check_range(std::string_view key, const SourceSpot& where, double value, double low, double high) const;

  // Typed values with a fallback for an absent key, checked for type and range.
  double constant(std::string_view key, double fallback, double low, double high) const;

  int integer(std::string_view key, int fallback, int low, int high) const;

  bool boolean(std::string_view key, bool fallback) const;

  std::string text(std::string_view key, std::string fallback) const;

  // One of `options`, with the closest one suggested for a mistake.
  std::string choice(std::string_view key, std::string fallback, const std::vector<std::string>& options) const;

  // "#rrggbb" or "#rgb".
  Colour colour_at(const toml::node& value, std::string_view key) const;

  Colour colour(std::string_view key, Colour fallback) const;

  // An array of `min_size` to `max_size` entries, or null when the key is absent; `example`
  // shows one in messages.
  const toml::array* array(std::string_view key, std::size_t min_size, std::size_t max_size,
                           std::string_view example) const;

  std::array<Number, 3> vector3(std::string_view key, std::array<Number, 3> fallback, Scope scope) const;

  // A sub-table, or an empty one when the key is absent.
  const toml::table& table(std::string_view key) const;

 private:
  const toml::table& table_;
  std::string title_;
  const std::string& file_;
  std::vector<std::string> known_;
};

}  // namespace stemviz
