#include <stemviz/scene/table_reader.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace stemviz {

SourceSpot spot_of(const toml::node& node, const std::string& file) {
  const auto& begin = node.source().begin;
  return {file, static_cast<int>(begin.line), static_cast<int>(begin.column)};
}

std::string format_number(double value) { return fmt::format("{:g}", value); }

namespace {

const char* type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date or time";
  }
}

}  // namespace

TableReader::TableReader(const toml::table& table, std::string title, const std::string& file,
                         std::vector<std::string> known)
    : table_(table), title_(std::move(title)), file_(file), known_(std::move(known)) {
  for (auto&& [key, value] : table_) {
    if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) continue;
    const SourceSpot spot{file_, static_cast<int>(key.source().begin.line),
                          static_cast<int>(key.source().begin.column)};
    const std::string near = closest_name(key.str(), known_);
    throw InputError(fmt::format("{}: unknown key '{}' in {}; {}", spot.to_string(), key.str(), title_,
                                 near.empty() ? fmt::format("known keys: {}", fmt::join(known_, ", "))
                                              : fmt::format("did you mean '{}'?", near)));
  }
}

SourceSpot TableReader::spot(std::string_view key) const {
  for (auto&& [k, value] : table_) {
    if (k.str() == key) {
      return {file_, static_cast<int>(k.source().begin.line), static_cast<int>(k.source().begin.column)};
    }
  }
  return {file_, 1, 1};
}

void TableReader::wrong_type(std::string_view key, const toml::node& value, std::string_view expected) const {
  throw InputError(fmt::format("{}: '{}' in {} must be {}, not {}", spot_of(value, file_).to_string(), key, title_,
                               expected, type_name(value)));
}

Number TableReader::number(std::string_view key, Number fallback, Scope scope, double low, double high) const {
  const toml::node* value = node(key);
  if (!value) {
    fallback.scope = scope;
    return fallback;
  }
  return number_at(*value, key, scope, low, high);
}

Number TableReader::number_at(const toml::node& value, std::string_view key, Scope scope, double low,
                              double high) const {
  Number number;
  number.scope = scope;
  number.where = spot_of(value, file_);
  if (const auto as_number = value.value<double>(); as_number && !value.is_string()) {
    number.constant = *as_number;
    check_range(key, number.where, number.constant, low, high);
    return number;
  }
  if (!value.is_string()) wrong_type(key, value, "a number or an expression in quotes");
  number.expression = *value.value<std::string>();
  number.where = number.where.shifted(1);  // past the opening quote
  // Compile once here so that every mistake is reported before anything renders.
  static const VariableSet variables = scene_variables();
  std::vector<double> scratch(static_cast<std::size_t>(variables.size()), 0.0);
  const Expression expression = compile_expression(number.expression, number.where, variables, scratch.data(), scope);
  if (expression.is_constant()) {
    number.constant = expression.evaluate();
    number.expression.clear();
    check_range(key, number.where, number.constant, low, high);
  }
  return number;
}

void TableReader::check_range(std::string_view key, const SourceSpot& where, double value, double low,
                              double high) const {
  if (!std::isfinite(value) || value < low || value > high) {
    throw InputError(fmt::format("{}: '{}' in {} is {}; it must be from {} to {}", where.to_string(), key, title_,
                                 format_number(value), format_number(low), format_number(high)));
  }
}

double TableReader::constant(std::string_view key, double fallback, double low, double high) const {
  const toml::node* value = node(key);
  if (!value) return fallback;
  const auto as_number = value->value<double>();
  if (!as_number || value->is_string()) wrong_type(key, *value, "a number");
  check_range(key, spot_of(*value, file_), *as_number, low, high);
  return *as_number;
}

int TableReader::integer(std::string_view key, int fallback, int low, int high) const {
  const toml::node* value = node(key);
  if (!value) return fallback;
  if (!value->is_integer()) wrong_type(key, *value, "a whole number");
  const std::int64_t v = *value->value<std::int64_t>();
  check_range(key, spot_of(*value, file_), static_cast<double>(v), low, high);
  return static_cast<int>(v);
}

bool TableReader::boolean(std::string_view key, bool fallback) const {
  const toml::node* value = node(key);
  if (!value) return fallback;
  if (!value->is_boolean()) wrong_type(key, *value, "true or false");
  return *value->value<bool>();
}

std::string TableReader::text(std::string_view key, std::string fallback) const {
  const toml::node* value = node(key);
  if (!value) return fallback;
  if (!value->is_string()) wrong_type(key, *value, "a string in quotes");
  return *value->value<std::string>();
}

std::string TableReader::choice(std::string_view key, std::string fallback,
                                const std::vector<std::string>& options) const {
  const toml::node* value = node(key);
  if (!value) return fallback;
  const std::string chosen = text(key, fallback);
  if (std::find(options.begin(), options.end(), chosen) == options.end()) {
    const std::string near = closest_name(chosen, options);
    throw InputError(fmt::format("{}: '{}' in {} cannot be \"{}\"; {}", spot_of(*value, file_).shifted(1).to_string(),
                                 key, title_, chosen,
                                 near.empty() ? fmt::format("use one of {}", fmt::join(options, ", "))
                                              : fmt::format("did you mean \"{}\"?", near)));
  }
  return chosen;
}

Colour TableReader::colour_at(const toml::node& value, std::string_view key) const {
  const auto text = value.value<std::string>();
  const auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (!value.is_string() || !(text->size() == 7 || text->size() == 4) || (*text)[0] != '#' ||
      std::any_of(text->begin() + 1, text->end(), [&](char c) { return hex(c) < 0; })) {
    throw InputError(fmt::format("{}: '{}' in {} must be a colour such as \"#ff8800\" or \"#f80\"",
                                 spot_of(value, file_).to_string(), key, title_));
  }
  const auto channel = [&](int k) {
    if (text->size() == 4) return (hex((*text)[static_cast<std::size_t>(k + 1)]) * 17) / 255.0;
    return (hex((*text)[static_cast<std::size_t>(2 * k + 1)]) * 16 +
            hex((*text)[static_cast<std::size_t>(2 * k + 2)])) /
           255.0;
  };
  return {channel(0), channel(1), channel(2)};
}

Colour TableReader::colour(std::string_view key, Colour fallback) const {
  const toml::node* value = node(key);
  return value ? colour_at(*value, key) : fallback;
}

const toml::array* TableReader::array(std::string_view key, std::size_t min_size, std::size_t max_size,
                                      std::string_view example) const {
  const toml::node* value = node(key);
  if (!value) return nullptr;
  const toml::array* items = value->as_array();
  if (!items) wrong_type(key, *value, fmt::format("an array such as {}", example));
  if (items->size() < min_size || items->size() > max_size) {
    throw InputError(fmt::format(
        "{}: '{}' in {} has {} entries; it needs {}, e.g. {}", spot_of(*value, file_).to_string(), key, title_,
        items->size(), min_size == max_size ? fmt::format("{}", min_size) : fmt::format("{} to {}", min_size, max_size),
        example));
  }
  return items;
}

std::array<Number, 3> TableReader::vector3(std::string_view key, std::array<Number, 3> fallback, Scope scope) const {
  const toml::array* items = array(key, 3, 3, "[0, 1, 0]");
  if (!items) return fallback;
  std::array<Number, 3> result;
  for (std::size_t k = 0; k < 3; ++k) result[k] = number_at(*items->get(k), key, scope, -1e6, 1e6);
  return result;
}

const toml::table& TableReader::table(std::string_view key) const {
  static const toml::table empty;
  const toml::node* value = node(key);
  if (!value) return empty;
  if (!value->is_table()) wrong_type(key, *value, fmt::format("a table, written [{}]", key));
  return *value->as_table();
}

}  // namespace stemviz
