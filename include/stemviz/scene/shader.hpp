// Shaders: small programs in the scene expression language that colour each face (or each
// vertex) of an object from its normal, the light and view directions, its base colour and
// its stem's features. A program is a list of `name = expression` lines; it must set `r`,
// `g` and `b` (0..1) and may set `a` (opacity, 0..1) and `edge_r`, `edge_g`, `edge_b`,
// `edge_a` (the outline; when edge_a is not set the scene's `edges` key decides).
#pragma once

#include <stemviz/scene/expression.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stemviz {

struct ShaderStatement {
  std::string target;      // the local or output it sets
  std::string expression;  // its value
  SourceSpot where;        // of the expression's first character
};

struct ShaderProgram {
  std::string name;         // what scenes call it
  std::string description;  // its first comment line
  std::string file;         // as messages name it
  std::string text;         // the program as written
  bool per_vertex = false;  // `@vertex`: shade each corner, blend across the face
  bool two_sided = false;   // `@two-sided`: also draw faces turned away from the camera
  std::vector<ShaderStatement> statements;
};

// The names a shader sets for the renderer to read.
inline constexpr const char* kShaderOutputs[] = {"r", "g", "b", "a", "edge_r", "edge_g", "edge_b", "edge_a"};

// The largest shader: its text, and its statements (each runs for every face or vertex of
// every frame). Checking and compiling take time linear in the text.
inline constexpr std::size_t kMaxShaderBytes = 64 * 1024;
inline constexpr std::size_t kMaxShaderStatements = 1000;

// Parses and checks a shader; throws InputError naming `file:line:col` and what to do, or
// the file when it is over kMaxShaderBytes.
ShaderProgram parse_shader(std::string_view text, const std::string& name, const std::string& file);

// Adds the program's locals and outputs to `variables` (at Scope::shader, visible only to
// the program's own later lines).
void add_shader_names(const ShaderProgram& program, VariableSet& variables);

// A shader compiled for one evaluator's values. Not shared between threads.
class ShaderRun {
 public:
  ShaderRun(const ShaderProgram& program, const VariableSet& variables, double* values);

  struct Result {
    double r = 0, g = 0, b = 0, a = 1;          // fill, each 0..1
    double edge_r = 0, edge_g = 0, edge_b = 0;  // outline colour, when edge_set
    double edge_a = 1;
    bool edge_set = false;  // the program set edge_a
  };
  // Runs the program on the inputs now in the values array.
  Result run() const;

 private:
  struct Step {
    int slot;
    Expression expression;
  };
  std::vector<Step> steps_;
  double* values_;
  int r_, g_, b_, a_, edge_r_, edge_g_, edge_b_, edge_a_;  // output slots
};

}  // namespace stemviz
