# -DPANIC_DECODERS_ONLY=ON: a small build of the code that decodes bytes from outside
# (docs/DECODERS.md), for the sanitizer and fuzzing step of CI (scripts/test_sanitize_fuzz.sh).
# Instead of the layer libraries, the CLI and the whole suite it builds only:
#   panic_decoders         a static library of the decoders and the pure code they use;
#   panic_decoder_tests    their unit tests (GoogleTest, run by CTest);
#   tests/fuzz             each fuzz target: the corpus replayer fuzz_replay_<name> (CTest
#                          fuzz_replay.<name>), or with -DPANIC_FUZZ=ON (clang) the libFuzzer
#                          binary fuzz_<name>; `ninja panic_fuzzers` builds those.
# With -DPANIC_SANITIZE=ON (PANIC_FUZZ=ON implies it) all of it runs under AddressSanitizer
# + UBSan. Under PANIC_FUZZ the library is also compiled with -fsanitize=fuzzer-no-link, so
# one compilation serves both the libFuzzer binaries and the unit tests.
#
# A new decoder of outside bytes adds its sources to PANIC_DECODER_SOURCES, its pure unit
# tests to PANIC_DECODER_TESTS and a target to tests/fuzz/CMakeLists.txt. A source listed
# here must not reach the database, the models' runtimes or the CLI (the link fails if it does).
set(_dec ${PROJECT_SOURCE_DIR}/src/panic)
set(PANIC_DECODER_SOURCES
  # core: statuses, JSON limits, the experiment config, and what the decoders call
  ${_dec}/core/status.cpp ${_dec}/core/json_limits.cpp ${_dec}/core/experiment_config.cpp
  ${_dec}/core/option_schema.cpp  # the value checks and NearestName the config parser uses
  ${_dec}/core/uuid.cpp ${_dec}/core/utf8.cpp ${_dec}/core/sha256.cpp ${_dec}/core/time.cpp
  # diagrams checked after decoding
  ${_dec}/tda/diagram.cpp
  # stored blobs, archives, images and the legacy import's formats
  ${_dec}/store/npy_codec.cpp ${_dec}/store/npz_codec.cpp ${_dec}/store/image_codec.cpp
  ${_dec}/store/avif_codec.cpp ${_dec}/store/vector_codec.cpp ${_dec}/store/etf_codec.cpp
  ${_dec}/store/legacy_mapping.cpp ${_dec}/store/legacy_mapping_python.cpp ${_dec}/store/legacy_mapping_elixir.cpp
  # point clouds of `tda ph`
  ${_dec}/cli/tda_point_reader.cpp
  ${_dec}/serve/request_parsing.cpp  # the dashboard's request paths
  # the Python worker's frames
  ${_dec}/models/python/frame_codec.cpp
  # the MPI messages between ranks, framed as the worker's frames (mpi/work_codec.h). They
  # use the engine's unit types from its headers only (plain structs): nothing of the engine,
  # the database or the models is linked.
  ${_dec}/mpi/work_codec.cpp ${_dec}/mpi/embeddings_codec.cpp ${_dec}/mpi/diagrams_codec.cpp
  ${_dec}/mpi/runs_codec.cpp
  # ONNX model packages: tokenizer.json, manifest.json (no runtime: the session stub)
  ${_dec}/models/onnx/hf_tokenizer.cpp ${_dec}/models/onnx/hf_components.cpp
  ${_dec}/models/onnx/hf_normalizers.cpp ${_dec}/models/onnx/hf_pre_tokenizers.cpp
  ${_dec}/models/onnx/hf_decoders.cpp ${_dec}/models/onnx/hf_post_processors.cpp
  ${_dec}/models/onnx/tokenizer_models.cpp
  ${_dec}/models/onnx/unicode_text.cpp ${_dec}/models/native/unicode_nfkc.cpp
  # USE Lite's SentencePiece vocabulary (vocab.json)
  ${_dec}/models/native/sentencepiece_tokenizer.cpp
  ${_dec}/models/onnx/manifest.cpp ${_dec}/models/onnx/onnx_session_without_runtime.cpp)

set(_tests ${PROJECT_SOURCE_DIR}/tests)
set(PANIC_DECODER_TESTS
  ${_tests}/core/status_test.cpp ${_tests}/core/experiment_config_test.cpp ${_tests}/core/utf8_test.cpp
  ${_tests}/core/uuid_time_sha_test.cpp
  ${_tests}/store/npy_codec_test.cpp ${_tests}/store/npz_codec_test.cpp ${_tests}/store/zip_craft_helpers.cpp
  ${_tests}/store/image_codec_test.cpp ${_tests}/store/etf_codec_memory_test.cpp
  ${_tests}/legacy/etf_codec_test.cpp
  ${_tests}/cli/tda_point_reader_test.cpp
  ${_tests}/models/frame_codec_test.cpp ${_tests}/mpi/work_codec_test.cpp
  ${_tests}/models/onnx_tokenizer_test.cpp ${_tests}/models/onnx_manifest_test.cpp
  ${_tests}/models/onnx_test_helpers.cpp)

add_library(panic_decoders STATIC ${PANIC_DECODER_SOURCES})
target_include_directories(panic_decoders PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(panic_decoders PUBLIC nlohmann_json::nlohmann_json ZLIB::ZLIB PkgConfig::LIBZIP
                                            PkgConfig::WEBP PkgConfig::AVIF JPEG::JPEG Threads::Threads)
target_compile_definitions(panic_decoders PUBLIC PANIC_WITH_ONNXRUNTIME=0)
set_source_files_properties(${_dec}/models/onnx/onnx_session_without_runtime.cpp PROPERTIES COMPILE_DEFINITIONS
                            "PANIC_ONNX_UNAVAILABLE_REASON=\"the decoder build (PANIC_DECODERS_ONLY) has no ONNX Runtime\"")
panic_add_warnings(panic_decoders)
if(PANIC_FUZZ)
  target_compile_options(panic_decoders PRIVATE -fsanitize=fuzzer-no-link)
endif()

if(PANIC_BUILD_TESTS)
  enable_testing()
  include(GoogleTest)
  add_executable(panic_decoder_tests ${PANIC_DECODER_TESTS} ${_tests}/support/test_support.cpp)
  target_include_directories(panic_decoder_tests PRIVATE ${_tests})
  target_link_libraries(panic_decoder_tests PRIVATE panic_decoders GTest::gtest GTest::gtest_main)
  # No CLI is built here: a decoder test must not run it (test_support's RunCli would fail).
  target_compile_definitions(panic_decoder_tests PRIVATE
    PANIC_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    PANIC_BUILD_DIR="${PROJECT_BINARY_DIR}"
    PANIC_CLI_PATH="${PROJECT_BINARY_DIR}/no-cli-in-the-decoder-build")
  panic_add_warnings(panic_decoder_tests)
  gtest_discover_tests(panic_decoder_tests DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 120
                       PROPERTIES TIMEOUT 600)
  add_subdirectory(tests/fuzz)
endif()
