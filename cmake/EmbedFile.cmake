# cmake -DINPUT=file -DOUTPUT=file.cpp -P EmbedFile.cmake: writes `file` as the bytes of
# hearsay::bench::chartjs_source() (declared in bench/chartjs.h), so report.html can inline it.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by cmake/EmbedFile.cmake; do not edit.\n#include \"bench/chartjs.h\"\n\nnamespace hearsay::bench {\nnamespace {\nconst unsigned char kBytes[] = {\n${bytes}};\n}  // namespace\n\nstd::string_view chartjs_source() { return {reinterpret_cast<const char*>(kBytes), sizeof kBytes}; }\n\n}  // namespace hearsay::bench\n")
