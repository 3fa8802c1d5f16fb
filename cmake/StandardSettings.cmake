# Compile settings shared by every stemviz target, linked PRIVATE so they do not leak to users.
add_library(stemviz_settings INTERFACE)
target_compile_features(stemviz_settings INTERFACE cxx_std_20)

add_library(stemviz_warnings INTERFACE)
target_compile_options(stemviz_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                       -Wno-sign-conversion)
