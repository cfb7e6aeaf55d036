# geotarget_module(NAME [DEPENDS module...] HEADERS h.hpp... SOURCES s.cpp... [LIBS x...] [PUBLIC_LIBS y...])
#
# One module of the library: the static library geotarget_NAME (exported as geotarget::NAME),
# its public headers (include/geotarget/H, installed) and its internal headers (src/NAME).
# Modules form a chain (common -> ip -> places -> ...): DEPENDS names the one before (or the
# few before, where the chain forks: delivery beside mapping, both after campaigns).
#
# The direction is enforced by include paths, not by convention:
# - a module's public headers are reached through an include root of its own in the build tree
#   (build/modules/NAME/include/geotarget/H -> include/geotarget/H), so a target sees the
#   public headers of exactly the modules it links;
# - its internal headers are reached through geotarget_NAME_internals, an interface target that
#   the module, its later modules, the tests and the benches link, never the CLI or consumers.
# LIBS are private dependencies (a static library still passes them to the final link).
set(GEOTARGET_MODULES "")

function(geotarget_module name)
  cmake_parse_arguments(M "" "" "DEPENDS;HEADERS;SOURCES;LIBS;PUBLIC_LIBS" ${ARGN})
  set(target geotarget_${name})
  add_library(${target} ${M_SOURCES})
  add_library(geotarget::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra)

  set(root ${PROJECT_BINARY_DIR}/modules/${name}/include)
  file(REMOVE_RECURSE ${root})
  file(MAKE_DIRECTORY ${root}/geotarget)
  set(installed "")
  foreach(h ${M_HEADERS})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/geotarget/${h} ${root}/geotarget/${h} SYMBOLIC)
    list(APPEND installed ${PROJECT_SOURCE_DIR}/include/geotarget/${h})
  endforeach()
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${root}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

  add_library(${target}_internals INTERFACE)
  target_include_directories(${target}_internals INTERFACE ${PROJECT_SOURCE_DIR}/src/${name})
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:${target}_internals>)
  foreach(d ${M_DEPENDS})
    target_link_libraries(${target} PUBLIC geotarget_${d})
    target_link_libraries(${target}_internals INTERFACE geotarget_${d}_internals)
  endforeach()
  target_link_libraries(${target} PRIVATE ${M_LIBS} PUBLIC ${M_PUBLIC_LIBS})

  install(TARGETS ${target} EXPORT geotarget-${name}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES ${installed} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/geotarget)
  install(EXPORT geotarget-${name} NAMESPACE geotarget:: FILE geotarget-${name}-targets.cmake
          DESTINATION ${GEOTARGET_CMAKE_DIR})
  set(GEOTARGET_MODULES ${GEOTARGET_MODULES} ${name} PARENT_SCOPE)
endfunction()
