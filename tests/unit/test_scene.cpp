#include <stemviz/scene.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

using namespace stemviz;

TEST_SUITE("scene") {
  TEST_CASE("every layout of 1 to 32 stems stays in the picture at any time and loudness") {
    for (const auto& [width, height] : {std::pair{1920, 1080}, std::pair{1080, 1920}}) {
      for (int stems = 1; stems <= 32; ++stems) {
        CAPTURE(stems);
        const ClassicScene scene(stems, width, height);
        for (const float level : {0.0f, 1.0f}) {
          const std::vector<float> loudness(static_cast<std::size_t>(stems), level);
          std::vector<ScreenFace> faces;
          for (double t = 0.0; t < 40.0; t += 0.25) {
            scene.build_faces({t, loudness.data()}, faces);
            std::set<int> seen;
            for (const ScreenFace& face : faces) {
              seen.insert(face.stem);
              for (int k = 0; k < 3; ++k) {
                REQUIRE(face.xy[2 * k] >= 0.0);
                REQUIRE(face.xy[2 * k] <= width);
                REQUIRE(face.xy[2 * k + 1] >= 0.0);
                REQUIRE(face.xy[2 * k + 1] <= height);
              }
            }
            // Every stem shows at least one face.
            REQUIRE(static_cast<int>(seen.size()) == stems);
          }
        }
      }
    }
  }

  TEST_CASE("faces come in painter's order: reflections first, then far to near") {
    const ClassicScene scene(7, 1920, 1080);
    const std::vector<float> loudness{0.1f, 0.9f, 0.5f, 1.0f, 0.0f, 0.3f, 0.7f};
    std::vector<ScreenFace> faces;
    scene.build_faces({3.3, loudness.data()}, faces);
    REQUIRE(faces.size() > 14);
    for (std::size_t i = 1; i < faces.size(); ++i) {
      if (faces[i - 1].mirror == faces[i].mirror) CHECK(faces[i - 1].depth >= faces[i].depth);
      else CHECK(faces[i - 1].mirror);
    }
  }

  TEST_CASE("a louder stem has a taller pyramid") {
    const ClassicScene scene(1, 640, 360);
    const auto top = [&](float level) {
      std::vector<ScreenFace> faces;
      scene.build_faces({0.0, &level}, faces);
      double y = 1e9;
      for (const ScreenFace& f : faces) {
        if (!f.mirror) y = std::min({y, f.xy[1], f.xy[3], f.xy[5]});
      }
      return y;
    };
    CHECK(top(1.0f) < top(0.5f) - 20);
    CHECK(top(0.5f) < top(0.0f) - 20);
  }

  TEST_CASE("a reused canvas draws the same pixels as a fresh one") {
    // A canvas restores only what its previous frame covered; any leftover would show here.
    const int stems = 5;
    const ClassicScene scene(stems, 480, 270);
    const Timeline timeline{Rational{30, 1}, 48000, 48000 * 4};
    FeatureTrack features(stems, timeline.frame_count());
    for (int stem = 0; stem < stems; ++stem) {
      for (std::int64_t f = 0; f < timeline.frame_count(); ++f) {
        features.stem(stem)[f].level = static_cast<float>((f * (stem + 3)) % 17) / 16.0f;
      }
    }
    const auto pixels = [&](const FrameCanvas& canvas) {
      const std::uint8_t* p = canvas.pixels();
      return std::vector<std::uint8_t>(p, p + static_cast<std::size_t>(canvas.stride()) * 270);
    };
    FrameCanvas reused(scene);
    for (const std::int64_t frame : {std::int64_t{7}, std::int64_t{40}, std::int64_t{41},
                                     std::int64_t{100}, std::int64_t{3}}) {
      CAPTURE(frame);
      reused.render(features, timeline, frame);
      FrameCanvas fresh(scene);
      fresh.render(features, timeline, frame);
      CHECK(pixels(reused) == pixels(fresh));
    }
  }

  TEST_CASE("the covered box holds every face") {
    const ClassicScene scene(7, 1920, 1080);
    const std::vector<float> loudness{0.1f, 0.9f, 0.5f, 1.0f, 0.0f, 0.3f, 0.7f};
    std::vector<ScreenFace> faces;
    scene.build_faces({12.0, loudness.data()}, faces);
    const PixelBox box = scene.covered_box(faces);
    REQUIRE(box.x0 < box.x1);
    REQUIRE(box.y0 < box.y1);
    for (const ScreenFace& face : faces) {
      for (int k = 0; k < 3; ++k) {
        CHECK(face.xy[2 * k] > box.x0);
        CHECK(face.xy[2 * k] < box.x1);
        CHECK(face.xy[2 * k + 1] > box.y0);
        CHECK(face.xy[2 * k + 1] < box.y1);
      }
    }
    // Far smaller than the picture, or restoring it would save nothing.
    CHECK((box.x1 - box.x0) * (box.y1 - box.y0) < 1920 * 1080 / 2);
  }
}
