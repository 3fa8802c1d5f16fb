#include <stemviz/scene.hpp>

#include <doctest/doctest.h>

#include <algorithm>
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
}
