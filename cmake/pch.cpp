// Compiled only to own a precompiled header (cmake/BuildFlavours.cmake): the other targets
// of its flavour reuse that header.
