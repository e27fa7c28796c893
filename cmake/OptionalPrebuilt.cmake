# One optional prebuilt shared library (fetched from npm by scripts/fetch_*.sh into the
# user-level cache) behind one source file of a panic library. cmake/Onnx.cmake and
# cmake/Duckdb.cmake declare theirs with it.
#
# For a library called NAME the user sees
#   -D${OPTION}=AUTO   (default) on when the fetch script has put it into ROOT
#   -D${OPTION}=ON     required: configuration stops when it is missing
#   -D${OPTION}=OFF    never; the WITHOUT_SOURCE replacement reports REASON at run time
#   -D${ROOT_VAR}=DIR  a folder with HEADER and LIBRARY (default: the fetch script's folder,
#                      $ENV{${ENV_VAR}} or ${XDG_CACHE_HOME:-~/.cache}/panic-tda/${CACHE_DIR})
#
# Exactly one of WITH_SOURCE / WITHOUT_SOURCE stays in TARGET's sources; WITHOUT_SOURCE is
# compiled with ${REASON_DEFINE}="why it is off". FOUND_DEFINE, when given, is defined to 1 or
# 0 for TARGET's users; REASON_ADVICE, a sentence appended to REASON. INSTALL_LIBRARY copies the library into the installed tree's lib/.

# Declares the user's two cache settings; called at include time so they exist before use.
function(panic_optional_prebuilt_options)
  cmake_parse_arguments(P "" "OPTION;ROOT_VAR;ENV_VAR;CACHE_DIR;LABEL" "" ${ARGN})
  set(${P_OPTION} AUTO CACHE STRING "Build with ${P_LABEL}: AUTO, ON or OFF")
  set_property(CACHE ${P_OPTION} PROPERTY STRINGS AUTO ON OFF)
  if(DEFINED ENV{${P_ENV_VAR}} AND NOT "$ENV{${P_ENV_VAR}}" STREQUAL "")
    set(default_root "$ENV{${P_ENV_VAR}}")
  elseif(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
    set(default_root "$ENV{XDG_CACHE_HOME}/panic-tda/${P_CACHE_DIR}")
  else()
    set(default_root "$ENV{HOME}/.cache/panic-tda/${P_CACHE_DIR}")
  endif()
  set(${P_ROOT_VAR} "${default_root}" CACHE PATH "${P_LABEL} folder")
endfunction()

function(panic_optional_prebuilt target)
  cmake_parse_arguments(P "INSTALL_LIBRARY"
    "OPTION;ROOT_VAR;LABEL;HEADER;LIBRARY;SONAME;IMPORTED;FETCH_SCRIPT;WITH_SOURCE;WITHOUT_SOURCE;REASON_DEFINE;REASON_ADVICE;FOUND_DEFINE"
    "" ${ARGN})
  set(option "${${P_OPTION}}")
  set(root "${${P_ROOT_VAR}}")
  set(header "${root}/${P_HEADER}")
  set(library "${root}/${P_LIBRARY}")
  set(found OFF)
  if(EXISTS "${header}" AND EXISTS "${library}")
    set(found ON)
  endif()
  if(option STREQUAL "ON" AND NOT found)
    message(FATAL_ERROR "${P_OPTION}=ON but ${P_LABEL} is not in ${root}: "
                        "run ${P_FETCH_SCRIPT} or set ${P_ROOT_VAR}")
  endif()
  get_target_property(srcs ${target} SOURCES)
  # The regexes match the file name at the end of each source path.
  string(REPLACE "." "\\." with_regex "${P_WITH_SOURCE}")
  string(REPLACE "." "\\." without_regex "${P_WITHOUT_SOURCE}")
  if(found AND NOT option STREQUAL "OFF")
    message(STATUS "${P_LABEL}: on (${root})")
    list(FILTER srcs EXCLUDE REGEX "${without_regex}$")
    add_library(${P_IMPORTED} SHARED IMPORTED GLOBAL)
    set_target_properties(${P_IMPORTED} PROPERTIES
      IMPORTED_LOCATION "${library}"
      IMPORTED_SONAME "${P_SONAME}"
      INTERFACE_INCLUDE_DIRECTORIES "${root}/include")
    target_link_libraries(${target} PUBLIC ${P_IMPORTED})
    if(P_FOUND_DEFINE)
      target_compile_definitions(${target} PUBLIC ${P_FOUND_DEFINE}=1)
    endif()
    if(P_INSTALL_LIBRARY)
      # The installed tree carries the library in P/lib (found through $ORIGIN/../lib).
      install(FILES "${library}" DESTINATION lib)
    endif()
  else()
    if(option STREQUAL "OFF")
      set(reason "panic-tda was built without ${P_LABEL} (-D${P_OPTION}=OFF)")
    else()
      set(reason "panic-tda was built without ${P_LABEL} (not found in ${root}: run ${P_FETCH_SCRIPT}, then reconfigure)")
    endif()
    if(P_REASON_ADVICE)  # a sentence; no ';' (it would split the definition into a list)
      string(APPEND reason ". ${P_REASON_ADVICE}")
    endif()
    message(STATUS "${P_LABEL}: off — ${reason}")
    list(FILTER srcs EXCLUDE REGEX "${with_regex}$")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/src/panic/${P_WITHOUT_SOURCE}
                                PROPERTIES COMPILE_DEFINITIONS "${P_REASON_DEFINE}=\"${reason}\"")
    if(P_FOUND_DEFINE)
      target_compile_definitions(${target} PUBLIC ${P_FOUND_DEFINE}=0)
    endif()
  endif()
  set_property(TARGET ${target} PROPERTY SOURCES ${srcs})
endfunction()
