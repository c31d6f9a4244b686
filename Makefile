# iost-flight — two commands on a fresh Debian 12 machine:
#   make run    build and start iostd on simulated hardware with a live ground view
#   make test   every test (unit, real peers, libgpiod v1 + v2 builds)
# `make deps` is what both call first: it installs only what is missing.

SHELL        := /bin/bash
SWIFT        ?= swift
CONFIG       ?= debug
VENV         := .venv
PYTHON       := $(VENV)/bin/python
CACHE        := .cache
APT_PACKAGES := libgpiod-dev libi2c-dev libmodbus-dev gpiod i2c-tools socat python3-venv
# Test peers, pinned (see requirements-test.txt).
PY_STAMP     := $(VENV)/.installed-$(shell cat requirements-test.txt 2>/dev/null | md5sum | cut -c1-8)
SWIFT_FLAGS  := -c $(CONFIG)

export IOST_PYTHON := $(abspath $(PYTHON))
export IOST_REPO   := $(abspath .)

.PHONY: all deps apt-deps py-deps build test test-swift test-gpiod-v2 test-hil run probe clean install bench

all: build

## deps: install missing apt packages and the Python venv of test peers
deps: apt-deps py-deps

apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

py-deps: $(PY_STAMP)

$(PY_STAMP): requirements-test.txt
	@test -x $(PYTHON) || { python3 -m venv $(VENV) || /usr/bin/python3 -m venv $(VENV); }
	@$(PYTHON) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	@rm -f $(VENV)/.installed-*; touch $@

## build: compile everything
build: apt-deps
	$(SWIFT) build $(SWIFT_FLAGS)

## test: every test, from nothing to green
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@$(MAKE) --no-print-directory test-gpiod-v2
	@$(MAKE) --no-print-directory test-hil

## test-gpiod-v2: compile and link the libgpiod v2 branch of CGPIODCompat against libgpiod 2.x sources
test-gpiod-v2: py-deps
	@scripts/test-gpiod-v2.sh

## test-hil: real Linux backends against i2c-stub, gpio-sim and pymodbus in a QEMU guest (root;
## installs qemu-system-x86 etc. itself; IOST_SKIP_HIL=1 skips loudly). See scripts/hil-test.sh.
test-hil: py-deps
	@scripts/hil-test.sh

## probe: read every device of the simulated vehicle once
probe: build
	$(SWIFT) run $(SWIFT_FLAGS) iostd probe

## run: iostd on simulated hardware with a live ground view
run: deps build
	@scripts/run-sim.sh

clean:
	rm -rf .build $(CACHE)
