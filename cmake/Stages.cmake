# One static library per stage folder of src/, with its own link list. What a stage may use
# is what it links: its code finds the headers of the libraries it links and not those of
# others kept in folders of their own (Cairo, Pango), and a link check makes the build fail
# when its code calls into a library it does not link.
#
#   stemviz_stage(NAME SOURCES file... [PUBLIC target...] [PRIVATE target...])
#
# The link check (STEMVIZ_LINK_CHECKS, on in the release build) links all of the stage's
# objects into a shared object with --no-undefined, against the stage's link list alone:
# a call into libav from the drawing stage, say, is then an undefined symbol. Libraries on
# the system's include path (libav, libyuv, libsndfile) are caught this way, where
# include folders alone could not stop them. The sanitizer builds leave it off: their
# runtime symbols are resolved only by the executable.
option(STEMVIZ_LINK_CHECKS "Check at build time that each stage links everything it calls" ON)

function(stemviz_stage name)
  cmake_parse_arguments(stage "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  set(target stemviz_${name})
  add_library(${target} STATIC ${stage_SOURCES})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}/include")
  target_link_libraries(${target} PUBLIC ${stage_PUBLIC} PRIVATE stemviz_settings stemviz_warnings ${stage_PRIVATE})
  if(STEMVIZ_LINK_CHECKS)
    # The link check puts these objects into a shared object. Nothing interposes stemviz's
    # functions, so position-independent code may still inline them as an executable would.
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_compile_options(${target} PRIVATE -fno-semantic-interposition)
    add_library(${target}_link_check SHARED "${PROJECT_SOURCE_DIR}/cmake/link_check.cpp")
    target_link_libraries(${target}_link_check PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${target}>")
    target_link_options(${target}_link_check PRIVATE -Wl,--no-undefined)
  endif()
endfunction()
