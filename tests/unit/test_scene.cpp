#include "../support/probe.hpp"

#include <stemviz/draw/canvas.hpp>
#include <stemviz/util/bundled.hpp>
#include <stemviz/util/error.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <vector>

using namespace stemviz;
using stemviz::test::bundled_scene;
using stemviz::test::change_features;
using stemviz::test::constant_features;

namespace {

std::vector<std::string> bundled_scene_names() {
  std::vector<std::string> names;
  for (const BundledFile& file : bundled_files()) {
    const std::filesystem::path path(file.path);
    if (path.parent_path() == "scenes") names.push_back(path.stem().string());
  }
  return names;
}

std::vector<std::uint8_t> pixels_of(const FrameCanvas& canvas, int height) {
  const std::uint8_t* p = canvas.pixels();
  return {p, p + static_cast<std::size_t>(canvas.stride()) * static_cast<std::size_t>(height)};
}

}  // namespace

TEST_SUITE("scene") {
  TEST_CASE("every bundled scene keeps 1 to 32 stems in the picture at any time and level") {
    const auto names = bundled_scene_names();
    REQUIRE(names.size() >= 5);
    const Timeline timeline{Rational{4, 1}, 8000, 8000 * 40};  // 40 s, 4 frames a second
    for (const std::string& name : names) {
      for (const auto& size : {std::pair{480, 270}, std::pair{270, 480}}) {
        const int width = size.first, height = size.second;  // CAPTURE cannot take a binding
        for (const int stems : {1, 2, 3, 7, 13, 32}) {
          for (const float level : {0.0f, 1.0f}) {
            CAPTURE(name);
            CAPTURE(width);
            CAPTURE(stems);
            CAPTURE(level);
            const FeatureTrack features = constant_features(stems, timeline.frame_count(), level);
            const Scene scene = bundled_scene(name, features, timeline, width, height);
            // A scene of 2D layers alone (meters) has no objects: it must draw something.
            const auto& layers = scene.description().layers;
            const bool staged = layers.empty() || std::any_of(layers.begin(), layers.end(), [](const auto& layer) {
                                  return std::holds_alternative<StageLayer>(layer.details);
                                });
            FrameCanvas canvas(scene);
            for (std::int64_t frame = 0; frame < timeline.frame_count(); frame += 7) {
              canvas.draw(frame);
              if (!staged) {
                REQUIRE(canvas.covered_box().x1 > canvas.covered_box().x0);
                continue;
              }
              std::set<int> seen;
              for (const ScreenFace& face : canvas.faces()) {
                seen.insert(face.stem);
                for (int k = 0; k < face.corners; ++k) {
                  REQUIRE(face.xy[2 * k] >= 0.0);
                  REQUIRE(face.xy[2 * k] <= width);
                  REQUIRE(face.xy[2 * k + 1] >= 0.0);
                  REQUIRE(face.xy[2 * k + 1] <= height);
                }
              }
              REQUIRE(static_cast<int>(seen.size()) == stems);  // every stem shows
            }
          }
        }
      }
    }
  }

  TEST_CASE("faces come in painter's order: reflections first, then far to near") {
    const Timeline timeline{Rational{60, 1}, 48000, 48000 * 5};
    FeatureTrack features = constant_features(7, timeline.frame_count(), 0.0f);
    const float levels[7] = {0.1f, 0.9f, 0.5f, 1.0f, 0.0f, 0.3f, 0.7f};
    for (int stem = 0; stem < 7; ++stem) {
      change_features(features, stem, 200, [&](StemFrameFeatures& f) { f.level = levels[stem]; });
    }
    const Scene scene = bundled_scene("classic", features, timeline, 1920, 1080);
    FrameCanvas canvas(scene);
    canvas.draw(200);
    const auto& faces = canvas.faces();
    REQUIRE(faces.size() > 14);
    for (std::size_t i = 1; i < faces.size(); ++i) {
      if (faces[i - 1].mirror == faces[i].mirror)
        CHECK(faces[i - 1].depth >= faces[i].depth);
      else
        CHECK(faces[i - 1].mirror);
    }
  }

  TEST_CASE("a layer canvas draws its stem's faces only, the same ones as in the picture, on transparency") {
    const Timeline timeline{Rational{60, 1}, 48000, 48000 * 5};
    const FeatureTrack features = constant_features(7, timeline.frame_count(), 0.6f);
    for (const std::string& name : {std::string("classic"), std::string("grid")}) {
      CAPTURE(name);
      const Scene scene = bundled_scene(name, features, timeline, 640, 360);
      FrameCanvas picture(scene);
      picture.draw(100);
      for (int stem = 0; stem < 7; ++stem) {
        CAPTURE(stem);
        FrameCanvas layer(scene, stem);
        layer.draw(100);
        std::vector<const ScreenFace*> expected;
        for (const ScreenFace& face : picture.faces()) {
          if (face.stem == stem) expected.push_back(&face);
        }
        REQUIRE(layer.faces().size() == expected.size());
        REQUIRE_FALSE(expected.empty());
        for (std::size_t i = 0; i < expected.size(); ++i) {
          CHECK(layer.faces()[i].stem == stem);
          CHECK(layer.faces()[i].xy == expected[i]->xy);
        }
        // A corner of the picture is background: fully transparent in a layer.
        CHECK(layer.pixels()[3] == 0);
      }
    }
  }

  TEST_CASE("a louder stem has a taller pyramid") {
    const Timeline timeline{Rational{60, 1}, 48000, 48000};
    const auto top = [&](float level) {
      const FeatureTrack features = constant_features(1, timeline.frame_count(), level);
      const Scene scene = bundled_scene("classic", features, timeline, 640, 360);
      FrameCanvas canvas(scene);
      canvas.draw(0);
      double y = 1e9;
      for (const ScreenFace& f : canvas.faces()) {
        if (!f.mirror) y = std::min({y, f.xy[1], f.xy[3], f.xy[5]});
      }
      return y;
    };
    CHECK(top(1.0f) < top(0.5f) - 20);
    CHECK(top(0.5f) < top(0.0f) - 20);
  }

  TEST_CASE("a reused canvas draws the same pixels as a fresh one, in every bundled scene") {
    // A canvas restores only what its previous frame covered; any leftover would show here.
    const int stems = 5;
    const Timeline timeline{Rational{30, 1}, 48000, 48000 * 4};
    FeatureTrack features(stems, timeline.frame_count(), 8);
    for (int stem = 0; stem < stems; ++stem) {
      for (std::int64_t f = 0; f < timeline.frame_count(); ++f) {
        StemFrameFeatures v;
        v.level = static_cast<float>((f * (stem + 3)) % 17) / 16.0f;
        v.onset = (f + stem) % 11 == 0 ? 0.8f : 0.0f;
        features.set(stem, f, v);
      }
    }
    for (const std::string& name : bundled_scene_names()) {
      CAPTURE(name);
      const Scene scene = bundled_scene(name, features, timeline, 480, 270);
      FrameCanvas reused(scene);
      for (const std::int64_t frame :
           {std::int64_t{7}, std::int64_t{40}, std::int64_t{41}, std::int64_t{100}, std::int64_t{3}}) {
        CAPTURE(frame);
        reused.draw(frame);
        FrameCanvas fresh(scene);
        fresh.draw(frame);
        CHECK(pixels_of(reused, 270) == pixels_of(fresh, 270));
      }
    }
  }

  TEST_CASE("a face is cut to a box exactly, corners inside it untouched") {
    std::array<double, 16> out{};
    // Inside: the same corners in the same order.
    REQUIRE(clip_to_box({10, 10, 90, 20, 50, 80, 0, 0}, 3, {0, 0, 100, 100}, out) == 3);
    CHECK(std::equal(out.begin(), out.begin() + 6, std::array<double, 6>{10, 10, 90, 20, 50, 80}.begin()));
    // Outside: nothing left.
    CHECK(clip_to_box({-50, -50, -10, -40, -30, -5, 0, 0}, 3, {0, 0, 100, 100}, out) < 3);
    // Millions of pixels out (past what cairo's fixed point holds): from (50, 50) one edge
    // runs along y = x to (0, 0), the other rises by (1e7 - 50) / (1e7 + 50) per pixel to
    // the left, to (0, 50 + 50 of that); the triangle between is what is left.
    const int left = clip_to_box({-1e7, -1e7, -1e7, 1e7, 50, 50, 0, 0}, 3, {0, 0, 100, 100}, out);
    REQUIRE(left >= 3);
    double area = 0.0;
    for (std::size_t k = 0; k < static_cast<std::size_t>(left); ++k) {
      const std::size_t next = (k + 1) % static_cast<std::size_t>(left);
      CHECK(out[2 * k] >= 0.0);
      CHECK(out[2 * k] <= 50.0);
      CHECK(out[2 * k + 1] >= 0.0);
      CHECK(out[2 * k + 1] <= 100.0);
      area += out[2 * k] * out[2 * next + 1] - out[2 * next] * out[2 * k + 1];
    }
    CHECK(std::abs(area) / 2.0 == doctest::Approx(25.0 * (50.0 + 50.0 * (1e7 - 50) / (1e7 + 50))).epsilon(1e-9));
    // A quad across a corner of the box gains corners where it crosses.
    CHECK(clip_to_box({-20, 50, 50, -20, 120, 50, 50, 120}, 4, {0, 0, 100, 100}, out) == 8);
  }

  TEST_CASE("a face reaching millions of pixels past the picture is drawn where it lies") {
    // Corners far past what cairo's fixed point holds, as an object just in front of the
    // camera gives: the face covers the picture's left half, up to its tip in the middle.
    constexpr int kWidth = 320, kHeight = 180;
    ScreenFace face;
    face.corners = 3;
    face.xy = {-1e7, -5e6, -1e7, 5e6, 160, 90, 0, 0};
    face.colour = {1, 0, 0};
    face.corner_colours = {Colour{0, 1, 0}, Colour{0, 1, 0}, Colour{0, 1, 0}, Colour{}};
    face.corner_alpha = {1, 1, 1, 1};
    face.stroke = false;
    for (const bool per_vertex : {false, true}) {
      CAPTURE(per_vertex);
      face.per_vertex = per_vertex;
      const CairoSurfacePtr picture = make_image_surface(kWidth, kHeight);
      BlendScratch scratch;
      // Leftovers from other faces, which must not show anywhere.
      scratch.surface = make_image_surface(kWidth, kHeight);
      auto* left_over = reinterpret_cast<std::uint32_t*>(cairo_image_surface_get_data(scratch.surface.get()));
      std::fill(left_over, left_over + kWidth * kHeight, 0xffff00ffu);
      cairo_surface_mark_dirty(scratch.surface.get());
      cairo_t* cr = cairo_create(picture.get());
      draw_face(cr, face, kWidth, kHeight, scratch);
      cairo_destroy(cr);
      cairo_surface_flush(picture.get());
      const auto* pixels = reinterpret_cast<const std::uint32_t*>(cairo_image_surface_get_data(picture.get()));
      const std::uint32_t want = per_vertex ? 0xff00ff00u : 0xffff0000u;
      CHECK(pixels[90 * kWidth + 10] == want);
      CHECK(pixels[20 * kWidth + 10] == want);  // the edges rise by one pixel in two
      CHECK(pixels[90 * kWidth + 150] == want);
      int beyond_tip = 0, left_over_seen = 0;
      for (int y = 0; y < kHeight; ++y) {
        for (int x = 0; x < kWidth; ++x) {
          beyond_tip += x > 162 && pixels[y * kWidth + x] != 0;
          left_over_seen += pixels[y * kWidth + x] == 0xffff00ffu;
        }
      }
      CHECK(beyond_tip == 0);
      CHECK(left_over_seen == 0);
    }
  }

  TEST_CASE("the covered box holds every face and is a fraction of the picture") {
    const Timeline timeline{Rational{60, 1}, 48000, 48000 * 20};
    const FeatureTrack features = constant_features(7, timeline.frame_count(), 0.8f);
    const Scene scene = bundled_scene("classic", features, timeline, 1920, 1080);
    FrameCanvas canvas(scene);
    canvas.draw(720);
    const PixelBox box = canvas.covered_box();
    REQUIRE(box.x0 < box.x1);
    REQUIRE(box.y0 < box.y1);
    for (const ScreenFace& face : canvas.faces()) {
      for (int k = 0; k < face.corners; ++k) {
        CHECK(face.xy[2 * k] > box.x0);
        CHECK(face.xy[2 * k] < box.x1);
        CHECK(face.xy[2 * k + 1] > box.y0);
        CHECK(face.xy[2 * k + 1] < box.y1);
      }
    }
    CHECK((box.x1 - box.x0) * (box.y1 - box.y0) < 1920 * 1080 / 2);
  }

  TEST_CASE("hit jumps on an onset and fades, and onsets counts them in smoothly") {
    const Timeline timeline{Rational{60, 1}, 48000, 48000 * 2};
    FeatureTrack features = constant_features(2, timeline.frame_count(), 0.0f);
    change_features(features, 0, 30, [](StemFrameFeatures& f) { f.onset = 0.8f; });
    change_features(features, 0, 90, [](StemFrameFeatures& f) { f.onset = 0.5f; });
    const Scene scene = bundled_scene("classic", features, timeline, 320, 180);
    CHECK(scene.hit(0, 29) == 0.0f);
    CHECK(scene.hit(0, 30) == doctest::Approx(0.8));
    // A 0.15 s time constant: after 9 frames at 60 fps the hit is at exp(-1).
    CHECK(scene.hit(0, 39) == doctest::Approx(0.8 * std::exp(-1.0)).epsilon(0.01));
    CHECK(scene.hit(0, 31) < scene.hit(0, 30));
    CHECK(scene.onsets(0, 30) == doctest::Approx(0.0));
    CHECK(scene.onsets(0, 89) == doctest::Approx(0.8).epsilon(0.01));
    CHECK(scene.onsets(0, 119) == doctest::Approx(1.3).epsilon(0.01));
    for (std::int64_t f = 1; f < timeline.frame_count(); ++f) CHECK(scene.onsets(0, f) >= scene.onsets(0, f - 1));
    CHECK(scene.hit(1, 60) == 0.0f);
    CHECK(scene.onsets(1, 119) == 0.0f);
  }

  TEST_CASE("hit and onsets at a frame do not depend on which frames a canvas drew before") {
    // Three blocks of features and a bit, onsets in each and one on a block's first frame.
    const Timeline timeline{Rational{60, 1}, 48000, 48000 * 14};
    const std::int64_t frames = timeline.frame_count();
    REQUIRE(frames > 3 * Scene::kFeatureBlockFrames);
    FeatureTrack features = constant_features(2, frames, 0.3f);
    for (const std::int64_t frame : {std::int64_t{10}, std::int64_t{255}, Scene::kFeatureBlockFrames, std::int64_t{300},
                                     std::int64_t{511}, std::int64_t{700}, frames - 1}) {
      change_features(features, 0, frame,
                      [&](StemFrameFeatures& f) { f.onset = 0.2f + 0.001f * static_cast<float>(frame % 97); });
    }
    change_features(features, 1, 600, [](StemFrameFeatures& f) { f.onset = 1.0f; });
    const Scene scene(parse_scene("[object]\nsize = \"0.5 + hit + 0.2 * onsets\"\nheight = \"0.3 + onsets\"\n",
                                  "onsets", "onsets.toml", {}),
                      {"a", "b"}, features, timeline, 160, 90);

    // The recurrence run over the whole song, as the scene promises it.
    const double fade = std::exp(-1.0 / (60.0 * 0.15));
    std::vector<double> fading(static_cast<std::size_t>(frames)), total(static_cast<std::size_t>(frames));
    double f = 0.0, t = 0.0;
    for (std::int64_t frame = 0; frame < frames; ++frame) {
      const double onset = features.at(0, frame).onset;
      f = f * fade + onset;
      t += onset;
      fading[static_cast<std::size_t>(frame)] = f, total[static_cast<std::size_t>(frame)] = t;
    }
    for (std::int64_t frame = 0; frame < frames; frame += 7) {
      CAPTURE(frame);
      CHECK(scene.hit(0, frame) ==
            doctest::Approx(std::min(1.0, fading[static_cast<std::size_t>(frame)])).epsilon(1e-6));
      CHECK(scene.onsets(0, frame) ==
            doctest::Approx(total[static_cast<std::size_t>(frame)] - fading[static_cast<std::size_t>(frame)])
                .epsilon(1e-6));
    }
    CHECK(scene.onsets(0, frames + 50) == scene.onsets(0, frames - 1));
    CHECK(scene.hit(0, frames + 50) == 0.0f);
    CHECK(scene.onsets(0, -3) == 0.0f);

    // The faces a fresh canvas draws for each frame...
    const std::vector<std::int64_t> probes = {0,   10,  11,  255, 256,        257,       300,
                                              511, 512, 650, 700, frames - 1, frames + 5};
    std::vector<std::vector<ScreenFace>> fresh;
    for (const std::int64_t frame : probes) {
      FrameCanvas canvas(scene);
      canvas.draw(frame);
      fresh.push_back(canvas.faces());
    }
    const auto same = [](const std::vector<ScreenFace>& a, const std::vector<ScreenFace>& b) {
      if (a.size() != b.size()) return false;
      for (std::size_t k = 0; k < a.size(); ++k) {
        if (a[k].xy != b[k].xy) return false;
      }
      return true;
    };
    // ...are what one canvas draws going through the song in order, as a chunk does...
    FrameCanvas in_order(scene);
    for (std::int64_t frame = 0; frame <= frames + 5; ++frame) {
      in_order.draw(frame);
      const auto probe = std::find(probes.begin(), probes.end(), frame);
      if (probe != probes.end()) CHECK(same(in_order.faces(), fresh[static_cast<std::size_t>(probe - probes.begin())]));
    }
    // ...and jumping about, backwards and across blocks.
    FrameCanvas jumping(scene);
    for (std::size_t k = probes.size(); k-- > 0;) {
      jumping.draw(probes[k]);
      CHECK(same(jumping.faces(), fresh[k]));
      jumping.draw(probes[(k * 5) % probes.size()]);
      CHECK(same(jumping.faces(), fresh[(k * 5) % probes.size()]));
    }
  }

  TEST_CASE("a positions layout with too few positions is refused with its place in the file") {
    const Timeline timeline{Rational{60, 1}, 48000, 48000};
    const FeatureTrack features = constant_features(3, timeline.frame_count(), 0.5f);
    const SceneDescription description =
        parse_scene("[layout]\nkind = \"positions\"\npositions = [[0, 0], [1, 0]]\n", "two", "two.toml", {});
    try {
      const Scene scene(description, {"a", "b", "c"}, features, timeline, 320, 180);
      FAIL("a scene with 2 positions for 3 stems was accepted");
    } catch (const InputError& error) {
      CHECK(std::string(error.what()).find("two.toml:3:1") == 0);
      CHECK(std::string(error.what()).find("2 entries for 3 stems") != std::string::npos);
    }
  }

  TEST_CASE("every bundled shader draws the objects") {
    const Timeline timeline{Rational{30, 1}, 48000, 48000 * 2};
    FeatureTrack features = constant_features(3, timeline.frame_count(), 0.7f);
    for (const BundledFile& file : bundled_files()) {
      const std::filesystem::path path(file.path);
      if (path.parent_path() != "shaders") continue;
      const std::string name = path.stem().string();
      CAPTURE(name);
      const SceneDescription description = parse_scene("[object]\nshader = \"" + name + "\"\n", "s", "s.toml", {});
      CHECK(description.shader.name == name);
      CHECK_FALSE(description.shader.description.empty());
      const Scene scene(description, {"a", "b", "c"}, features, timeline, 320, 180);
      FrameCanvas canvas(scene);
      canvas.draw(10);
      CHECK(canvas.faces().size() >= 6);
      // Some pixel inside the objects' box differs from the background's corner.
      const PixelBox box = canvas.covered_box();
      const auto* corner = reinterpret_cast<const std::uint32_t*>(canvas.pixels());
      int differing = 0;
      for (int y = box.y0; y < box.y1; ++y) {
        const auto* row = reinterpret_cast<const std::uint32_t*>(canvas.pixels() + y * canvas.stride());
        for (int x = box.x0; x < box.x1; ++x) differing += row[x] != corner[0] ? 1 : 0;
      }
      CHECK(differing > 300);
    }
  }

  TEST_CASE("a camera at a point sees what the same azimuth, elevation and distance see") {
    const Timeline timeline{Rational{30, 1}, 48000, 48000};
    const FeatureTrack features = constant_features(4, timeline.frame_count(), 0.5f);
    const double elevation = 20.0, azimuth = 30.0, distance = 9.0;
    const double el = elevation * std::numbers::pi / 180.0, az = azimuth * std::numbers::pi / 180.0;
    const std::string by_angles = "[camera]\nazimuth = 30\nelevation = 20\ndistance = 9\n";
    const std::string by_point = "[camera]\nposition = [" + std::to_string(distance * std::cos(el) * std::sin(az)) +
                                 ", " + std::to_string(distance * std::sin(el)) + ", " +
                                 std::to_string(distance * std::cos(el) * std::cos(az)) + "]\n";
    const auto faces_of = [&](const std::string& text) {
      const Scene scene(parse_scene(text, "c", "c.toml", {}), {"a", "b", "c", "d"}, features, timeline, 320, 180);
      FrameCanvas canvas(scene);
      canvas.draw(5);
      return canvas.faces();
    };
    const auto a = faces_of(by_angles), b = faces_of(by_point);
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
      for (std::size_t c = 0; c < 6; ++c) CHECK(a[k].xy[c] == doctest::Approx(b[k].xy[c]).epsilon(1e-4));
    }
  }

  TEST_CASE("features analysed for another scene are refused where a layer reads what they lack") {
    const Timeline timeline{{30, 1}, 48000, 48000};
    const FeatureTrack features = constant_features(2, timeline.frame_count(), 0.5f);
    const auto refusal = [&](const std::string& layers) {
      try {
        const Scene scene(parse_scene(layers, "s", "s.toml", {}), {"kick", "snare"}, features, timeline, 64, 36);
      } catch (const InputError& error) {
        return std::string(error.what());
      }
      return std::string("accepted");
    };
    CHECK(refusal("[[layers]]\nkind = \"waveform\"\n") ==
          "s.toml:2:8: the features hold no trace for this layer (they were analysed for another scene); analyse the "
          "stems again with this scene");
    CHECK(refusal("[[layers]]\nkind = \"text\"\ntext = \"x\"\nstem = \"mix\"\n")
              .find("s.toml:4:8: the features hold no row for the mix") == 0);
    CHECK(refusal("[[layers]]\nkind = \"text\"\ntext = \"x\"\n") == "accepted");
  }
}
