# SPDX-License-Identifier: MIT
# Script mode: cmake -DBOARDS_DIR=... -DOUTPUT=... -P EmbedBoards.cmake
# Writes a C++ source holding every boards/<name>/board.json as a string.
file(GLOB board_files RELATIVE "${BOARDS_DIR}" "${BOARDS_DIR}/*/board.json")
list(SORT board_files)
set(body "")
foreach(f IN LISTS board_files)
    get_filename_component(dir "${f}" DIRECTORY)
    file(READ "${BOARDS_DIR}/${f}" text)
    string(APPEND body "    {\"${dir}\", R\"SNAPSTAGEBOARD(${text})SNAPSTAGEBOARD\"},\n")
endforeach()
set(out "// Generated from boards/*/board.json by cmake/EmbedBoards.cmake. Do not edit.\n")
string(APPEND out "#include \"firmware/app/boards_builtin.h\"\n\nnamespace snapstage::app {\n")
string(APPEND out "namespace {\nconst BuiltinBoard kBoards[] = {\n${body}};\n}  // namespace\n\n")
string(APPEND out "std::span<const BuiltinBoard> builtinBoardList() noexcept { return kBoards; }\n")
string(APPEND out "\n}  // namespace snapstage::app\n")
file(WRITE "${OUTPUT}.tmp" "${out}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
