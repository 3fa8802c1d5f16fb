// The expression language of scene files and shaders: arithmetic (muParser) over named
// variables such as `t`, `rms` or `band3`. Expressions only compute numbers; they cannot
// assign, call out or read anything but the variables they are given.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mu {
class Parser;
}

namespace stemviz {

// Where a piece of scene or shader text starts, so messages can say `file:line:col`.
struct SourceSpot {
  std::string file;  // as the user named it, or "scenes/NAME.toml" for a bundled one
  int line = 1;      // 1-based
  int column = 1;    // 1-based

  // The spot `columns` characters further along the same line.
  SourceSpot shifted(int columns) const { return {file, line, column + columns}; }
  std::string to_string() const;  // "file:line:col"
};

// The candidate closest to a misspelt `name` (edit distance at most a third of its length,
// and at least 1), or an empty string when none is close.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);

// How widely a variable is known, from the narrowest context to the widest.
enum class Scope {
  frame,   // the same for the whole frame: t, frame, fps, n, duration
  stem,    // one value per stem: i and the stem's features
  shader,  // one value per face or vertex: normals, light, base colour
};

// The variables expressions may read, each with a slot in an array of doubles that an
// evaluator owns. Slots never move, so compiled expressions keep pointing at them.
class VariableSet {
 public:
  // Adds `name` (or returns its slot when known) visible from `scope` inward.
  int add(const std::string& name, Scope scope);
  std::optional<int> find(std::string_view name) const;
  int size() const { return static_cast<int>(names_.size()); }
  const std::string& name(int slot) const { return names_[static_cast<std::size_t>(slot)]; }
  Scope scope(int slot) const { return scopes_[static_cast<std::size_t>(slot)]; }

 private:
  std::vector<std::string> names_;
  std::vector<Scope> scopes_;
  std::unordered_map<std::string, int> slots_;  // by name: a shader of many lines finds each in O(1)
};

// The variables every scene knows: frame-wide ones, the stem features (band0..band15) and
// the shader inputs. Shaders add their own local names on top.
VariableSet scene_variables();

// True for the names the expression language itself defines: functions (sin, clamp, ...)
// and constants (pi, ...). No variable may take one.
bool is_language_name(const std::string& name);

// A mistake in an expression: what is wrong, and where in the expression text (0-based).
struct ExpressionError {
  std::string message;
  int offset = 0;
};

// One compiled expression bound to an evaluator's values. Compiling checks everything a
// scene file can get wrong (syntax, unknown names, names outside the scope, assignment), so
// evaluation never fails: a result that is not a finite number reads as 0.
class Expression {
 public:
  // Compiles `text` for `scope`: it may read the variables of that scope and the wider ones
  // (a shader's locals are added to `variables` as its lines set them). `values` holds one
  // double per variable of `variables` and must outlive the expression. Throws
  // ExpressionError. Linear in the text's length, whatever the number of variables.
  Expression(const std::string& text, const VariableSet& variables, double* values, Scope scope);
  ~Expression();
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;

  double evaluate() const;
  // True when the expression reads no variable, so one evaluation serves every frame.
  bool is_constant() const { return constant_; }

 private:
  std::unique_ptr<mu::Parser> parser_;
  bool constant_ = false;
};

// Compiles `text`, which starts at `where` in a scene or shader file, as Expression's
// constructor does; a mistake is thrown as InputError naming `file:line:col` inside it.
Expression compile_expression(const std::string& text, const SourceSpot& where, const VariableSet& variables,
                              double* values, Scope scope);

}  // namespace stemviz
