# cmake -DSOURCE_DIR=… -DBINARY_DIR=… -DWORK_DIR=… -DEXPECT_CLI=0|1 -P run_consumer_test.cmake
# Installs the built project into a private prefix, then builds tests/consumer against it with
# find_package twice: once asking for the `ip` component alone (the program must need
# libmaxminddb and none of GDAL, PROJ, yaml-cpp, utf8proc, Boost), once for everything.
# Each consumer resolves an address of the demo database.
file(REMOVE_RECURSE ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

function(build_consumer name component)
  set(build ${WORK_DIR}/${name})
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${build} -DGEOTARGET_COMPONENT=${component}
      -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build ${build})
  run(${build}/consumer ${BINARY_DIR}/geodata/demo-ip.mmdb 66.2.0.1)
  if(NOT LAST_OUTPUT STREQUAL "Boston US\n")
    message(FATAL_ERROR "${name} consumer printed '${LAST_OUTPUT}', expected 'Boston US'")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix)

build_consumer(ip-only ip)
run(ldd ${WORK_DIR}/ip-only/consumer)
set(needs "${LAST_OUTPUT}")
if(NOT needs MATCHES "libmaxminddb")
  message(FATAL_ERROR "the ip-only consumer does not load libmaxminddb:\n${needs}")
endif()
foreach(unwanted libgdal libproj libyaml-cpp libutf8proc libgeos libz\\.)
  if(needs MATCHES "${unwanted}")
    message(FATAL_ERROR "the ip-only consumer loads ${unwanted}, which geotarget::ip must not need:\n${needs}")
  endif()
endforeach()
message(STATUS "geotarget::ip alone needs:\n${needs}")

build_consumer(everything "")
if(EXPECT_CLI AND NOT EXISTS ${WORK_DIR}/prefix/bin/geotarget)
  message(FATAL_ERROR "the CLI was not installed")
endif()
message(STATUS "both consumers built against the installed package and answered Boston US")
