# Writes a C++ source defining `std::string_view <FUNCTION>()` over the bytes of INPUT, so a file
# kept in the repository (the console page) is compiled into the binary; nothing is read at run
# time. Usage: cmake -DINPUT=<file> -DOUTPUT=<file.cc> -DNAMESPACE=<ns> -DFUNCTION=<name>
#              -DHEADER=<include> -P embed_file.cmake
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
# "0a1b..." -> "0x0a,0x1b,...", sixteen bytes per line.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by embed_file.cmake; do not edit.\n"
  "#include \"${HEADER}\"\n\n"
  "namespace ${NAMESPACE} {\n\n"
  "namespace {\n// unsigned: bytes >= 0x80 would be narrowing conversions into char.\n"
  "constexpr unsigned char kBytes[${byte_count} + 1] = {\n${bytes}0};\n}  // namespace\n\n"
  "std::string_view ${FUNCTION}() {\n"
  "  return std::string_view(reinterpret_cast<const char*>(kBytes), ${byte_count});\n}\n\n"
  "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
