// JSON from files that other machines or people may have written (job manifests, segment
// records, feature files): parsed with its nesting capped, before anything walks the
// document. nlohmann-json's serializer and comparisons recurse once per level, so a
// manifest of 100,000 nested brackets would overflow the stack when its hash is computed.
#pragma once

#include <stemviz/util/error.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace stemviz {

// Deeper than anything stemviz writes (its manifests nest 5 levels).
inline constexpr int kMaxJsonDepth = 32;

// Parses `text` like JsonType::parse (throwing its parse_error for bad JSON), and throws
// InputError naming `where` as soon as the document nests deeper than kMaxJsonDepth.
template <typename JsonType>
JsonType parse_json_capped(std::string_view text, const std::string& where) {
  return JsonType::parse(text, [&where](int depth, typename JsonType::parse_event_t, JsonType&) {
    if (depth > kMaxJsonDepth) {
      throw InputError(where + ": nests deeper than " + std::to_string(kMaxJsonDepth) +
                       " levels, which no stemviz file does; it is damaged or not stemviz's");
    }
    return true;
  });
}

}  // namespace stemviz
