#include <stemviz/scene/shader.hpp>

#include <stemviz/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

namespace stemviz {

namespace {

// muParser refuses longer variable names (its MaxLenIdentifier is 100).
constexpr std::size_t kLongestShaderName = 64;

bool is_name(std::string_view text) {
  if (text.empty() || !(std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool is_output(std::string_view name) {
  return std::find(std::begin(kShaderOutputs), std::end(kShaderOutputs), name) != std::end(kShaderOutputs);
}

}  // namespace

ShaderProgram parse_shader(std::string_view text, const std::string& name, const std::string& file) {
  if (text.size() > kMaxShaderBytes) {
    throw InputError(fmt::format("{}: {} bytes; a shader has at most {} KiB (and {} statements)", file, text.size(),
                                 kMaxShaderBytes >> 10, kMaxShaderStatements));
  }
  ShaderProgram program;
  program.name = name;
  program.file = file;
  program.text = std::string(text);
  VariableSet variables = scene_variables();
  const int inputs = variables.size();
  std::vector<double> scratch;
  int line_number = 0;
  int last_line = 1;  // the last line with a statement, where a missing output is reported
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const SourceSpot line_start{file, line_number, 1};
    const std::size_t hash = line.find('#');
    if (hash != std::string_view::npos) {
      const std::string_view comment = trim(line.substr(hash + 1));
      if (program.description.empty() && program.statements.empty() && !comment.empty()) {
        program.description = std::string(comment);
      }
      line = line.substr(0, hash);
    }
    const std::string_view content = trim(line);
    if (content.empty()) continue;
    const int content_column = static_cast<int>(content.data() - line.data());
    if (content.front() == '@') {
      if (content == "@vertex") {
        program.per_vertex = true;
      } else if (content == "@two-sided") {
        program.two_sided = true;
      } else {
        const std::string near = closest_name(content, {"@vertex", "@two-sided"});
        throw InputError(fmt::format("{}: unknown directive '{}'; {}", line_start.shifted(content_column).to_string(),
                                     content,
                                     near.empty() ? "use @vertex or @two-sided" : "did you mean '" + near + "'?"));
      }
      continue;
    }
    const std::size_t equals = content.find('=');
    const std::string_view target = trim(content.substr(0, std::min(equals, content.size())));
    if (equals == std::string_view::npos || !is_name(target) ||
        (equals + 1 < content.size() && content[equals + 1] == '=')) {
      throw InputError(fmt::format("{}: expected 'name = expression', e.g. 'r = base_r * diffuse'",
                                   line_start.shifted(content_column).to_string()));
    }
    if (target.size() > kLongestShaderName) {
      throw InputError(fmt::format("{}: a name of {} characters; shader names have at most {}",
                                   line_start.shifted(content_column).to_string(), target.size(), kLongestShaderName));
    }
    if (is_language_name(std::string(target))) {
      throw InputError(
          fmt::format("{}: '{}' is a function or constant of the expression language; give "
                      "the value another name",
                      line_start.shifted(content_column).to_string(), target));
    }
    if (const auto slot = variables.find(target); slot && *slot < inputs) {
      throw InputError(
          fmt::format("{}: '{}' is an input of every shader and cannot be set; give "
                      "the value another name",
                      line_start.shifted(content_column).to_string(), target));
    }
    std::string_view expression = content.substr(equals + 1);
    const std::size_t lead = expression.find_first_not_of(" \t");
    expression = lead == std::string_view::npos ? std::string_view{} : expression.substr(lead);
    const int expression_column = static_cast<int>(expression.empty() ? content.data() + content.size() - line.data()
                                                                      : expression.data() - line.data());
    if (program.statements.size() == kMaxShaderStatements) {
      throw InputError(fmt::format("{}: statement {}; a shader has at most {} (every face runs them all)",
                                   line_start.to_string(), kMaxShaderStatements + 1, kMaxShaderStatements));
    }
    ShaderStatement statement{std::string(target), std::string(expression), line_start.shifted(expression_column)};
    // Check the expression against what is known at this line: the inputs and the names
    // set on earlier lines.
    // Grown, never cleared: the check reads no value.
    if (scratch.size() < static_cast<std::size_t>(variables.size()))
      scratch.resize(static_cast<std::size_t>(variables.size()) * 2, 0.0);
    compile_expression(statement.expression, statement.where, variables, scratch.data(), Scope::shader);
    variables.add(statement.target, Scope::shader);
    program.statements.push_back(std::move(statement));
    last_line = line_number;
  }
  for (const char* output : {"r", "g", "b"}) {
    const bool set = std::any_of(program.statements.begin(), program.statements.end(),
                                 [&](const ShaderStatement& s) { return s.target == output; });
    if (!set) {
      throw InputError(
          fmt::format("{}:{}:1: the shader never sets '{}'; add a line such as "
                      "'{} = base_{}'",
                      file, last_line, output, output, output));
    }
  }
  return program;
}

void add_shader_names(const ShaderProgram& program, VariableSet& variables) {
  for (const char* output : kShaderOutputs) variables.add(output, Scope::shader);
  for (const ShaderStatement& statement : program.statements) {
    if (!is_output(statement.target)) variables.add(statement.target, Scope::shader);
  }
}

ShaderRun::ShaderRun(const ShaderProgram& program, const VariableSet& variables, double* values) : values_(values) {
  const auto slot_of = [&](const std::string& name) {
    const auto slot = variables.find(name);
    if (!slot) throw Failure(fmt::format("shader {}: '{}' was not added to the scene's variables", program.name, name));
    return *slot;
  };
  for (const ShaderStatement& statement : program.statements) {
    // Parsing checked every line, so compiling again cannot fail.
    steps_.push_back({slot_of(statement.target), Expression(statement.expression, variables, values, Scope::shader)});
  }
  r_ = slot_of("r");
  g_ = slot_of("g");
  b_ = slot_of("b");
  a_ = slot_of("a");
  edge_r_ = slot_of("edge_r");
  edge_g_ = slot_of("edge_g");
  edge_b_ = slot_of("edge_b");
  edge_a_ = slot_of("edge_a");
}

ShaderRun::Result ShaderRun::run() const {
  constexpr double unset = std::numeric_limits<double>::quiet_NaN();
  values_[a_] = 1.0;
  values_[edge_r_] = values_[edge_g_] = values_[edge_b_] = values_[edge_a_] = unset;
  for (const Step& step : steps_) values_[step.slot] = step.expression.evaluate();
  const auto unit = [](double v) { return std::isfinite(v) ? std::clamp(v, 0.0, 1.0) : 0.0; };
  Result result;
  result.r = unit(values_[r_]);
  result.g = unit(values_[g_]);
  result.b = unit(values_[b_]);
  result.a = unit(values_[a_]);
  result.edge_set = !std::isnan(values_[edge_a_]);
  // An outline without its own colour is a lighter shade of the fill.
  const auto edge = [&](double value, double fill) {
    return std::isnan(value) ? std::min(1.0, fill * 1.25 + 0.06) : unit(value);
  };
  result.edge_r = edge(values_[edge_r_], result.r);
  result.edge_g = edge(values_[edge_g_], result.g);
  result.edge_b = edge(values_[edge_b_], result.b);
  result.edge_a = result.edge_set ? unit(values_[edge_a_]) : 1.0;
  return result;
}

}  // namespace stemviz
