#include <stemviz/draw/plot.hpp>

#include <doctest/doctest.h>

using namespace stemviz;

TEST_SUITE("plot") {
  TEST_CASE("labels in any script or emoji find a font") {
    for (const std::string name : {"01 Kick In", "Ñandú", "Бочка", "Τύμπανο", "鼓 タム 북", "hat 🥁"}) {
      INFO(name);
      CHECK(missing_glyphs(name) == 0);
    }
    // A private-use character has no glyph anywhere: the count sees it.
    CHECK(missing_glyphs("kick \xee\x80\x80") == 1);
  }
}
