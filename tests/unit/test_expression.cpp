#include <stemviz/scene/expression.hpp>
#include <stemviz/scene/shader.hpp>
#include <stemviz/util/error.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace stemviz;

namespace {

// The message of the ExpressionError that compiling `text` for `scope` throws.
ExpressionError error_of(const std::string& text, Scope scope = Scope::stem) {
  const VariableSet variables = scene_variables();
  std::vector<double> values(static_cast<std::size_t>(variables.size()), 0.0);
  try {
    Expression(text, variables, values.data(), scope);
  } catch (const ExpressionError& error) {
    return error;
  }
  FAIL("no error for: " << text);
  return {};
}

std::string input_error_of(const std::string& shader) {
  try {
    parse_shader(shader, "test", "test.shader");
  } catch (const InputError& error) {
    return error.what();
  }
  FAIL("no error for: " << shader);
  return {};
}

}  // namespace

TEST_SUITE("expression") {
  TEST_CASE("expressions read the variables of their scope and compute with the added functions") {
    const VariableSet variables = scene_variables();
    std::vector<double> values(static_cast<std::size_t>(variables.size()), 0.0);
    values[static_cast<std::size_t>(*variables.find("t"))] = 2.0;
    values[static_cast<std::size_t>(*variables.find("rms"))] = 0.5;
    values[static_cast<std::size_t>(*variables.find("band3"))] = 0.25;
    const auto eval = [&](const std::string& text) {
      return Expression(text, variables, values.data(), Scope::stem).evaluate();
    };
    CHECK(eval("0.3 + 4 * rms") == doctest::Approx(2.3));
    CHECK(eval("t * 12 + 90 * band3") == doctest::Approx(46.5));
    CHECK(eval("clamp(t, 0, 1)") == doctest::Approx(1.0));
    CHECK(eval("mix(10, 20, rms)") == doctest::Approx(15.0));
    CHECK(eval("smoothstep(0, 1, rms)") == doctest::Approx(0.5));
    CHECK(eval("step(0.6, rms)") == doctest::Approx(0.0));
    CHECK(eval("fract(2.75)") == doctest::Approx(0.75));
    CHECK(eval("mod(-1, 4)") == doctest::Approx(3.0));
    CHECK(eval("deg(pi)") == doctest::Approx(180.0));
    CHECK(eval("rms > 0.4 ? 1 : 2") == doctest::Approx(1.0));
    CHECK(eval("rms == 0.5") == doctest::Approx(1.0));
    // Not a number reads as 0, so a division by zero cannot poison a frame.
    CHECK(eval("1 / (rms - 0.5)") == 0.0);
    CHECK(eval("sqrt(-1)") == 0.0);
    CHECK(Expression("2 * 3", variables, values.data(), Scope::frame).is_constant());
    CHECK_FALSE(Expression("2 * t", variables, values.data(), Scope::frame).is_constant());
  }

  TEST_CASE("mistakes are reported with what to do and where in the expression") {
    const ExpressionError unknown = error_of("0.3 + 4 * rmz");
    CHECK(unknown.message == "unknown variable 'rmz'; did you mean 'rms'?");
    CHECK(unknown.offset == 10);
    const ExpressionError scope = error_of("18 + rms", Scope::frame);
    CHECK(scope.message.find("'rms' is not known in camera, layout") == 0);
    CHECK(scope.offset == 5);
    const ExpressionError assign = error_of("t = 4");
    CHECK(assign.message.find("cannot assign") != std::string::npos);
    CHECK(assign.offset == 2);
    CHECK(error_of("rms += 1").offset == 4);
    CHECK(error_of("sin(t").message.find("parenthesis") != std::string::npos);
    CHECK(error_of("3 +* 2").offset == 3);
    CHECK(error_of("wobble(t)").message == "unknown function 'wobble'");
    CHECK(error_of("1, 2").message.find("one value") != std::string::npos);
    CHECK(error_of("  ").message.find("empty") == 0);
  }

  TEST_CASE("a mistake in a long expression quotes only the text around it") {
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "(1";
    const ExpressionError error = error_of(text);
    CAPTURE(error.message);
    CHECK(error.message.size() < 200);
    CHECK(error.message.find("...") != std::string::npos);
    // A short one is quoted whole.
    CHECK(error_of("sin(t").message.find("in \"sin(t\"") != std::string::npos);
  }

  TEST_CASE("expressions compute numbers only: no text, no assignment, no second statement") {
    // Scenes come from anywhere; an expression must never name a file, set a variable
    // that other expressions read, or do anything but give one number.
    CHECK_FALSE(error_of("\"/etc/passwd\"").message.empty());
    CHECK_FALSE(error_of("strfun1(\"x\")").message.empty());
    CHECK_FALSE(error_of("level = 1").message.empty());
    CHECK_FALSE(error_of("t *= 2").message.empty());
    CHECK_FALSE(error_of("t, level").message.empty());
  }

  TEST_CASE("closest_name suggests near misses only") {
    CHECK(closest_name("hieght", {"height", "size", "shape"}) == "height");
    CHECK(closest_name("colour", {"color", "shape"}) == "color");
    CHECK(closest_name("banana", {"height", "size"}).empty());
  }

  TEST_CASE("shaders run line by line and report mistakes at file:line:col") {
    const ShaderProgram program = parse_shader(
        "# halves the light\n@vertex\nk = diffuse * 0.5\nr = base_r * k\ng = base_g\nb = 1\n", "half", "half.shader");
    CHECK(program.description == "halves the light");
    CHECK(program.per_vertex);
    CHECK_FALSE(program.two_sided);
    REQUIRE(program.statements.size() == 4);
    VariableSet variables = scene_variables();
    add_shader_names(program, variables);
    std::vector<double> values(static_cast<std::size_t>(variables.size()), 0.0);
    values[static_cast<std::size_t>(*variables.find("diffuse"))] = 0.8;
    values[static_cast<std::size_t>(*variables.find("base_r"))] = 0.5;
    values[static_cast<std::size_t>(*variables.find("base_g"))] = 2.0;
    const ShaderRun run(program, variables, values.data());
    const ShaderRun::Result result = run.run();
    CHECK(result.r == doctest::Approx(0.2));
    CHECK(result.g == doctest::Approx(1.0));  // clamped to 0..1
    CHECK(result.b == doctest::Approx(1.0));
    CHECK(result.a == doctest::Approx(1.0));
    CHECK_FALSE(result.edge_set);

    // Names the language owns cannot be locals: they would clash when the shader runs.
    CHECK(input_error_of("pi = 0\nr = 1\ng = 1\nb = 1\n") ==
          "test.shader:1:1: 'pi' is a function or constant of the expression language; give the value another name");
    CHECK(input_error_of("clamp = 0\nr = 1\ng = 1\nb = 1\n").find("test.shader:1:1: 'clamp'") == 0);
    CHECK(input_error_of(std::string(65, 'x') + " = 0\nr = 1\ng = 1\nb = 1\n").find("at most 64") != std::string::npos);
    CHECK(input_error_of("r = 1\ng = 1\n") ==
          "test.shader:2:1: the shader never sets 'b'; add a line such as 'b = base_b'");
    CHECK(input_error_of("r = 1\ng = k\nb = 1\n") ==
          "test.shader:2:5: unknown variable 'k'; known in shaders: t, frame, fps, n, duration, aspect, i, level, rms, "
          "peak, db, onset, hit, onsets, flux, centroid, nx, ny, nz, lx, ly, lz, vx, vy, vz, ndotl, ndotv, diffuse, "
          "diffuse_r, diffuse_g, diffuse_b, highlight, ambient, base_r, base_g, base_b, mirror, h, r, band0..band15");
    CHECK(input_error_of("r = 1\n  g = (1 +\nb = 1\n").find("test.shader:2:11: unexpected end of expression") == 0);
    CHECK(input_error_of("nx = 1\n").find("test.shader:1:1: 'nx' is an input") == 0);
    CHECK(input_error_of("@vertx\n").find("test.shader:1:1: unknown directive '@vertx'; did you mean '@vertex'?") == 0);
    CHECK(input_error_of("r == 1\n").find("test.shader:1:1: expected 'name = expression'") == 0);
  }

  TEST_CASE("a shader has at most 1000 statements and 64 KiB, and a long one checks in linear time") {
    // 1000 statements, each reading the one before: accepted, and the last one sees them all.
    std::string text = "v0 = base_r\n";
    for (int k = 1; k < 997; ++k) text += "v" + std::to_string(k) + " = v" + std::to_string(k - 1) + " + 0.0001\n";
    text += "r = v996\ng = base_g\nb = base_b\n";
    const ShaderProgram program = parse_shader(text, "long", "long.shader");
    REQUIRE(program.statements.size() == 1000);
    VariableSet variables = scene_variables();
    add_shader_names(program, variables);
    std::vector<double> values(static_cast<std::size_t>(variables.size()), 0.0);
    values[static_cast<std::size_t>(*variables.find("base_r"))] = 0.1;
    CHECK(ShaderRun(program, variables, values.data()).run().r == doctest::Approx(0.1 + 0.0996));
    // One more statement, or more text, is refused with the limit.
    CHECK(input_error_of(text + "a = 1\n") ==
          "test.shader:1001:1: statement 1001; a shader has at most 1000 (every face runs them all)");
    CHECK(input_error_of(std::string(64 * 1024, '#') + "\n")
              .find("test.shader: 65537 bytes; a shader has at most 64 "
                    "KiB") == 0);
  }
}
