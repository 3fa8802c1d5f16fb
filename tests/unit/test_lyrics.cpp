// Lyrics and captions files: LRC and SRT read into timed lines, and their mistakes.
#include <stemviz/scene/lyrics.hpp>
#include <stemviz/util/error.hpp>

#include <doctest/doctest.h>

using namespace stemviz;

TEST_SUITE("lyrics") {
  TEST_CASE("LRC: each stamped line lasts until the next stamp, with tags, offsets and word stamps handled") {
    const Lyrics lyrics = parse_lyrics(
        "\xef\xbb\xbf[ti:Song]\r\n[ar:Band]\r\n[offset:+250]\r\n"
        "[00:01.00]One\r\n[00:02.50][00:05.00]Chorus <00:02.80>with <00:03.10>words\r\n"
        "[00:04.00]\r\n[00:06:50]Last\r\nno stamp here\r\n",
        "song.lrc", 5.0);
    REQUIRE(lyrics.lines.size() == 4);
    // +250 ms shows every line a quarter of a second sooner.
    CHECK(lyrics.lines[0].start == doctest::Approx(0.75));
    CHECK(lyrics.lines[0].end == doctest::Approx(2.25));
    CHECK(lyrics.lines[0].text == "One");
    CHECK(lyrics.lines[1].text == "Chorus with words");
    CHECK(lyrics.lines[1].end == doctest::Approx(3.75));  // the empty stamped line ends it
    CHECK(lyrics.lines[2].start == doctest::Approx(4.75));
    CHECK(lyrics.lines[2].text == "Chorus with words");
    CHECK(lyrics.lines[3].start == doctest::Approx(6.25));  // mm:ss:xx, as some editors write
    CHECK(lyrics.lines[3].end == doctest::Approx(11.25));   // the last one holds 5 s
    CHECK(lyrics.line_at(0.5) == -1);
    CHECK(lyrics.line_at(0.75) == 0);
    CHECK(lyrics.line_at(2.2499) == 0);
    CHECK(lyrics.line_at(2.25) == 1);
    CHECK(lyrics.line_at(4.0) == -1);  // between the chorus's end and its repeat
    CHECK(lyrics.line_at(12.0) == -1);
  }

  TEST_CASE("SRT: numbered cues with start and end, several lines, tags dropped") {
    const Lyrics lyrics = parse_lyrics(
        "1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i>\r\nworld\r\n\r\n"
        "2\n00:01:02.250 --> 00:01:04,000 X1:10\n{\\an8}Up top\n",
        "captions.srt");
    REQUIRE(lyrics.lines.size() == 2);
    CHECK(lyrics.lines[0].start == doctest::Approx(1.0));
    CHECK(lyrics.lines[0].end == doctest::Approx(2.5));
    CHECK(lyrics.lines[0].text == "Hello\nworld");
    CHECK(lyrics.lines[1].start == doctest::Approx(62.25));
    CHECK(lyrics.lines[1].end == doctest::Approx(64.0));
    CHECK(lyrics.lines[1].text == "Up top");
    CHECK(lyrics.line_at(3.0) == -1);
    CHECK(lyrics.line_at(63.0) == 1);
  }

  TEST_CASE("mistakes in lyrics files name the file and line") {
    CHECK_THROWS_WITH_AS(parse_lyrics("[00:01.00]One\n[1:7x]Two\n", "song.lrc"),
                         "song.lrc:2: [1:7x] is not a time stamp; write [mm:ss.xx], such as [01:23.45]", InputError);
    CHECK_THROWS_WITH_AS(parse_lyrics("[offset:soon]\n[00:01.00]One\n", "song.lrc"),
                         "song.lrc:1: [offset:soon] is not an offset in milliseconds", InputError);
    CHECK_THROWS_WITH_AS(
        parse_lyrics("1\n00:00:01,000 --> 00:00:02,500\nOne\n\n2\n00:00:03 --> 00:00:04,000\nTwo\n", "captions.srt"),
        "captions.srt:6: expected a cue's times, such as 00:01:02,500 --> 00:01:04,000", InputError);
    CHECK_THROWS_WITH_AS(parse_lyrics("just words\n", "notes.txt"),
                         doctest::Contains("notes.txt: no timed lines; give an LRC file"), InputError);
  }
}
