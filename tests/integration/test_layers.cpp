// Layered scenes through the real binary: where a text layer's pixels land, what its
// placeholders show, that a layered scene's frames do not depend on chunks, threads or
// shards, and one test per kind of mistake in a [[layers]] entry.
#include "../support/checks.hpp"
#include "../support/probe.hpp"

#include <doctest/doctest.h>
#include <sndfile.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

using namespace stemviz::test;
namespace fs = std::filesystem;

namespace {

// A black picture with no floor, so that every lit pixel is a layer's.
const std::string kBlack = R"(
[video]
background = "#000000"
[floor]
shape = "none"
)";

fs::path write_scene(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path path = dir / (name + ".toml");
  std::ofstream(path) << text;
  return path;
}

RunResult preview_at(const fs::path& scene, const fs::path& out, const std::string& at,
                     const std::vector<std::string>& extra = {}) {
  std::vector<std::string> arguments = {
      "preview", kKit.string(), "--scene", scene.string(), "--size", "640x360", "--at", at, "-o", out.string(), "-y"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return run(kStemviz, arguments);
}

// The preview of `scene` at `at` seconds, written to `png` and read back; it must succeed.
Image previewed(const fs::path& scene, const fs::path& png, const std::string& at,
                const std::vector<std::string>& extra = {}) {
  const RunResult result = preview_at(scene, png, at, extra);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return read_png(png);
}

// The box of pixels brighter than `threshold` in any colour channel: x0, y0, x1, y1 (x1 and
// y1 one past), or all zero when there is none.
std::array<int, 4> lit_box(const Image& image, int threshold = 64) {
  std::array<int, 4> box{image.width, image.height, 0, 0};
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      if (std::max({image.channel(x, y, 0), image.channel(x, y, 1), image.channel(x, y, 2)}) <= threshold) continue;
      box = {std::min(box[0], x), std::min(box[1], y), std::max(box[2], x + 1), std::max(box[3], y + 1)};
    }
  }
  return box[2] == 0 ? std::array<int, 4>{} : box;
}

bool same_pixels(const Image& a, const Image& b) { return a.width > 0 && a.argb == b.argb; }

// The preview of `scene` (a file or a bundled scene's name) for the stems in `stems` at `at`
// seconds and `size`, written to `png` and read back; it must succeed.
Image previewed_from(const fs::path& stems, const std::string& scene, const fs::path& png, const std::string& at,
                     const std::string& size = "640x360") {
  const RunResult result = run(kStemviz, {"preview", stems.string(), "--scene", scene, "--size", size, "--at", at, "-o",
                                          png.string(), "-y", "--no-cache"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return read_png(png);
}

// Writes dir/mover.mkv, made by stemviz: 4 s at 25 fps, 400x40 lossless (FFV1), black with
// a white bar 4 pixels wide at x = 4 * the frame's index, so a picture of it tells which of
// its 100 frames it shows.
void make_mover(const fs::path& dir) {
  write_png(dir / "bar.png", 4, 40, 255, 255, 255);
  const fs::path scene = write_scene(dir, "mover", kBlack + R"(
[[layers]]
kind = "image"
file = "bar.png"
fit = "stretch"
anchor = "top-left"
position = ["frame / 100", 0]
width = 0.01
height = 1
)");
  const RunResult made = run(kStemviz, {"render", kKit.string(), "--scene", scene.string(), "--size", "400x40", "--fps",
                                        "25", "--codec", "ffv1", "-o", (dir / "mover.mkv").string(), "-y", "-q"});
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
}

// The mover frame a picture of it (stretched to the whole picture, 400 pixels wide) shows:
// its bar's left edge / 4, or -1 for none.
int mover_frame(const Image& image) {
  for (int x = 0; x < image.width; ++x)
    if (image.channel(x, image.height / 2, 1) > 128) return x / (image.width / 100);
  return -1;
}

}  // namespace

TEST_CASE("a text layer's pixels lie in its box, at its anchor") {
  const fs::path dir = fresh_dir("layers-place");
  const auto place = [&](const std::string& anchor, const std::string& position) {
    const fs::path scene = write_scene(dir, anchor, "title = \"HHHH\"\n" + kBlack + R"(
[[layers]]
kind = "text"
text = "{title}"
size = 60
anchor = ")" + anchor + "\"\nposition = " + position + "\n");
    const fs::path png = dir / (anchor + ".png");
    const RunResult result = preview_at(scene, png, "1");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return lit_box(read_png(png));
  };
  // 60 pixels at 1080 lines are 20 at 360: four capital H are about 60 pixels wide.
  const auto top_left = place("top-left", "[0.25, 0.5]");
  CAPTURE(top_left);
  CHECK(top_left[0] >= 160);
  CHECK(top_left[0] <= 164);  // the H's side bearing
  CHECK(top_left[1] >= 180);
  CHECK(top_left[1] <= 190);  // the line's ascent above the capitals
  CHECK(top_left[2] - top_left[0] > 40);
  CHECK(top_left[2] - top_left[0] < 80);
  const auto bottom_right = place("bottom-right", "[0.75, 0.5]");
  CAPTURE(bottom_right);
  CHECK(bottom_right[2] <= 480);
  CHECK(bottom_right[2] >= 476);
  CHECK(bottom_right[3] <= 180);
  CHECK(bottom_right[3] >= 170);  // the descent below the baseline
  // The same text, only moved: the same size.
  CHECK(bottom_right[2] - bottom_right[0] == top_left[2] - top_left[0]);
  CHECK(bottom_right[3] - bottom_right[1] == top_left[3] - top_left[1]);
  const auto centre = place("center", "[0.5, 0.5]");
  CAPTURE(centre);
  CHECK(std::abs((centre[0] + centre[2]) - 640) <= 2);
}

TEST_CASE("a layer can move for portrait pictures by reading aspect") {
  const fs::path dir = fresh_dir("layers-aspect");
  const fs::path scene = write_scene(dir, "aspect", "title = \"HH\"\n" + kBlack + R"(
[[layers]]
kind = "text"
text = "{title}"
size = 60
position = [0.5, "aspect < 1 ? 0.25 : 0.75"]
)");
  const auto centre_y = [&](const std::string& size) {
    const fs::path png = dir / (size + ".png");
    const RunResult result =
        run(kStemviz, {"preview", kKit.string(), "--scene", scene.string(), "--size", size, "-o", png.string()});
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    const auto box = lit_box(read_png(png));
    return (box[1] + box[3]) / 2;
  };
  CHECK(std::abs(centre_y("640x360") - 270) <= 3);  // landscape: three quarters down
  CHECK(std::abs(centre_y("360x640") - 160) <= 3);  // portrait: a quarter down
}

TEST_CASE("{title} and {artist}: the option, else the scene's, else the stems folder's name") {
  const fs::path dir = fresh_dir("layers-title");
  const std::string layers = kBlack + R"(
[[layers]]
kind = "text"
text = "{title} by {artist}"
size = 60
)";
  const fs::path with_title = write_scene(dir, "with-title", "title = \"Drums\"\nartist = \"The Kit\"\n" + layers);
  const fs::path without = write_scene(dir, "without", layers);
  const auto picture = [&](const fs::path& scene, const std::string& name, const std::vector<std::string>& extra) {
    return previewed(scene, dir / (name + ".png"), "1", extra);
  };
  const Image from_scene = picture(with_title, "scene", {});
  CHECK(same_pixels(from_scene, picture(without, "options", {"--title", "Drums", "--artist", "The Kit"})));
  CHECK(same_pixels(picture(without, "folder", {}), picture(without, "named", {"--title", "kit7", "--artist", ""})));
  CHECK_FALSE(same_pixels(from_scene, picture(with_title, "other", {"--title", "Bass"})));
}

TEST_CASE("{time} and {remaining} change at whole seconds only") {
  const fs::path dir = fresh_dir("layers-time");
  const fs::path scene = write_scene(dir, "clock", kBlack + R"(
[[layers]]
kind = "text"
text = "{time} -{remaining} {duration}"
)");
  const auto at = [&](const std::string& seconds) {
    const fs::path png = dir / ("at-" + seconds + ".png");
    const RunResult result = preview_at(scene, png, seconds);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return read_png(png);
  };
  // The kit lasts 4 s: 0:01 -0:03 0:04 from 1 s until just before 2 s.
  const Image one = at("1.02");
  CHECK(same_pixels(one, at("1.9")));
  CHECK_FALSE(same_pixels(one, at("2.02")));
  CHECK_FALSE(same_pixels(one, at("0.9")));
}

TEST_CASE("a layered scene's frames do not depend on chunks, threads, shards or where the render starts") {
  const fs::path dir = fresh_dir("layers-determinism");
  // Text bound to a stem, growing and fading with it, blended, over the stage: each frame's
  // box differs from the last, so a canvas that left pixels of an earlier frame would show.
  write_jpeg(dir / "cover.jpg", 64, 64, 200, 80, 40);
  std::ofstream(dir / "words.srt") << "1\n00:00:00,500 --> 00:00:02,000\nFirst words\n\n2\n00:00:02,000 --> "
                                      "00:00:03,500\nand the next\n";
  make_mover(dir);
  const fs::path scene = write_scene(dir, "layered", R"scene(
title = "Layers"
[[layers]]
kind = "video"
file = "mover.mkv"
anchor = "top-left"
position = [0, 0.4]
width = 0.5
offset = 1.3
[[layers]]
kind = "image"
file = "{cover}"
height = 0.5
rotate = "20 * t"
scale = "1 + 0.2 * sin(t * 5)"
[[layers]]
kind = "text"
text = "{title} {time}"
position = [0.5, 0.1]
size = "60 + 20 * sin(t * 3)"
outline_width = 2
[[layers]]
kind = "stage"
[[layers]]
kind = "meters"
stems = ["mix", 0, 1, 2, 3, 4, 5, 6]
anchor = "top-right"
position = [0.98, 0.02]
width = 0.3
height = 0.3
peak_hold = 1
[[layers]]
kind = "waveform"
position = [0.3, 0.3]
width = 0.5
height = 0.15
seconds = 2
[[layers]]
kind = "spectrum"
stem = "02-snare"
style = "radial"
position = [0.8, 0.6]
width = 0.3
height = 0.3
peak_hold = 0.5
colour = ["#ff0000", "#0000ff"]
[[layers]]
kind = "lyrics"
file = "{lyrics}"
position = [0.5, 0.8]
next_line = true
[[layers]]
kind = "text"
stem = "01-kick"
text = "{name}"
anchor = "bottom-left"
position = [0.05, 0.95]
size = "30 + 90 * level"
opacity = "0.4 + 0.6 * hit"
blend = "screen"
)scene");
  const auto render = [&](const std::string& name, const std::vector<std::string>& extra) {
    std::vector<std::string> arguments = {"render",   kKit.string(),
                                          "--scene",  scene.string(),
                                          "--cover",  (dir / "cover.jpg").string(),
                                          "--lyrics", (dir / "words.srt").string(),
                                          "--size",   "320x180",
                                          "--crf",    "0",
                                          "--preset", "ultrafast",
                                          "-o",       (dir / name).string()};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    const RunResult result = run(kStemviz, arguments);
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return dir / name;
  };
  const fs::path one = render("c1.mp4", {"--threads", "1", "--chunk-seconds", "1"});
  const auto frames = frame_hashes(one);
  CHECK(frames.size() == 240);
  CHECK(frames == frame_hashes(render("c03.mp4", {"--threads", "2", "--chunk-seconds", "0.3"})));
  // A render from 1.5 s draws the same frames there: nothing is carried from earlier frames
  // (the meters' peak marks read the earlier frames' features).
  const auto later = frame_hashes(render("from.mp4", {"--from", "1.5", "--chunk-seconds", "0.4"}));
  REQUIRE(later.size() == 150);
  CHECK(std::equal(later.begin(), later.end(), frames.end() - 150));

  const fs::path job = dir / "job";
  const RunResult plan =
      run(kStemviz, {"plan", kKit.string(), "--scene", scene.string(), "--cover", (dir / "cover.jpg").string(),
                     "--lyrics", (dir / "words.srt").string(), "--size", "320x180", "--crf", "0", "--preset",
                     "ultrafast", "-o", job.string(), "--shards", "3"});
  INFO(plan.output);
  REQUIRE(plan.exit_code == 0);
  // A moved job folder: the workers read nothing but it, the cover included.
  const fs::path moved = dir / "moved-job";
  fs::rename(job, moved);
  fs::remove(dir / "cover.jpg");
  fs::remove(dir / "words.srt");
  for (const std::string index : {"0", "1", "2"})
    REQUIRE(run(kStemviz, {"shard", moved.string(), "--index", index, "-q"}).exit_code == 0);
  const fs::path stitched = dir / "stitched.mp4";
  REQUIRE(run(kStemviz, {"stitch", moved.string(), "-o", stitched.string(), "-q"}).exit_code == 0);
  CHECK(video_packets(stitched) == video_packets(one));
}

TEST_CASE("an image layer fits its picture to its box: contain, cover, stretch, or its own aspect") {
  const fs::path dir = fresh_dir("layers-image");
  write_png(dir / "wide.png", 200, 100, 255, 0, 0);
  write_jpeg(dir / "wide.jpg", 200, 100, 255, 0, 0);
  const auto box_of = [&](const std::string& name, const std::string& keys) {
    const fs::path scene = write_scene(dir, name, kBlack + "[[layers]]\nkind = \"image\"\n" + keys);
    const fs::path png = dir / (name + ".png");
    const RunResult result = preview_at(scene, png, "1");
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return lit_box(read_png(png), 128);
  };
  // 640x360: a width of 0.5 is 320 pixels, and the 2:1 picture 160 high, centred.
  CHECK(box_of("width", "file = \"wide.png\"\nwidth = 0.5\n") == std::array<int, 4>{160, 100, 480, 260});
  CHECK(box_of("jpeg", "file = \"wide.jpg\"\nwidth = 0.5\n") == std::array<int, 4>{160, 100, 480, 260});
  // A 320x180 box: contained, the picture is 320x160 in its middle; covering or stretched,
  // it fills the box.
  const std::string box = "file = \"wide.png\"\nwidth = 0.5\nheight = 0.5\n";
  CHECK(box_of("contain", box) == std::array<int, 4>{160, 100, 480, 260});
  CHECK(box_of("cover", box + "fit = \"cover\"\n") == std::array<int, 4>{160, 90, 480, 270});
  CHECK(box_of("stretch", box + "fit = \"stretch\"\n") == std::array<int, 4>{160, 90, 480, 270});
  // Its own size at 1080 lines: 200x100 there is a third of that at 360 lines.
  const auto own = box_of("own", "file = \"wide.png\"\nanchor = \"top-left\"\nposition = [0, 0]\n");
  CHECK(own[2] - own[0] == 67);
  CHECK(own[3] - own[1] == 33);
  // Turned a quarter: taller than wide.
  const auto turned = box_of("turned", "file = \"wide.png\"\nwidth = 0.5\nrotate = 90\n");
  CHECK(turned[2] - turned[0] < turned[3] - turned[1]);
}

TEST_CASE("{cover} shows the picture given with --cover, else nothing, and a job carries it") {
  const fs::path dir = fresh_dir("layers-cover");
  write_png(dir / "red.png", 50, 50, 255, 0, 0);
  const fs::path with_slot =
      write_scene(dir, "slot", kBlack + "[[layers]]\nkind = \"image\"\nfile = \"{cover}\"\nheight = 0.5\n");
  const auto picture = [&](const fs::path& scene, const std::string& name, const std::vector<std::string>& extra) {
    return previewed(scene, dir / (name + ".png"), "1", extra);
  };
  // Without --cover the slot shows nothing: the picture stays black.
  const Image no_cover = picture(with_slot, "no-cover", {});
  CHECK(no_cover.width == 640);
  CHECK(lit_box(no_cover, 0) == std::array<int, 4>{});
  CHECK(lit_box(picture(with_slot, "cover", {"--cover", (dir / "red.png").string()}), 128) ==
        std::array<int, 4>{230, 90, 410, 270});

  // A job folder whose picture was changed after planning is refused, naming the file.
  const fs::path job = dir / "job";
  REQUIRE(run(kStemviz, {"plan", kKit.string(), "--scene", with_slot.string(), "--cover", (dir / "red.png").string(),
                         "--size", "320x180", "-o", job.string(), "-q"})
              .exit_code == 0);
  const std::vector<std::string> assets = files_in(job / "assets");
  REQUIRE(assets.size() == 1);
  write_png(job / "assets" / assets.front(), 50, 50, 0, 255, 0);
  const RunResult shard = run(kStemviz, {"shard", job.string(), "--index", "0", "-q"});
  CHECK(shard.exit_code == 3);
  CHECK(shard.output.find(assets.front() + ": changed since the job was planned, the scene's \"{cover}\"") !=
        std::string::npos);

  // A `fallback` fills an empty slot, and gives way to --cover.
  write_png(dir / "blue.png", 50, 50, 0, 0, 255);
  const fs::path with_fallback =
      write_scene(dir, "fallback",
                  kBlack + "[[layers]]\nkind = \"image\"\nfile = \"{cover}\"\nfallback = \"blue.png\"\nheight = 0.5\n");
  const Image fallback = picture(with_fallback, "fallback", {});
  CHECK(lit_box(fallback, 128) == std::array<int, 4>{230, 90, 410, 270});
  CHECK(fallback.channel(320, 180, 0) > 200);  // blue: B, G, R, A in memory
  const Image given = picture(with_fallback, "given", {"--cover", (dir / "red.png").string()});
  CHECK(given.channel(320, 180, 2) > 200);
  CHECK(given.channel(320, 180, 0) < 50);
}

TEST_CASE("a bundled scene's own picture travels in its job, and a moved job renders it") {
  const fs::path dir = fresh_dir("layers-bundled-cover");
  const fs::path job = dir / "job";
  REQUIRE(run(kStemviz, {"plan", kKit.string(), "--scene", "audiogram", "--size", "320x180", "--to", "1", "-o",
                         job.string(), "-q"})
              .exit_code == 0);
  // The one asset is the cover stemviz ships, byte for byte.
  const std::vector<std::string> assets = files_in(job / "assets");
  REQUIRE(assets.size() == 1);
  std::ifstream shipped(fs::path(STEMVIZ_SOURCE_DIR) / "scenes" / "images" / "cover.jpg", std::ios::binary);
  std::ifstream carried(job / "assets" / assets.front(), std::ios::binary);
  const std::string a((std::istreambuf_iterator<char>(shipped)), std::istreambuf_iterator<char>());
  const std::string b((std::istreambuf_iterator<char>(carried)), std::istreambuf_iterator<char>());
  CHECK(a.size() > 1000);
  CHECK(a == b);
  // Moved, it renders; its frames show the cover (orange at its bottom) where the local
  // render does.
  const fs::path moved = dir / "elsewhere";
  fs::rename(job, moved);
  const fs::path out = dir / "out.mp4";
  REQUIRE(run(kStemviz, {"shard", moved.string(), "--index", "0", "-q"}).exit_code == 0);
  const RunResult stitched = run(kStemviz, {"stitch", moved.string(), "-o", out.string(), "-q"});
  INFO(stitched.output);
  REQUIRE(stitched.exit_code == 0);
  const fs::path local = dir / "local.mp4";
  REQUIRE(run(kStemviz, {"render", kKit.string(), "--scene", "audiogram", "--size", "320x180", "--to", "1", "-o",
                         local.string(), "-q"})
              .exit_code == 0);
  CHECK(frame_hashes(out) == frame_hashes(local));

  // A copy of the scene finds the picture among the bundled files, unless one lies beside it.
  const RunResult shown = run(kStemviz, {"scenes", "--show", "audiogram"});
  REQUIRE(shown.exit_code == 0);
  std::ofstream(dir / "mine.toml") << shown.output;
  const auto frame = [&](const std::string& scene, const std::string& name) {
    return previewed_from(kKit, scene, dir / name, "0.5", "320x180");
  };
  const Image bundled = frame("audiogram", "bundled.png");
  CHECK(frame((dir / "mine.toml").string(), "copy.png").argb == bundled.argb);
  fs::create_directories(dir / "images");
  write_jpeg(dir / "images" / "cover.jpg", 64, 64, 0, 255, 0);
  CHECK(frame((dir / "mine.toml").string(), "own.png").argb != bundled.argb);
}

TEST_CASE("a lyrics layer shows the line of the frame's time, switching at its stamp") {
  const fs::path dir = fresh_dir("layers-lyrics");
  std::ofstream(dir / "song.lrc") << "[ar:The Kit]\n[00:01.00]One\n[00:02.00]Two\n[00:03.00]\n";
  const std::string lyrics = kBlack + "[[layers]]\nkind = \"lyrics\"\nfile = \"song.lrc\"\nsize = 60\n";
  const fs::path sharp = write_scene(dir, "sharp", lyrics + "fade = 0\n");
  const auto at = [&](const fs::path& scene, const std::string& seconds) {
    return previewed(scene, dir / (scene.stem().string() + "-" + seconds + ".png"), seconds);
  };
  // 60 fps: the frame at 1 s is the first at or after the stamp.
  CHECK(lit_box(at(sharp, "0.99"), 0) == std::array<int, 4>{});
  const Image one = at(sharp, "1");
  CHECK(lit_box(one, 0) != std::array<int, 4>{});
  CHECK(same_pixels(one, at(sharp, "1.99")));
  const Image two = at(sharp, "2");
  CHECK(lit_box(two, 0) != std::array<int, 4>{});
  CHECK_FALSE(same_pixels(one, two));
  CHECK(lit_box(at(sharp, "3"), 0) == std::array<int, 4>{});  // the empty stamped line ends it

  // With the next line under it the text is taller; a fading line is dimmer at first.
  const fs::path next = write_scene(dir, "next", lyrics + "fade = 0\nnext_line = true\n");
  const auto tall = lit_box(at(next, "1.5"), 0), short_ = lit_box(one, 0);
  CHECK(tall[3] - tall[1] > short_[3] - short_[1]);
  const fs::path fading = write_scene(dir, "fading", lyrics + "fade = 0.5\n");
  const auto brightest = [](const Image& image) {
    int most = 0;
    for (int y = 0; y < image.height; ++y)
      for (int x = 0; x < image.width; ++x) most = std::max<int>(most, image.channel(x, y, 1));
    return most;
  };
  // Fully in half a second after its stamp, half a second before its end.
  CHECK(brightest(at(fading, "1.2")) < brightest(at(fading, "1.5")));
  CHECK(brightest(at(fading, "1.5")) == brightest(one));
}

TEST_CASE("a meter shows its stem's level, and its peak mark the highest of the last peak_hold seconds") {
  const fs::path dir = fresh_dir("layers-meters");
  // The features the meters read, as `stemviz analyze` writes them.
  const fs::path csv = dir / "features.csv";
  REQUIRE(run(kStemviz, {"analyze", kKit.string(), "-o", csv.string(), "-q"}).exit_code == 0);
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  const auto cells = [](const std::string& row) {
    std::vector<std::string> out;
    std::stringstream stream(row);
    for (std::string cell; std::getline(stream, cell, ',');) out.push_back(cell);
    return out;
  };
  const std::vector<std::string> header = cells(line);
  const auto column =
      static_cast<std::size_t>(std::find(header.begin(), header.end(), "01-kick.level") - header.begin());
  REQUIRE(column < header.size());
  std::vector<double> level;
  while (std::getline(in, line)) level.push_back(std::stod(cells(line).at(column)));
  REQUIRE(level.size() == 240);

  // One red meter the whole height of a 640x360 picture, on black: its lit rows are its level.
  const std::string meter = kBlack + R"(
[[layers]]
kind = "meters"
stems = ["01-kick"]
anchor = "top-left"
position = [0, 0]
width = 0.25
height = 1
labels = false
colours = ["#ff0000"]
track_colour = "#000000"
)";
  const auto lit_rows = [](const Image& image, int channel) {
    int rows = 0;
    for (int y = 0; y < image.height; ++y) rows += image.channel(80, y, channel) > 128 ? 1 : 0;
    return rows;
  };
  const fs::path plain = write_scene(dir, "plain", meter + "peak_hold = 0\n");
  for (const int frame : {30, 60, 150}) {
    CAPTURE(frame);
    const Image image =
        previewed(plain, dir / ("plain-" + std::to_string(frame) + ".png"), std::to_string(frame / 60.0));
    CHECK(std::abs(lit_rows(image, 2) - level[static_cast<std::size_t>(frame)] * 360.0) <= 1.0);
  }
  // The peak mark's top: the highest level of frames 30 to 60 (half a second up to 1 s).
  const fs::path held = write_scene(dir, "held", meter + "peak_hold = 0.5\n");
  const Image image = previewed(held, dir / "held.png", "1");
  const double highest = *std::max_element(level.begin() + 30, level.begin() + 61);
  int top = 360;
  for (int y = 0; y < 360; ++y)
    if (image.channel(80, y, 2) > 128 || image.channel(80, y, 1) > 128) top = std::min(top, y);
  CHECK(std::abs((360 - top) - highest * 360.0) <= 1.0);
}

namespace {

// A one-stem folder at 48 kHz, 3 s, holding `value` (mono, so the mix's mono is the stem's).
fs::path one_stem(const std::string& name, double (*value)(std::int64_t, int)) {
  const fs::path stems = fresh_dir(name) / "stems";
  fs::create_directories(stems);
  write_stem(stems / "tone.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 1, 3 * 48000, value);
  return stems;
}

// A 2 Hz sine at 0.8 of full scale: slow enough that each column of a 1 s trace is one value.
double slow_sine(std::int64_t i, int) {
  return 0.8 * std::sin(2.0 * std::numbers::pi * 2.0 * static_cast<double>(i) / 48000.0);
}
double tone_1k(std::int64_t i, int) {
  return 0.5 * std::sin(2.0 * std::numbers::pi * 1000.0 * static_cast<double>(i) / 48000.0);
}

}  // namespace

TEST_CASE("a waveform's trace is the audio's samples around the frame's time") {
  const fs::path stems = one_stem("layers-waveform", slow_sine);
  // The whole picture, white on black: 1 s of the mix centred on the frame, full scale at
  // the top and bottom edges.
  const fs::path scene = write_scene(stems.parent_path(), "wave", kBlack + R"(
[[layers]]
kind = "waveform"
seconds = 1
anchor = "top-left"
position = [0, 0]
width = 1
height = 1
)");
  const Image image = previewed_from(stems, scene.string(), stems.parent_path() / "wave.png", "1.5");
  // Column x shows the time 1.5 - 0.5 + (x + 0.5) / 640 seconds: the lit run's far end from
  // the middle (180) is the sample there.
  for (const int x : {10, 100, 250, 320, 400, 555, 630}) {
    CAPTURE(x);
    const double t = 1.0 + (x + 0.5) / 640.0;
    const double sample = 0.8 * std::sin(2.0 * std::numbers::pi * 2.0 * t);
    int top = 360, bottom = -1;
    for (int y = 0; y < 360; ++y) {
      if (image.channel(x, y, 0) > 128) top = std::min(top, y), bottom = std::max(bottom, y);
    }
    REQUIRE(bottom >= 0);
    const double reach = sample > 0 ? 180.0 - top : bottom + 1 - 180.0;
    CHECK(std::abs(reach - std::abs(sample) * 180.0) <= 2.0);
  }
}

TEST_CASE("a spectrum's tallest bar is the band of the tone's frequency") {
  const fs::path stems = one_stem("layers-spectrum", tone_1k);
  const fs::path scene = write_scene(stems.parent_path(), "spectrum", kBlack + R"(
[[layers]]
kind = "spectrum"
bands = 32
gap = 0
anchor = "top-left"
position = [0, 0]
width = 1
height = 1
)");
  const Image image = previewed_from(stems, scene.string(), stems.parent_path() / "spectrum.png", "1.5");
  // 32 bands from 40 Hz to 16 kHz, 20 pixels each: 1 kHz lies in band floor(32 log(25) / log(400)) = 17.
  const auto bar_height = [&](int band) {
    int lit = 0;
    for (int y = 0; y < 360; ++y) lit += image.channel(band * 20 + 10, y, 0) > 128 ? 1 : 0;
    return lit;
  };
  int tallest = 0;
  for (int band = 1; band < 32; ++band)
    if (bar_height(band) > bar_height(tallest)) tallest = band;
  CHECK(tallest == 17);
  CHECK(bar_height(17) >= 355);  // the loudest band of the song: 0 dB, the whole height
  for (const int far : {0, 5, 10, 24, 31}) CHECK(bar_height(far) < bar_height(17) / 2);
}

TEST_CASE("mix binds a layer to the stems' sum: its meter, its variables, its name") {
  // One stem: the mix is that stem (its peak, 0.8, needs no gain), so the mix's meter and
  // the stem's stand equally high.
  const fs::path stems = one_stem("layers-mix", slow_sine);
  const fs::path scene = write_scene(stems.parent_path(), "mix", kBlack + R"(
[[layers]]
kind = "meters"
stems = ["mix", "tone"]
colours = ["#ffffff"]
track_colour = "#000000"
labels = false
peak_hold = 0
scale = "db"
floor_db = -60
anchor = "top-left"
position = [0, 0]
width = 0.5
height = 1
gap = 1
[[layers]]
kind = "text"
stem = "mix"
text = "{name}"
anchor = "top-left"
position = [0.6, 0.1]
size = "20 + 300 * level"
)");
  const Image image = previewed_from(stems, scene.string(), stems.parent_path() / "mix.png", "1.1");
  const auto lit_rows = [&](int x) {
    int rows = 0;
    for (int y = 0; y < 360; ++y) rows += image.channel(x, y, 1) > 128 ? 1 : 0;
    return rows;
  };
  // Two meters in 320 pixels with a gap as wide as one: 106.7 pixels each.
  CHECK(lit_rows(50) > 100);
  CHECK(std::abs(lit_rows(50) - lit_rows(265)) <= 1);
  // The text ("mix") reads the mix's level, high near a crest of the sine: its glyphs stand
  // several times taller than the 4 px they have at level 0 (20 px at 1080 lines).
  int top = 360, bottom = 0;
  for (int y = 0; y < 360; ++y)
    for (int x = 384; x < 640; ++x)
      if (image.channel(x, y, 1) > 128) top = std::min(top, y), bottom = std::max(bottom, y);
  CHECK(bottom - top > 30);
}

TEST_CASE("a video layer shows the frame of the frame's time, offset and looped") {
  const fs::path dir = fresh_dir("layers-video");
  make_mover(dir);
  const auto scene = [&](const std::string& name, const std::string& keys) {
    return write_scene(dir, name,
                       kBlack + "[[layers]]\nkind = \"video\"\nfile = \"mover.mkv\"\nfit = \"stretch\"\n" +
                           "anchor = \"top-left\"\nposition = [0, 0]\nwidth = 1\nheight = 1\n" + keys);
  };
  const fs::path looped = scene("looped", "offset = 0.5\n");
  const fs::path held = scene("held", "offset = 0.5\nloop = false\n");
  const fs::path plain = scene("plain", "");
  // The frame on screen at t (60 fps) starts at floor(60 t) / 60; the video (25 fps, 4 s)
  // shows the frame that starts at or before that time plus the offset.
  const auto shown = [&](const fs::path& of, const std::string& at) {
    return mover_frame(previewed_from(kKit, of.string(), dir / (of.stem().string() + ".png"), at, "400x40"));
  };
  for (const double t : {0.0, 0.35, 1.77, 3.62, 3.99}) {
    CAPTURE(t);
    const double start = std::floor(t * 60.0) / 60.0;
    const auto frame_at = [](double seconds) {
      return std::min(99, static_cast<int>(std::floor(seconds * 25.0 + 1e-6)));
    };
    const std::string at = std::to_string(t);
    CHECK(shown(plain, at) == frame_at(start));
    CHECK(shown(looped, at) == frame_at(std::fmod(start + 0.5, 4.0)));
    CHECK(shown(held, at) == frame_at(start + 0.5));
  }
  // A frame far from the one before (a seek back, then forward) shows the same as in order.
  const fs::path video = dir / "looped.mp4";
  const RunResult render =
      run(kStemviz, {"render", kKit.string(), "--scene", looped.string(), "--size", "400x40", "--crf", "0", "--preset",
                     "ultrafast", "--chunk-seconds", "0.7", "-o", video.string(), "-y", "-q"});
  INFO(render.output);
  REQUIRE(render.exit_code == 0);
  const auto hashes = frame_hashes(video);
  REQUIRE(hashes.size() == 240);
  const fs::path later = dir / "later.mp4";
  REQUIRE(run(kStemviz, {"render", kKit.string(), "--scene", looped.string(), "--size", "400x40", "--crf", "0",
                         "--preset", "ultrafast", "--from", "2.9", "-o", later.string(), "-y", "-q"})
              .exit_code == 0);
  const auto tail = frame_hashes(later);
  REQUIRE(tail.size() == 66);
  CHECK(std::equal(tail.begin(), tail.end(), hashes.end() - 66));
}

TEST_CASE("mistakes in [[layers]] name the file, line and column") {
  const fs::path dir = fresh_dir("layers-mistakes");
  const fs::path out_dir = dir / "out";
  fs::create_directories(out_dir);
  const auto refused = [&](const std::string& layers, const std::string& message) {
    const fs::path scene = write_scene(dir, "bad", kBlack + layers);
    CAPTURE(layers);
    check_refused(kStemviz, {"render", kKit.string(), "--scene", scene.string(), "-o", (out_dir / "out.mp4").string()},
                  3, scene.string() + message, out_dir);
  };
  // kBlack takes lines 1 to 5; the layers start on line 6.
  refused("[[layers]]\nkind = \"txt\"\n",
          ":7:8: no layer kind \"txt\" (did you mean \"text\"?); the kinds are stage, text, image, lyrics, meters, "
          "video, waveform, spectrum");
  refused(
      "[[layers]]\ntext = \"x\"\n",
      ":6:1: a [[layers]] entry needs 'kind', one of stage, text, image, lyrics, meters, video, waveform, spectrum");
  refused("[[layers]]\nkind = \"text\"\ntext = \"x\"\nsise = 3\n", ":9:1: unknown key 'sise' in a text layer");
  refused("[[layers]]\nkind = \"text\"\n", ":7:8: a text layer needs 'text'");
  refused("[[layers]]\nkind = \"text\"\ntext = \"at {tiem}\"\n", ":8:12: no placeholder {tiem} (did you mean {time}?)");
  refused("[[layers]]\nkind = \"text\"\ntext = \"{name}\"\n",
          ":8:9: {name} is the bound stem's name; give the layer a 'stem'");
  refused("[[layers]]\nkind = \"text\"\ntext = \"x\"\nstem = \"02-snar\"\n",
          ":9:8: no stem \"02-snar\" (did you mean \"02-snare\"?)");
  refused("[[layers]]\nkind = \"text\"\ntext = \"x\"\nanchor = \"middle\"\n",
          ":9:11: 'anchor' in a text layer cannot be \"middle\"; use one of center, top-left");
  refused("[[layers]]\nkind = \"text\"\ntext = \"x\"\nopacity = 2\n", ":9:11:");
  refused("[[layers]]\nkind = \"stage\"\n[[layers]]\nkind = \"stage\"\n",
          ":9:8: the stage may appear once in [[layers]]");
  refused("[[layers]]\nkind = \"stage\"\nopacity = 0.5\n", ":8:1: unknown key 'opacity' in a stage layer");
  refused("[[layers]]\nkind = \"image\"\nfile = \"missing.png\"\n",
          ":8:9: " + (dir / "missing.png").string() + ": no such picture file; use a PNG, JPEG or WebP picture");
  std::ofstream(dir / "notes.png") << "not a picture";
  refused("[[layers]]\nkind = \"image\"\nfile = \"notes.png\"\n",
          ":8:9: " + (dir / "notes.png").string() + ": not a picture stemviz reads");
  refused("[[layers]]\nkind = \"image\"\nfile = \"{title}.png\"\n", ":8:8: 'file' takes no placeholder but");
  refused("[[layers]]\nkind = \"image\"\nfile = \"a.png\"\nfit = \"fill\"\n", ":9:8:");
  std::ofstream(dir / "bad.lrc") << "[00:01.00]One\n[1:7x]Two\n";
  refused("[[layers]]\nkind = \"lyrics\"\nfile = \"bad.lrc\"\n",
          ":8:9: " + (dir / "bad.lrc").string() + ":2: [1:7x] is not a time stamp");
  refused("[[layers]]\nkind = \"lyrics\"\n", ":7:8: a lyrics layer needs 'file'");
  refused("[[layers]]\nkind = \"meters\"\nstems = [\"01-kick\", \"hihat\"]\n",
          ":8:21: no stem \"hihat\"; the stems are 01-kick, 02-snare");
  refused("[[layers]]\nkind = \"lyrics\"\nfile = \"bad.lrc\"\n[[layers]]\nkind = \"image\"\nfile = \"bad.lrc\"\n",
          ":11:9: \"bad.lrc\" is a picture here and lyrics at");
  refused("[[layers]]\nkind = \"waveform\"\nstyle = \"bars\"\n",
          ":8:10: 'style' in a waveform layer cannot be \"bars\"; use one of line, filled, mirrored, radial");
  refused("[[layers]]\nkind = \"waveform\"\nseconds = 0\n", ":8:11:");
  refused("[[layers]]\nkind = \"waveform\"\nstem = \"kik\"\n", ":8:8: no stem \"kik\"");
  refused("[[layers]]\nkind = \"meters\"\nstems = [\"mx\"]\n",
          ":8:10: no stem \"mx\" (did you mean \"mix\"?); the stems are 01-kick, 02-snare");
  refused("[[layers]]\nkind = \"spectrum\"\nbands = 200\n", ":8:9:");
  refused("[[layers]]\nkind = \"spectrum\"\nmin_hz = 100\nmax_hz = 150\n",
          ":9:10: 'max_hz' 150 must be at least twice 'min_hz' (100)");
  refused("[[layers]]\nkind = \"spectrum\"\ncolour = [\"#ff0000\", \"blue\"]\n", ":8:");
  refused("[[layers]]\nkind = \"video\"\n", ":7:8: a video layer needs 'file'");
  refused("[[layers]]\nkind = \"video\"\nfile = \"gone.mp4\"\n",
          ":8:9: " + (dir / "gone.mp4").string() + ": no such video file; use a video file such as MP4");
  refused("[[layers]]\nkind = \"video\"\nfile = \"notes.png\"\n",
          ":8:9: " + (dir / "notes.png").string() + ": not a video stemviz reads");
  std::ofstream(dir / "list.m3u8") << "#EXTM3U\n#EXTINF:1,\n/etc/passwd\n";
  refused("[[layers]]\nkind = \"video\"\nfile = \"list.m3u8\"\n",
          ":8:9: " + (dir / "list.m3u8").string() + ": not a video stemviz reads");
}
