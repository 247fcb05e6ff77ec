# Vulkan compute shaders: GLSL compiled by glslc at build time into SPIR-V, embedded into the
# binary as 32-bit words (no shader files to ship or find at run time).
#   xpubench_shader(NAME SOURCE [DEFINES ...] [ENV vulkan1.1])  compiles one variant
#   xpubench_embed_spirv(TARGET FUNCTION)                      embeds every variant compiled so far
# Every variant is also checked by spirv-val in the tests (tests/CMakeLists.txt).
find_program(XPUBENCH_GLSLC glslc)
find_program(XPUBENCH_SPIRV_VAL spirv-val)
if(NOT XPUBENCH_GLSLC)
  message(FATAL_ERROR "XPUBENCH_WITH_VULKAN=ON needs glslc to build the shaders: run scripts/install-deps.sh "
                      "(Debian: apt-get install glslc) or pass -DXPUBENCH_WITH_VULKAN=OFF")
endif()

# Does this glslc know GL_KHR_cooperative_matrix (glslang 13+)? Debian 12's (glslang 11.13) does not.
set(_probe ${CMAKE_BINARY_DIR}/khr_cooperative_matrix_check.comp)
file(WRITE ${_probe} "#version 450\n#extension GL_KHR_cooperative_matrix : require\nlayout(local_size_x = 32) in;\nvoid main() {}\n")
execute_process(COMMAND ${XPUBENCH_GLSLC} --target-env=vulkan1.3 ${_probe} -o ${_probe}.spv
                RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
if(_rc EQUAL 0)
  set(XPUBENCH_GLSLC_KHR_COOPMAT ON)
  set(XPUBENCH_GLSLC_KHR_COOPMAT_REASON "")
else()
  set(XPUBENCH_GLSLC_KHR_COOPMAT OFF)
  string(STRIP "${_err}" _err)
  string(REGEX REPLACE "\n.*" "" _err "${_err}")
  string(REPLACE "${_probe}:" "" _err "${_err}")
  string(REPLACE "\"" "'" _err "${_err}")
  execute_process(COMMAND ${XPUBENCH_GLSLC} --version OUTPUT_VARIABLE _ver)
  string(REGEX MATCH "glslang [^\n]*" _ver "${_ver}")
  set(XPUBENCH_GLSLC_KHR_COOPMAT_REASON "this build's glslc (${_ver}) does not know GL_KHR_cooperative_matrix (${_err}); rebuild with glslang 13 or later")
endif()
message(STATUS "glslc GL_KHR_cooperative_matrix: ${XPUBENCH_GLSLC_KHR_COOPMAT} ${XPUBENCH_GLSLC_KHR_COOPMAT_REASON}")

set_property(GLOBAL PROPERTY XPUBENCH_SPIRV_FILES "")
set_property(GLOBAL PROPERTY XPUBENCH_SPIRV_ENVS "")

function(xpubench_shader name source)
  cmake_parse_arguments(S "" "ENV" "DEFINES" ${ARGN})
  if(NOT S_ENV)
    set(S_ENV vulkan1.1)
  endif()
  set(dir ${CMAKE_CURRENT_SOURCE_DIR}/vulkan/shaders)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/spirv/${name}.spv)
  set(defines "")
  foreach(d IN LISTS S_DEFINES)
    list(APPEND defines -D${d})
  endforeach()
  file(GLOB includes ${dir}/*.glsl)
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/spirv
    COMMAND ${XPUBENCH_GLSLC} --target-env=${S_ENV} -fshader-stage=compute -Werror -O ${defines} -I ${dir} ${dir}/${source} -o ${output}
    DEPENDS ${dir}/${source} ${includes}
    COMMENT "glslc ${source} -> ${name}.spv" VERBATIM)
  set_property(GLOBAL APPEND PROPERTY XPUBENCH_SPIRV_FILES ${output})
  set_property(GLOBAL APPEND PROPERTY XPUBENCH_SPIRV_ENVS ${S_ENV})
endfunction()

function(xpubench_embed_spirv target function)
  get_property(files GLOBAL PROPERTY XPUBENCH_SPIRV_FILES)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${function}.cpp)
  string(REPLACE ";" "|" joined "${files}")
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DNAMESPACE=xpu -DFUNCTION=${function} "-DFILES=${joined}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_spirv_words.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_spirv_words.cmake
    COMMENT "Embedding SPIR-V" VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()
