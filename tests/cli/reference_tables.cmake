# Fails when the generated tables of docs/reference.md (methods, factorizations, metrics, networks and
# their options) differ from what `hearsay list --markdown` prints, so the documented options cannot
# drift from the code. Run as: cmake -DHEARSAY=<exe> -DDOC=<docs/reference.md> -P reference_tables.cmake
set(begin_marker "<!-- hearsay list --markdown -->\n")
set(end_marker "<!-- end hearsay list -->")
execute_process(COMMAND ${HEARSAY} list --markdown OUTPUT_VARIABLE listed RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "hearsay list --markdown failed (${rc})")
endif()
file(READ ${DOC} doc)
string(FIND "${doc}" "${begin_marker}" begin)
string(FIND "${doc}" "${end_marker}" end)
if(begin EQUAL -1 OR end EQUAL -1 OR end LESS begin)
  message(FATAL_ERROR "${DOC} lacks the markers around the generated tables ('${end_marker}' after the begin marker)")
endif()
string(LENGTH "${begin_marker}" marker_length)
math(EXPR begin "${begin} + ${marker_length}")
math(EXPR length "${end} - ${begin}")
string(SUBSTRING "${doc}" ${begin} ${length} documented)
if(NOT documented STREQUAL listed)
  message(FATAL_ERROR "${DOC}'s tables of methods, factorizations, metrics and networks are out of date: paste "
                      "the output of 'hearsay list --markdown' between its markers")
endif()
message(STATUS "${DOC} tables match hearsay list --markdown")
