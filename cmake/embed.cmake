# xpubench_embed(TARGET FUNCTION GLOB): embeds the files matching GLOB into TARGET as a generated
# C++ table returned by xpu::FUNCTION() (std::span<const embedded_text>); editing a file rebuilds.
function(xpubench_embed target function glob)
  file(GLOB files CONFIGURE_DEPENDS ${glob})
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${function}.cpp)
  string(REPLACE ";" "|" joined "${files}")  # a ; would split the command line
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DNAMESPACE=xpu -DFUNCTION=${function} "-DFILES=${joined}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    COMMENT "Embedding ${glob}" VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()
