# hearsay bench --quick with excerpt_start/excerpt_seconds: every explained clip is the excerpt, recorded
# in its summary.json, under a folder of its own. Run as:
#   cmake -DHEARSAY=<exe> -DOUT=<dir> -DCACHE=<bench_quick cache> -P bench_excerpt.cmake
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${HEARSAY} bench --quick --out ${OUT} --cache ${CACHE}
                        --options "{\"excerpt_start\": 0.5, \"excerpt_seconds\": 1.5}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "bench with an excerpt failed (${rc}): ${err}")
endif()
file(GLOB_RECURSE summaries ${OUT}/*/summary.json)
list(LENGTH summaries count)
if(count EQUAL 0)
  message(FATAL_ERROR "bench with an excerpt wrote no summary.json")
endif()
foreach(summary ${summaries})
  if(NOT summary MATCHES "-excerpt-0.5-1.5/summary.json$")
    message(FATAL_ERROR "${summary} is not in an excerpt's own folder")
  endif()
  file(READ ${summary} text)
  string(JSON start GET "${text}" excerpt start_seconds)
  string(JSON seconds GET "${text}" excerpt seconds)
  if(NOT start EQUAL 0.5 OR NOT seconds MATCHES "^1\\.5")
    message(FATAL_ERROR "${summary}: excerpt ${start} + ${seconds} s, expected 0.5 + 1.5 s")
  endif()
endforeach()
execute_process(COMMAND ${HEARSAY} bench --quick --out ${OUT} --cache ${CACHE} --options "{\"excerpt_start\": 99}"
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
if(rc EQUAL 0 AND NOT out MATCHES "past the end")
  message(FATAL_ERROR "an excerpt past the end of every clip was not reported: ${out} ${err}")
endif()
message(STATUS "bench excerpts: ${count} summaries, each of 0.5 + 1.5 s")
