// Scenes, shaders and previews through the real binary: golden pictures of every bundled
// scene, the preview against the decoded video, contact sheets, --watch, and one test per
// kind of mistake in a scene or shader file.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <doctest/doctest.h>

#include <cairo.h>
#include <libyuv.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

const fs::path kGolden = fs::path(STEMVIZ_SOURCE_DIR) / "tests" / "golden";

void write_png(const Image& image, const fs::path& path) {
  cairo_surface_t* surface = cairo_image_surface_create_for_data(
      const_cast<std::uint8_t*>(image.argb.data()), CAIRO_FORMAT_ARGB32, image.width, image.height, image.stride);
  cairo_surface_write_to_png(surface, path.c_str());
  cairo_surface_destroy(surface);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  // Written beside and renamed, as editors do, so a watcher never reads half a file.
  const fs::path temp = path.string() + ".tmp";
  std::ofstream(temp) << text;
  fs::rename(temp, path);
}

RunResult preview(const std::vector<std::string>& extra) {
  std::vector<std::string> arguments = {"preview", kKit.string()};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return run(kStemviz, arguments);
}

// Waits up to `seconds` for `ready` to hold.
template <typename Condition>
bool wait_for(Condition ready, double seconds = 20.0) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

// Compares the picture `out` with tests/golden/NAME.png within a tolerance (a Cairo or font
// update that moves antialiasing by a level passes, a changed look does not), writing a
// difference picture into `out_dir` when they differ; with `update`, replaces the reference.
void check_golden(const fs::path& out, const std::string& name, bool update, const fs::path& out_dir) {
  const fs::path reference = kGolden / (name + ".png");
  if (update) fs::copy_file(out, reference, fs::copy_options::overwrite_existing);
  const Image want = read_png(reference);
  const Image got = read_png(out);
  REQUIRE(got.width == want.width);
  REQUIRE(got.height == want.height);
  Image diff = got;
  double total = 0.0;
  int differing = 0;
  for (int y = 0; y < got.height; ++y) {
    for (int x = 0; x < got.width; ++x) {
      int most = 0;
      for (int c = 0; c < 4; ++c) {
        const int d = std::abs(got.channel(x, y, c) - want.channel(x, y, c));
        total += d;
        most = std::max(most, d);
      }
      const std::size_t at =
          static_cast<std::size_t>(y) * static_cast<std::size_t>(diff.stride) + static_cast<std::size_t>(x) * 4;
      const auto shown = static_cast<std::uint8_t>(std::min(255, most * 4));
      diff.argb[at] = diff.argb[at + 1] = diff.argb[at + 2] = shown;
      diff.argb[at + 3] = 255;
      if (most > 24) ++differing;
    }
  }
  const double mean = total / (4.0 * got.width * got.height);
  const bool close = mean < 1.0 && differing < got.width * got.height / 200;
  if (!close) {
    write_png(diff, out_dir / (name + "-diff.png"));
    MESSAGE("look at " << out.string() << " and " << (out_dir / (name + "-diff.png")).string());
  } else {
    fs::remove(out);
  }
  CHECK(mean < 1.0);
  CHECK(differing < got.width * got.height / 200);
}

}  // namespace

TEST_CASE("every bundled scene matches its golden picture") {
  // Regenerate the references with STEMVIZ_UPDATE_GOLDEN=1 after an intended change of look.
  const bool update = std::getenv("STEMVIZ_UPDATE_GOLDEN") != nullptr;
  const fs::path out_dir = fresh_dir("golden");
  const RunResult listing = run(kStemviz, {"scenes"});
  REQUIRE(listing.exit_code == 0);
  // The lyrics scene shows lines from --lyrics.
  const fs::path lyrics = out_dir / "song.lrc";
  std::ofstream(lyrics) << "[00:01.00]Seven drums in the morning\n[00:02.20]Every one a voice\n[00:03.00]Listen\n";
  for (const std::string name :
       {"classic", "heptagon", "spin", "grid", "overlay", "meters", "audiogram", "album", "lyrics", "headline"}) {
    CAPTURE(name);
    CHECK(listing.output.find("  " + name + " ") != std::string::npos);
    const fs::path out = out_dir / (name + "-out.png");
    std::vector<std::string> arguments = {"--scene", name,         "--at", "2.5",       "--size",
                                          "384x216", "--no-cache", "-o",   out.string()};
    if (name == "lyrics") arguments.insert(arguments.end(), {"--lyrics", lyrics.string()});
    const RunResult result = preview(arguments);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    check_golden(out, name, update, out_dir);
  }
}

// Every style of the layers that have styles, in one picture over a video layer: waveforms
// (line, filled, mirrored, radial) in the top row, spectra (bars, line, radial, mirrored) under them, and
// along the bottom outlined text, meters to the right, a one-frame trace of one stem and 128
// bands of another (which video frame shows when is checked by its pixels in test_layers.cpp).
TEST_CASE("every layer style matches its golden picture") {
  const bool update = std::getenv("STEMVIZ_UPDATE_GOLDEN") != nullptr;
  const fs::path dir = fresh_dir("golden-styles");
  // Under them all, a video (the spin scene's first 3 s, made here) filling the picture,
  // dimmed.
  REQUIRE(run(kStemviz, {"render", kKit.string(), "--scene", "spin", "--size", "320x180", "--to", "3", "--codec",
                         "ffv1", "-o", (dir / "clip.mkv").string(), "-q"})
              .exit_code == 0);
  std::string scene =
      "title = \"Styles\"\n[video]\nbackground = \"#101018\"\n[[layers]]\nkind = \"video\"\nfile = \"clip.mkv\"\n"
      "width = 1\nheight = 1\nopacity = 0.35\n";
  const auto box = [&](const std::string& kind, const std::string& keys, double x, double y) {
    scene += "[[layers]]\nkind = \"" + kind + "\"\nwidth = 0.22\nheight = 0.28\nposition = [" + std::to_string(x) +
             ", " + std::to_string(y) + "]\n" + keys;
  };
  const char* waves[] = {"line", "filled", "mirrored", "radial"};
  const char* spectra[] = {"bars", "line", "radial", "mirrored"};
  for (int k = 0; k < 4; ++k) {
    box("waveform", std::string("style = \"") + waves[k] + "\"\nseconds = 1\ncolour = \"#7fd3ff\"\n", 0.13 + 0.25 * k,
        0.17);
    box("spectrum",
        std::string("style = \"") + spectra[k] +
            "\"\nbands = 24\npeak_hold = 0.5\ncolour = [\"#ffd27f\", \"#8f7bff\"]\n",
        0.13 + 0.25 * k, 0.5);
  }
  box("text", "text = \"{title} {time}\"\nsize = 40\noutline_width = 3\noutline_colour = \"#ff4080\"\n", 0.13, 0.83);
  box("meters", "direction = \"right\"\nscale = \"db\"\nlabels = false\n", 0.38, 0.83);
  box("waveform", "stem = \"01-kick\"\nstyle = \"mirrored\"\nseconds = 0.05\ncolour = \"#ff8040\"\n", 0.63, 0.83);
  box("spectrum", "stem = 6\nstyle = \"bars\"\nbands = 128\ngap = 0\nmin_hz = 20\nmax_hz = 20000\n", 0.88, 0.83);
  std::ofstream(dir / "styles.toml") << scene;
  const fs::path out = dir / "styles-out.png";
  const RunResult result = preview({"--scene", (dir / "styles.toml").string(), "--at", "2.5", "--size", "640x360",
                                    "--no-cache", "-o", out.string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  check_golden(out, "styles", update, dir);
}

TEST_CASE("a preview has the pixels of the video's frame at that time") {
  // Lossless x264 keeps the luma the renderer converted, so preview and video must agree
  // exactly, with chunks a quarter of a second long so that several chunk starts lie
  // before the frame (the spin scene's onset-driven turns run over the whole song).
  const fs::path out_dir = fresh_dir("preview-vs-video");
  const fs::path video = out_dir / "spin.mp4";
  const RunResult render =
      run(kStemviz, {"render", kKit.string(), "-o", video.string(), "--scene", "spin", "--size", "320x180", "--to", "2",
                     "--crf", "0", "--preset", "ultrafast", "--chunk-seconds", "0.25"});
  INFO(render.output);
  REQUIRE(render.exit_code == 0);
  for (const auto& moment : {std::pair{"0.5", 30}, std::pair{"1.75", 105}}) {
    const auto [seconds, frame] = moment;
    CAPTURE(moment.first);  // CAPTURE cannot take a structured binding (clang)
    const fs::path png = out_dir / ("frame-" + std::string(seconds) + ".png");
    const RunResult result = preview({"--scene", "spin", "--size", "320x180", "--at", seconds, "-o", png.string()});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    const Image image = read_png(png);
    REQUIRE(image.width == 320);
    std::vector<std::uint8_t> y(320 * 180), u(160 * 90), v(160 * 90);
    libyuv::ARGBToI420(image.argb.data(), image.stride, y.data(), 320, u.data(), 160, v.data(), 160, 320, 180);
    const LumaImage decoded = decode_luma(video, frame);
    REQUIRE(decoded.width == 320);
    int worst = 0;
    for (std::size_t k = 0; k < y.size(); ++k) worst = std::max(worst, std::abs(int{y[k]} - int{decoded.pixels[k]}));
    CHECK(worst <= 1);
  }
}

TEST_CASE("a contact sheet tiles frames spread over the song") {
  const fs::path out_dir = fresh_dir("sheet");
  const fs::path sheet = out_dir / "sheet.png";
  const RunResult result = preview({"--sheet", "3x2", "--size", "384x216", "-o", sheet.string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const Image image = read_png(sheet);
  // Three tiles of 128x72 across, two down, 2-pixel gaps.
  CHECK(image.width == 384 + 2 * 2);
  CHECK(image.height == 72 * 2 + 2);
  // Each tile shows a picture, not an empty background: its pixels vary.
  for (int tile = 0; tile < 6; ++tile) {
    const int x0 = (tile % 3) * 130, y0 = (tile / 3) * 74;
    int lowest = 255, highest = 0;
    for (int y = y0; y < y0 + 72; ++y) {
      for (int x = x0; x < x0 + 128; ++x) {
        lowest = std::min<int>(lowest, image.channel(x, y, 1));
        highest = std::max<int>(highest, image.channel(x, y, 1));
      }
    }
    CHECK(highest - lowest > 60);
  }
  const fs::path refused = fresh_dir("sheet-refused");
  check_refused(kStemviz, {"preview", kKit.string(), "--sheet", "3by2", "-o", (refused / "s.png").string()}, 2,
                "--sheet 3by2: expected COLUMNSxROWS", refused);
  check_refused(kStemviz, {"preview", kKit.string(), "--at", "99", "-o", (refused / "s.png").string()}, 3,
                "--at 99: the song is only 4.000 s long", refused);
}

TEST_CASE("--watch draws again on every edit and reports a broken one without stopping") {
  const fs::path dir = fresh_dir("watch");
  const RunResult shown = run(kStemviz, {"scenes", "--show", "classic"});
  REQUIRE(shown.exit_code == 0);
  const std::string classic = shown.output;
  const fs::path scene = dir / "mine.toml";
  const auto with_background = [&](const std::string& colour) {
    std::string text = classic;
    const auto at = text.find("background = [");
    REQUIRE(at != std::string::npos);
    text.replace(at, text.find('\n', at) - at, "background = \"" + colour + "\"");
    const auto stops = text.find("background_stops");
    text.erase(stops, text.find('\n', stops) - stops + 1);
    return text;
  };
  write_file(scene, with_background("#ff0000"));
  const fs::path png = dir / "frame.png";
  const Started watching = start(kStemviz, {"preview", kKit.string(), "--scene", scene.string(), "--size", "160x90",
                                            "--at", "1", "--watch", "-o", png.string()});
  // Corner pixel in B, G, R, A order.
  const auto corner_is = [&](int r, int g, int b) {
    if (!fs::exists(png)) return false;
    const Image image = read_png(png);
    return image.width == 160 && image.channel(0, 0, 2) == r && image.channel(0, 0, 1) == g &&
           image.channel(0, 0, 0) == b;
  };
  CHECK(wait_for([&] { return corner_is(255, 0, 0); }));
  write_file(scene, with_background("#00ff00"));
  CHECK(wait_for([&] { return corner_is(0, 255, 0); }));
  // A mistake is reported and the watcher goes on; the last good picture stays.
  std::string broken = with_background("#0000ff");
  broken.replace(broken.find("mirror = true"), 13, "miror = true");
  write_file(scene, broken);
  CHECK(wait_for([&] {
    return read_file(watching.log).find("unknown key 'miror' in [object]; did you mean 'mirror'?") != std::string::npos;
  }));
  CHECK(kill(watching.pid, 0) == 0);
  CHECK(corner_is(0, 255, 0));
  write_file(scene, with_background("#0000ff"));
  CHECK(wait_for([&] { return corner_is(0, 0, 255); }));
  kill(watching.pid, SIGINT);
  const RunResult result = finish(watching);
  INFO(result.output);
  CHECK(result.exit_code == 130);
  CHECK(result.output.find(scene.string() + ":") != std::string::npos);
  const auto left = files_in(dir);
  CHECK(std::count_if(left.begin(), left.end(), [](const std::string& name) {
          return name != ".stemviz-cache" && name.find("stemviz-") != std::string::npos;
        }) == 0);
}

TEST_CASE("each kind of mistake in a scene names file:line:col and what to do, exit code 3") {
  const fs::path dir = fresh_dir("scene-errors");
  const fs::path out_dir = fresh_dir("scene-errors-out");
  const auto refused = [&](const std::string& text, const std::string& message) {
    CAPTURE(text);
    const fs::path scene = dir / "bad.toml";
    write_file(scene, text);
    check_refused(kStemviz, {"preview", kKit.string(), "--scene", scene.string(), "-o", (out_dir / "f.png").string()},
                  3, "stemviz: error: " + scene.string() + ":" + message, out_dir);
  };
  SUBCASE("not TOML") { refused("[object\nshape = 1\n", "1:8: "); }
  SUBCASE("unknown key") {
    refused("[object]\nhieght = 2\n", "2:1: unknown key 'hieght' in [object]; did you mean 'height'?");
  }
  SUBCASE("unknown table") {
    refused("[camra]\nfov = 30\n", "1:2: unknown key 'camra' in the scene; did you mean 'camera'?");
  }
  SUBCASE("wrong type") {
    refused("[object]\nmirror = \"yes\"\n", "2:10: 'mirror' in [object] must be true or false, not a string");
  }
  SUBCASE("out of range") {
    refused("[object]\nmirror_opacity = 1.5\n", "2:18: 'mirror_opacity' in [object] is 1.5; it must be from 0 to 1");
  }
  SUBCASE("bad choice") {
    refused("[layout]\nkind = \"rign\"\n", "2:9: 'kind' in [layout] cannot be \"rign\"; did you mean \"ring\"?");
  }
  SUBCASE("expression syntax, pointing into the expression") {
    refused("[object]\nheight = \"0.3 + * rms\"\n", "2:17: unexpected operator \"*\"");
  }
  SUBCASE("unknown variable") {
    refused("[object]\nheight = \"0.3 + 4 * rmz\"\n", "2:21: unknown variable 'rmz'; did you mean 'rms'?");
  }
  SUBCASE("a stem feature where only time is known") {
    refused("[layout]\nturn = \"t * rms\"\n",
            "2:13: 'rms' is not known in camera, layout, light and background values");
  }
  SUBCASE("a shader path that would leave the scene's folder") {
    // A scene names shaders, never files: nothing it says can read outside its folders.
    write_file(dir / "secret.shader", "# not for scenes\nr = 1\ng = 0\nb = 0\n");
    refused("[object]\nshader = \"../scene-errors/secret\"\n", "2:11: shader \"../scene-errors/secret\" is not a name");
    refused("[object]\nshader = \"/etc/passwd\"\n", "2:11: shader \"/etc/passwd\" is not a name");
  }
  SUBCASE("unknown shader") {
    refused("[object]\nshader = \"lambrt\"\n", "2:11: unknown shader \"lambrt\"; did you mean \"lambert\"?");
  }
  SUBCASE("a broken shader beside the scene") {
    write_file(dir / "mine.shader", "# mine\nr = base_r\ng = base_q\nb = 1\n");
    const fs::path scene = dir / "bad.toml";
    write_file(scene, "[object]\nshader = \"mine\"\n");
    check_refused(kStemviz, {"preview", kKit.string(), "--scene", scene.string(), "-o", (out_dir / "f.png").string()},
                  3, (dir / "mine.shader").string() + ":3:5: unknown variable 'base_q'; did you mean 'base_r'?",
                  out_dir);
  }
  SUBCASE("unknown scene name") {
    check_refused(kStemviz, {"preview", kKit.string(), "--scene", "clasic", "-o", (out_dir / "f.png").string()}, 3,
                  "--scene clasic: no such scene; did you mean classic?", out_dir);
  }
}

TEST_CASE("a key that changes nothing is warned about, and the preview is still drawn") {
  const fs::path dir = fresh_dir("scene-warning");
  const fs::path scene = dir / "row.toml";
  write_file(scene, "[layout]\nkind = \"row\"\nradius = 3\n\n[object]\nmirror = false\nmirror_opacity = 0.5\n");
  const RunResult result = preview({"--scene", scene.string(), "--size", "160x90", "-o", (dir / "f.png").string()});
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("warning: " + scene.string() + ":3:1: 'radius' has no effect with layout kind \"row\"") !=
        std::string::npos);
  CHECK(result.output.find("warning: " + scene.string() + ":7:1: 'mirror_opacity' has no effect with mirror = false") !=
        std::string::npos);
  CHECK(fs::exists(dir / "f.png"));
}

TEST_CASE("a scenes/NAME.toml in the working folder that replaces a bundled scene is named") {
  const fs::path dir = fresh_dir("scene-local-override");
  fs::create_directory(dir / "scenes");
  write_file(dir / "scenes" / "classic.toml", "[video]\nbackground = \"#000000\"\n");
  write_file(dir / "scenes" / "mine.toml", "[video]\nbackground = \"#000000\"\n");
  // Run from that folder, as a user would.
  const auto preview_in_dir = [&](const std::string& scene) {
    const std::string script = "cd \"$1\" && exec \"$2\" preview \"$3\" --scene \"$4\" --size 160x90 -y -o f.png";
    return run("/bin/sh", {"-c", script, "sh", dir.string(), kStemviz.string(), kKit.string(), scene});
  };
  const RunResult replaced = preview_in_dir("classic");
  INFO(replaced.output);
  CHECK(replaced.exit_code == 0);
  CHECK(replaced.output.find("warning: --scene classic: using " + (dir / "scenes" / "classic.toml").string() +
                             " from the working folder instead of the bundled scene of that name") !=
        std::string::npos);
  // A scene of its own name replaces nothing: no warning.
  const RunResult own = preview_in_dir("mine");
  INFO(own.output);
  CHECK(own.exit_code == 0);
  CHECK(own.output.find("warning") == std::string::npos);
  CHECK(fs::exists(dir / "f.png"));
}

TEST_CASE("a scene on disk renders, and overrides a bundled shader of the same name") {
  const fs::path dir = fresh_dir("scene-override");
  // A shader named like a bundled one, beside the scene, wins: everything pure red.
  write_file(dir / "lambert.shader", "# all red\nr = 1\ng = 0\nb = 0\n");
  write_file(dir / "red.toml",
             "[video]\nbackground = \"#000000\"\n\n[object]\nshader = \"lambert\"\nmirror = false\nedges = false\n");
  const fs::path video = dir / "red.mp4";
  const RunResult result = run(kStemviz, {"render", kKit.string(), "--scene", (dir / "red.toml").string(), "--size",
                                          "320x180", "--to", "0.5", "--crf", "0", "-o", video.string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const VideoProbe probe = probe_video(video);
  CHECK(probe.width == 320);
  CHECK(probe.decoded_frames == 30);
  // Pure red has BT.601 luma 81 (limited range); the background is black (16).
  const LumaImage frame = decode_luma(video, 15);
  int red = 0, black = 0, other = 0;
  for (const std::uint8_t value : frame.pixels) {
    if (std::abs(value - 81) <= 2)
      ++red;
    else if (value <= 17)
      ++black;
    else
      ++other;
  }
  CHECK(red > 500);
  CHECK(black > 30000);
  CHECK(other < red / 2);  // only antialiased edges lie between
}
