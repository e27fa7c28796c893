# The dashboard's pages, scripts and styles are compiled into the binary: `serve` reads no
# file at run time, so nothing in a request can name one (docs/SERVE.md).
# panic_embed_assets(target dir): every *.html, *.js, *.css, *.svg of dir becomes an entry of
# serve/embedded_assets.h's table, regenerated when a file changes.
function(panic_embed_assets target dir)
  file(GLOB assets CONFIGURE_DEPENDS ${dir}/*.html ${dir}/*.js ${dir}/*.css ${dir}/*.svg)
  set(out ${PROJECT_BINARY_DIR}/generated/panic/serve/embedded_assets.cpp)
  string(REPLACE ";" "|" asset_list "${assets}")  # one argument through the shell
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} "-DASSETS=${asset_list}" -P ${dir}/EmbedAssetsScript.cmake
    DEPENDS ${assets} ${dir}/EmbedAssetsScript.cmake
    COMMENT "Embedding the dashboard's assets"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
