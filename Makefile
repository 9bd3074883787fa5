# Nuri's front door. `make run` and `make test` install what is missing, build, and go.
BUILD ?= build
SAN ?= 0
JOBS ?= $(shell nproc)
ifeq ($(SAN),1)
  BUILD := build-san
  CMAKE_FLAGS += -DNURI_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
endif

.PHONY: setup build test run bench fuzz sim-long clean

setup:
	@tools/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 900

run: build
	tools/run-pilot.sh $(BUILD)

bench: build
	$(BUILD)/nuri bench engine --json
	$(BUILD)/nuri bench cluster --validators 4 --seconds 20 --json
	$(BUILD)/nuri bench snapshot --accounts 1000000 --json
	$(BUILD)/nuri bench api --json

fuzz:
	@tools/setup.sh fuzz
	cmake -S . -B build-fuzz -G Ninja -DNURI_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j $(JOBS) --target fuzz_transaction fuzz_program fuzz_consensus fuzz_wire
	mkdir -p build-fuzz/corpus/transaction build-fuzz/corpus/program build-fuzz/corpus/consensus build-fuzz/corpus/wire
	build-fuzz/fuzz_transaction -max_total_time=$${FUZZ_SECONDS:-60} -max_len=20000 build-fuzz/corpus/transaction fuzz/corpus/transaction
	build-fuzz/fuzz_program -max_total_time=$${FUZZ_SECONDS:-60} -max_len=8000 build-fuzz/corpus/program fuzz/corpus/program
	build-fuzz/fuzz_consensus -max_total_time=$${FUZZ_SECONDS:-60} -max_len=4000 build-fuzz/corpus/consensus fuzz/corpus/consensus
	build-fuzz/fuzz_wire -max_total_time=$${FUZZ_SECONDS:-60} -max_len=20000 build-fuzz/corpus/wire fuzz/corpus/wire

# The simulator, seed after seed from a random one, until a seed fails or you stop it.
sim-long: build
	$(BUILD)/nuri sim --forever --seed $$(shuf -i 1-1000000000 -n 1)

clean:
	rm -rf build build-san build-fuzz
