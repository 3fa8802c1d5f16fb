#include <stemviz/scene/expression.hpp>

#include <stemviz/analysis/features.hpp>
#include <stemviz/util/error.hpp>

#include <fmt/format.h>
#include <muParser.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>

namespace stemviz {

namespace {

double clamp3(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }
double mix3(double a, double b, double t) { return a + (b - a) * t; }
double step2(double edge, double x) { return x < edge ? 0.0 : 1.0; }
double smoothstep3(double edge0, double edge1, double x) {
  if (edge0 == edge1) return x < edge0 ? 0.0 : 1.0;
  const double u = clamp3((x - edge0) / (edge1 - edge0), 0.0, 1.0);
  return u * u * (3.0 - 2.0 * u);
}
double fract1(double x) { return x - std::floor(x); }
double mod2(double a, double b) { return b == 0.0 ? 0.0 : a - b * std::floor(a / b); }
double rad1(double degrees) { return degrees * std::numbers::pi / 180.0; }
double deg1(double radians) { return radians * 180.0 / std::numbers::pi; }

// The functions scene authors expect from shading languages, beside muParser's own (sin,
// cos, tan, exp, ln, log10, sqrt, abs, sign, rint, min, max, sum, avg, ...).
void define_functions(mu::Parser& parser) {
  parser.DefineFun("clamp", clamp3);
  parser.DefineFun("mix", mix3);
  parser.DefineFun("step", step2);
  parser.DefineFun("smoothstep", smoothstep3);
  parser.DefineFun("fract", fract1);
  parser.DefineFun("mod", mod2);
  parser.DefineFun("rad", rad1);
  parser.DefineFun("deg", deg1);
  parser.DefineConst("pi", std::numbers::pi);
}

std::string scope_names(const VariableSet& variables, Scope scope) {
  std::vector<std::string> names;
  for (int slot = 0; slot < variables.size(); ++slot) {
    if (variables.scope(slot) <= scope && variables.name(slot).rfind("band", 0) != 0) {
      names.push_back(variables.name(slot));
    }
  }
  if (scope >= Scope::stem) names.push_back(fmt::format("band0..band{}", kMaxBands - 1));
  return fmt::format("{}", fmt::join(names, ", "));
}

const char* scope_description(Scope scope) {
  switch (scope) {
    case Scope::frame: return "in camera, layout, light and background values";
    case Scope::stem: return "in object values";
    case Scope::shader: return "in shaders";
  }
  return "";
}

// An '=' that is not part of ==, <=, >= or !=: an assignment, which would let a scene
// change the values the renderer feeds it.
std::optional<int> assignment_at(const std::string& text) {
  for (std::size_t k = 0; k < text.size(); ++k) {
    if (text[k] != '=') continue;
    const char before = k > 0 ? text[k - 1] : ' ';
    const char after = k + 1 < text.size() ? text[k + 1] : ' ';
    if (after == '=') {
      ++k;
      continue;
    }
    if (before == '<' || before == '>' || before == '!') continue;
    return static_cast<int>(k > 0 && std::string_view("+-*/").find(before) != std::string_view::npos ? k - 1 : k);
  }
  return std::nullopt;
}

// `text` as a message quotes it: whole when short, else the 60 characters around
// `position` with "..." where it was cut, so a megabyte of expression is not echoed back.
std::string excerpt(const std::string& text, int position) {
  constexpr std::size_t kWhole = 80, kHalf = 30;
  if (text.size() <= kWhole) return text;
  const std::size_t at = std::min(static_cast<std::size_t>(std::max(position, 0)), text.size());
  const std::size_t first = at > kHalf ? at - kHalf : 0;
  const std::size_t last = std::min(text.size(), first + 2 * kHalf);
  return (first > 0 ? "..." : "") + text.substr(first, last - first) + (last < text.size() ? "..." : "");
}

// muParser's message without its trailing " at position N." (stemviz gives line:col).
std::string plain_message(const std::string& message) {
  std::string text = message;
  for (const char* tail : {" found at position", " at position"}) {
    const auto at = text.find(tail);
    if (at != std::string::npos) text.erase(at);
  }
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

std::string SourceSpot::to_string() const { return fmt::format("{}:{}:{}", file, line, column); }

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(1, name.size() / 3) + 1;
  const auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  for (const std::string& candidate : candidates) {
    // Edit distance where swapping two neighbours counts as one edit ("rign" -> "ring").
    const std::size_t rows = name.size() + 1, columns = candidate.size() + 1;
    std::vector<std::size_t> d(rows * columns);
    const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * columns + j]; };
    for (std::size_t i = 0; i < rows; ++i) at(i, 0) = i;
    for (std::size_t j = 0; j < columns; ++j) at(0, j) = j;
    for (std::size_t i = 1; i < rows; ++i) {
      for (std::size_t j = 1; j < columns; ++j) {
        at(i, j) = std::min(
            {at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (same(name[i - 1], candidate[j - 1]) ? 0 : 1)});
        if (i > 1 && j > 1 && same(name[i - 1], candidate[j - 2]) && same(name[i - 2], candidate[j - 1])) {
          at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
        }
      }
    }
    const std::size_t distance = at(rows - 1, columns - 1);
    // Replacing every character is no suggestion at all ("k" for "t").
    if (distance < best_distance && distance < name.size()) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

int VariableSet::add(const std::string& name, Scope scope) {
  if (const auto slot = find(name)) return *slot;
  names_.push_back(name);
  scopes_.push_back(scope);
  slots_.emplace(name, size() - 1);
  return size() - 1;
}

std::optional<int> VariableSet::find(std::string_view name) const {
  const auto at = slots_.find(std::string(name));
  if (at == slots_.end()) return std::nullopt;
  return at->second;
}

VariableSet scene_variables() {
  VariableSet variables;
  for (const char* name : {"t", "frame", "fps", "n", "duration", "aspect"}) variables.add(name, Scope::frame);
  for (const char* name : {"i", "level", "rms", "peak", "db", "onset", "hit", "onsets", "flux", "centroid"}) {
    variables.add(name, Scope::stem);
  }
  for (int band = 0; band < kMaxBands; ++band) variables.add(fmt::format("band{}", band), Scope::stem);
  for (const char* name : {"nx",      "ny",     "nz",     "lx",      "ly",        "lz",        "vx",        "vy",
                           "vz",      "ndotl",  "ndotv",  "diffuse", "diffuse_r", "diffuse_g", "diffuse_b", "highlight",
                           "ambient", "base_r", "base_g", "base_b",  "mirror",    "h"}) {
    variables.add(name, Scope::shader);
  }
  return variables;
}

bool is_language_name(const std::string& name) {
  static const auto language = [] {
    auto parser = std::make_unique<mu::Parser>();
    define_functions(*parser);
    return parser;
  }();
  return language->GetConst().count(name) > 0 || language->GetFunDef().count(name) > 0;
}

Expression::Expression(const std::string& text, const VariableSet& variables, double* values, Scope scope)
    : parser_(std::make_unique<mu::Parser>()) {
  if (const auto at = assignment_at(text)) {
    throw ExpressionError{"expressions compute a value and cannot assign; compare with '=='", *at};
  }
  if (std::all_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
    throw ExpressionError{"empty expression; write a number or a formula such as \"0.5 + rms\"", 0};
  }
  const auto visible = [&](int slot) { return variables.scope(slot) <= scope; };
  try {
    define_functions(*parser_);
    // Only the names the text holds are defined: defining every visible one made a shader's
    // compile quadratic in its lines (each line sees all earlier ones), 8000 lines 40 s.
    for (std::size_t at = 0; at < text.size();) {
      const auto word = [&](std::size_t i) {
        return i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_');
      };
      if (!word(at)) {
        ++at;
        continue;
      }
      std::size_t end = at;
      while (word(end)) ++end;
      // A run that starts with a digit is a number (1e5), not a name.
      if (!std::isdigit(static_cast<unsigned char>(text[at]))) {
        if (const auto slot = variables.find(std::string_view(text).substr(at, end - at)); slot && visible(*slot))
          parser_->DefineVar(variables.name(*slot), &values[*slot]);
      }
      at = end;
    }
    parser_->SetExpr(text);
    parser_->Eval();  // muParser finds most syntax errors only when it first evaluates
    if (parser_->GetNumResults() != 1) {
      const auto comma = text.find(',');
      throw ExpressionError{
          "one expression gives one value; a ',' outside a function's "
          "arguments starts a second one",
          static_cast<int>(comma == std::string::npos ? 0 : comma)};
    }
    constant_ = parser_->GetUsedVar().empty();
  } catch (const mu::Parser::exception_type& error) {
    const std::string token = error.GetToken();
    const int position = static_cast<int>(std::min<std::size_t>(error.GetPos(), text.size()));
    const bool is_name = !token.empty() && (std::isalpha(static_cast<unsigned char>(token[0])) || token[0] == '_');
    if (error.GetCode() == mu::ecUNASSIGNABLE_TOKEN && is_name) {
      const auto after = text.find_first_not_of(" \t", static_cast<std::size_t>(position) + token.size());
      if (after != std::string::npos && text[after] == '(') {
        throw ExpressionError{fmt::format("unknown function '{}'", token), position};
      }
      if (const auto slot = variables.find(token); slot && variables.scope(*slot) > scope) {
        throw ExpressionError{fmt::format("'{}' is not known {}; there use {}", token, scope_description(scope),
                                          scope_names(variables, scope)),
                              position};
      }
      std::vector<std::string> known;
      for (int slot = 0; slot < variables.size(); ++slot)
        if (visible(slot)) known.push_back(variables.name(slot));
      const std::string near = closest_name(token, known);
      throw ExpressionError{near.empty() ? fmt::format("unknown variable '{}'; known {}: {}", token,
                                                       scope_description(scope), scope_names(variables, scope))
                                         : fmt::format("unknown variable '{}'; did you mean '{}'?", token, near),
                            position};
    }
    throw ExpressionError{fmt::format("{} in \"{}\"", plain_message(error.GetMsg()), excerpt(text, position)),
                          position};
  }
}

Expression::~Expression() = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;

double Expression::evaluate() const {
  try {
    const double value = parser_->Eval();
    return std::isfinite(value) ? value : 0.0;
  } catch (const mu::Parser::exception_type&) {
    return 0.0;  // compiling proved the expression sound; nothing to tell the user here
  }
}

Expression compile_expression(const std::string& text, const SourceSpot& where, const VariableSet& variables,
                              double* values, Scope scope) {
  try {
    return Expression(text, variables, values, scope);
  } catch (const ExpressionError& error) {
    throw InputError(fmt::format("{}: {}", where.shifted(error.offset).to_string(), error.message));
  }
}

}  // namespace stemviz
