// The values a scene file gives: colours and numbers, constant or evaluated every frame.
#pragma once

#include <stemviz/scene/expression.hpp>

#include <string>

namespace stemviz {

struct Colour {
  double r = 0, g = 0, b = 0;  // each 0..1, sRGB
};

// A number in a scene: a constant, or an expression evaluated every frame.
struct Number {
  double constant = 0.0;
  std::string expression;  // empty for a constant
  SourceSpot where;        // of the expression's first character
  Scope scope = Scope::frame;

  static Number of(double value) { return {value, {}, {}, Scope::frame}; }
};

}  // namespace stemviz
