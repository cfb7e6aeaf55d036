# cmake -DSOURCE_DIR=… -DBINARY_DIR=… -DWORK_DIR=… -P run_consumer_test.cmake
# Installs the built project into a private prefix, builds tests/consumer against it with
# find_package(geotarget), and runs the consumer on the demo database.
file(REMOVE_RECURSE ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(LAST_OUTPUT "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer ${BINARY_DIR}/geodata/demo-ip.mmdb 66.2.0.1)
if(NOT LAST_OUTPUT STREQUAL "Boston US\n")
  message(FATAL_ERROR "consumer printed '${LAST_OUTPUT}', expected 'Boston US'")
endif()
if(NOT EXISTS ${WORK_DIR}/prefix/bin/geotarget)
  message(FATAL_ERROR "the CLI was not installed")
endif()
message(STATUS "consumer built against the installed package and answered: ${LAST_OUTPUT}")
