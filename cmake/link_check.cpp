// The link check of a stage (cmake/Stages.cmake) links that stage's objects; it needs a
// source of its own, and this is it.
